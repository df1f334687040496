#include "lib/cgroup/hierarchy.h"

#include <fmt/format.h>

#include <algorithm>

#include "lib/sys/file.h"
#include "lib/util/strings.h"

namespace nook::cgroup {

namespace {

std::vector<std::string> fields(std::string_view line) {
  std::vector<std::string> out;
  for (std::string& f : strings::split(line, ' ')) {
    if (!f.empty()) out.push_back(std::move(f));
  }
  return out;
}

std::string join_path(std::string_view a, std::string_view b) {
  std::string out(a);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (b.empty() || b == "/") return out;
  if (!b.starts_with('/') && !out.ends_with('/')) out += '/';
  out += b;
  return out;
}

}  // namespace

Hierarchy parse_hierarchy(std::string_view mountinfo, std::string_view proc_self_cgroup) {
  Hierarchy h;
  bool v1 = false;
  for (const std::string& line : strings::split(mountinfo, '\n')) {
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::vector<std::string> before = fields(std::string_view(line).substr(0, dash));
    std::vector<std::string> after = fields(std::string_view(line).substr(dash + 3));
    if (before.size() < 5 || after.size() < 3) continue;
    const std::string& mount_point = before[4];
    if (after[0] == "cgroup2") {
      if (h.unified_mount.empty() || mount_point == "/sys/fs/cgroup") h.unified_mount = mount_point;
    } else if (after[0] == "cgroup") {
      v1 = true;
      for (const std::string& opt : strings::split(after[2], ',')) {
        if (opt == "rw" || opt == "ro" || opt == "relatime" || opt.starts_with("release_agent") || opt == "clone_children" ||
            opt == "noprefix" || opt == "xattr" || opt == "cpuset_v2_mode" || opt == "favordynmods") {
          continue;
        }
        if (!h.v1_mounts.contains(opt)) h.v1_mounts[opt] = mount_point;
      }
    }
  }
  if (h.unified_mount == "/sys/fs/cgroup" || (!v1 && !h.unified_mount.empty())) {
    h.layout = Layout::V2;
  } else {
    h.layout = h.unified_mount.empty() ? Layout::V1 : Layout::Hybrid;
  }
  for (const host::CgroupEntry& entry : host::parse_proc_cgroup(proc_self_cgroup)) {
    if (entry.hierarchy == 0 && entry.controllers.empty()) {
      h.own[""] = entry.path;
    } else {
      for (const std::string& c : entry.controllers) h.own[c] = entry.path;
    }
  }
  return h;
}

Result<Hierarchy> probe_hierarchy() {
  std::string mountinfo = NOOK_TRY(sys::read_file("/proc/self/mountinfo"));
  std::string cgroups = NOOK_TRY(sys::read_file("/proc/self/cgroup"));
  return parse_hierarchy(mountinfo, cgroups);
}

const std::vector<std::string>& v1_controllers() {
  static const std::vector<std::string> kControllers = {"cpuset", "memory", "pids", "cpu", "cpuacct", "blkio", "freezer"};
  return kControllers;
}

std::string resolve_path(std::string_view cgroups_path, std::string_view own) {
  if (cgroups_path.empty()) return "";
  if (cgroups_path.starts_with('/')) return std::string(cgroups_path);
  std::vector<std::string> parts = strings::split(cgroups_path, ':');
  if (parts.size() == 3) {
    std::string slice = parts[0].empty() ? "system.slice" : parts[0];
    std::string name = parts[1].empty() ? parts[2] : fmt::format("{}-{}", parts[1], parts[2]);
    if (!name.ends_with(".scope") && !name.ends_with(".slice")) name += ".scope";
    return fmt::format("/{}/{}", slice, name);
  }
  return join_path(own.empty() ? "/" : own, cgroups_path);
}

std::vector<std::pair<std::string, std::string>> container_dirs(const Hierarchy& h, std::string_view cgroups_path) {
  std::vector<std::pair<std::string, std::string>> out;
  if (cgroups_path.empty()) return out;  // never the hierarchy's root itself
  auto own = [&h](const std::string& key) {
    auto it = h.own.find(key);
    return it == h.own.end() ? std::string("/") : it->second;
  };
  if (h.layout != Layout::V2) {
    for (const std::string& c : v1_controllers()) {
      auto mount = h.v1_mounts.find(c);
      if (mount == h.v1_mounts.end()) continue;
      std::string dir = join_path(mount->second, resolve_path(cgroups_path, own(c)));
      bool seen = std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.second == dir; });
      if (!seen) out.emplace_back(c, dir);
    }
  }
  if (!h.unified_mount.empty()) out.emplace_back("unified", join_path(h.unified_mount, resolve_path(cgroups_path, own(""))));
  return out;
}

std::string choose_cgroups_path(const Hierarchy& h, const PathInputs& in) {
  if (in.mode == "disabled") return "";
  if (in.rootless && h.layout != Layout::V2) return "";
  auto own = [&h](const std::string& key) {
    auto it = h.own.find(key);
    return it == h.own.end() ? std::string("/") : it->second;
  };
  std::string own_path = h.layout == Layout::V2 ? own("") : own("memory");
  // split: below our own cgroup. On v1 each hierarchy has a cgroup of its own and one path cannot
  // name them all: the default parent is used there, as for "enabled".
  if (in.mode == "split" && h.layout == Layout::V2) return join_path(own_path, fmt::format("nook-payload-{}", in.id));
  if (in.manager == "systemd") {
    std::string slice = in.parent.empty() ? (in.rootless ? "user.slice" : "machine.slice") : in.parent;
    size_t slash = slice.rfind('/');
    if (slash != std::string::npos) slice = slice.substr(slash + 1);
    return fmt::format("{}:nook:{}", slice, in.id);
  }
  if (in.rootless) {
    if (!in.parent.empty()) return join_path(in.parent.starts_with('/') ? in.parent : "/" + in.parent, fmt::format("nook-{}", in.id));
    return in.own_writable ? join_path(own_path, fmt::format("nook-{}", in.id)) : "";
  }
  std::string parent = in.parent.empty() ? std::string(kDefaultParent) : in.parent;
  if (!parent.starts_with('/')) parent = "/" + parent;
  return join_path(parent, fmt::format("nook-{}", in.id));
}

}  // namespace nook::cgroup
