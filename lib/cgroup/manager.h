// A container's cgroup: created with its limits, joined by a pid, frozen and thawed, asked for
// OOM kills, removed. Two back ends chosen by the host's layout (hierarchy.h): v1 (one directory
// per controller; on a hybrid host also a directory in the cgroup2 mount, which has no
// controllers but places the process there too) and v2 (one directory; the controllers the
// limits need are enabled in every ancestor's cgroup.subtree_control). Cgroup files report size
// 0: they are read to EOF, never by size.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "lib/cgroup/hierarchy.h"
#include "lib/cgroup/resources.h"
#include "lib/util/error.h"

namespace nook::cgroup {

class Manager {
 public:
  Manager() = default;
  // The directories of `cgroups_path` on this host; nothing is created.
  static Manager open(const Hierarchy& h, std::string_view cgroups_path);
  // Creates the directories (and missing parents; v1 cpuset parents get their parent's cpus and
  // mems) and writes the limits. On failure what was created is removed again. Errors name the
  // file: `setting memory.max of "/sys/fs/cgroup/x": ...`.
  [[nodiscard]] static Result<Manager> create(const Hierarchy& h, std::string_view cgroups_path, const Resources& resources);

  bool valid() const { return !dirs_.empty(); }
  Layout layout() const { return layout_; }
  const std::vector<std::pair<std::string, std::string>>& dirs() const { return dirs_; }
  // The directory of one controller ("memory", "freezer", "unified"), "" if not there.
  std::string dir_of(std::string_view controller) const;

  // Writes `pid` into cgroup.procs of every directory.
  [[nodiscard]] Result<void> add_pid(pid_t pid) const;
  // The pids in the cgroup (cgroup.procs of the first directory).
  [[nodiscard]] Result<std::vector<pid_t>> pids() const;
  // Whether a freezer exists: v1 freezer controller, or cgroup.freeze in a v2 directory.
  bool can_freeze() const;
  // Freezes (true) or thaws, and waits until the kernel reports the new state (up to `timeout`).
  [[nodiscard]] Result<void> freeze(bool frozen, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // Whether the cgroup is frozen now.
  bool frozen() const;
  // The number of OOM kills in the cgroup: memory.events oom_kill (v2), memory.oom_control
  // oom_kill (v1); 0 when unknown.
  int64_t oom_kills() const;
  // Kills what is left (thawing first), removes the directories (children first, retrying while
  // the kernel still frees the tasks) and, for nook's default parent, the parent when empty.
  // Missing directories are fine.
  [[nodiscard]] Result<void> destroy() const;

 private:
  Layout layout_ = Layout::V1;
  std::vector<std::pair<std::string, std::string>> dirs_;  // (controller, absolute dir)
};

// Moves `pid` into the cgroups `h.own` names (where it was before add_pid).
[[nodiscard]] Result<void> move_to_own(const Hierarchy& h, pid_t pid, const Manager& from);

}  // namespace nook::cgroup
