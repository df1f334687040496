// Where this host's cgroups are: the layout (pure v2, hybrid = v1 controllers plus a
// controller-less cgroup2 mount, pure v1), the mount point of each v1 controller and of the
// cgroup2 hierarchy, our own cgroup in each, and how a runtime-spec cgroupsPath maps onto them.
// Parsing is pure (unit-tested on text); probe_hierarchy() reads /proc/self.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/host/host.h"
#include "lib/util/error.h"

namespace nook::cgroup {

using Layout = host::CgroupLayout;

struct Hierarchy {
  Layout layout = Layout::V1;
  std::map<std::string, std::string> v1_mounts;  // controller ("memory", "name=systemd") -> mount point
  std::string unified_mount;                    // the cgroup2 mount, "" if none
  // Our own cgroup in each hierarchy (/proc/self/cgroup): v1 controller -> path, "" -> the v2 path.
  std::map<std::string, std::string> own;
};

// From /proc/self/mountinfo and /proc/self/cgroup. The layout: a cgroup2 mount at
// /sys/fs/cgroup is V2; else any v1 controller mount makes Hybrid (with a cgroup2 mount) or V1.
Hierarchy parse_hierarchy(std::string_view mountinfo, std::string_view proc_self_cgroup);
[[nodiscard]] Result<Hierarchy> probe_hierarchy();

// The v1 controllers nook places containers in (those mounted are used), in creation order.
const std::vector<std::string>& v1_controllers();

// A runtime-spec cgroupsPath as a path from a hierarchy's root: absolute paths as given,
// systemd's "slice:prefix:name" as "/slice/prefix-name.scope", a relative path under `own`
// (our cgroup in that hierarchy). "" stays "".
std::string resolve_path(std::string_view cgroups_path, std::string_view own);

// The container's directories for `cgroups_path`: one per mounted v1 controller of
// v1_controllers() (hybrid adds the cgroup2 mount as controller "unified"); on V2 one, "unified".
// Several controllers mounted together (cpu,cpuacct) share one directory, listed once. An empty
// path gives none (never a hierarchy's root).
std::vector<std::pair<std::string, std::string>> container_dirs(const Hierarchy& h, std::string_view cgroups_path);

// The engine's choice of linux.cgroupsPath, as podman's getOCICgroupPath (cgroupfs manager):
//   disabled                      -> "" (no cgroup)
//   rootless, not pure v2         -> "" (limits are ignored, with podman's warning)
//   split (v2)                    -> <own cgroup>/nook-payload-<id> (v1: as enabled)
//   systemd                       -> "<parent or machine.slice>:nook:<id>"
//   rootless v2, own cgroup writable -> <own v2 cgroup>/nook-<id>, else ""
//   otherwise                     -> <parent or /nook_parent>/nook-<id>
struct PathInputs {
  std::string mode = "enabled";  // --cgroups
  std::string manager = "cgroupfs";
  std::string parent;  // --cgroup-parent
  std::string id;
  bool rootless = false;
  bool own_writable = false;  // rootless v2: our cgroup can take children
};
std::string choose_cgroups_path(const Hierarchy& h, const PathInputs& in);

inline constexpr std::string_view kDefaultParent = "/nook_parent";

}  // namespace nook::cgroup
