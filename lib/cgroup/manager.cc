#include "lib/cgroup/manager.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <thread>

#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::cgroup {

namespace {

Result<void> write_value(const std::string& dir, std::string_view file, std::string_view value) {
  std::string path = fmt::format("{}/{}", dir, file);
  auto fd = sys::open_file(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (!fd) return fail(fd.error().context(fmt::format("setting {} of {:?}", file, dir)));
  // One write(2): a cgroup file takes its whole value in one call.
  ssize_t n = ::write(fd->get(), value.data(), value.size());
  if (n < 0) return fail(Error::from_errno("write", fmt::format("{:?} to {}", std::string(value), path)));
  return {};
}

std::string read_value(const std::string& dir, std::string_view file) {
  auto text = sys::read_file(fmt::format("{}/{}", dir, file));
  return text ? std::string(strings::trim(*text)) : std::string();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string parent_of(const std::string& dir) {
  size_t slash = dir.rfind('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : dir.substr(0, slash);
}

// mkdir -p below the hierarchy's mount; v1 cpuset directories get their parent's cpus/mems
// (a new cpuset cgroup starts empty and refuses tasks). Returns whether the leaf was created.
Result<bool> make_cgroup_dir(const std::string& mount, const std::string& dir, bool cpuset) {
  std::vector<std::string> missing;
  for (std::string d = dir; d.size() > mount.size() && !exists(d); d = parent_of(d)) missing.push_back(d);
  std::reverse(missing.begin(), missing.end());
  bool created_leaf = false;
  for (const std::string& d : missing) {
    if (::mkdir(d.c_str(), 0755) < 0 && errno != EEXIST) return fail(Error::from_errno("mkdir", fmt::format("{:?}", d)));
    created_leaf = d == dir;
    if (cpuset) {
      for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
        if (read_value(d, file).empty()) NOOK_TRY_VOID(write_value(d, file, read_value(parent_of(d), file)));
      }
    }
  }
  return created_leaf;
}

// The mount point a v1 controller directory lives under (for make_cgroup_dir's stop).
std::string mount_for(const Hierarchy& h, const std::string& controller) {
  if (controller == "unified") return h.unified_mount;
  auto it = h.v1_mounts.find(controller);
  return it == h.v1_mounts.end() ? std::string() : it->second;
}

// v2: enables `controllers` in cgroup.subtree_control of every ancestor of `dir` below the
// mount, top down. A controller the parent does not offer is skipped (its limit write fails
// later with a clear message).
Result<void> enable_controllers(const std::string& mount, const std::string& dir, const std::vector<std::string>& wanted) {
  std::vector<std::string> ancestors;
  for (std::string d = parent_of(dir); d.size() >= mount.size(); d = parent_of(d)) {
    ancestors.push_back(d);
    if (d == mount) break;
  }
  std::reverse(ancestors.begin(), ancestors.end());
  for (const std::string& d : ancestors) {
    std::vector<std::string> available = strings::split(read_value(d, "cgroup.controllers"), ' ');
    std::string enabled = read_value(d, "cgroup.subtree_control");
    for (const std::string& c : wanted) {
      if (std::find(available.begin(), available.end(), c) == available.end()) continue;
      std::vector<std::string> on = strings::split(enabled, ' ');
      if (std::find(on.begin(), on.end(), c) != on.end()) continue;
      auto written = write_value(d, "cgroup.subtree_control", "+" + c);
      if (!written) NOOK_DEBUG(Cgroup, "enabling {} in {}: {}", c, d, written.error().message());
    }
  }
  return {};
}

std::string v2_controller_missing(const std::string& dir, const FileWrite& w) {
  return fmt::format("the {} controller is not available in {:?} (cannot set {})", w.controller, dir, w.file);
}

}  // namespace

Manager Manager::open(const Hierarchy& h, std::string_view cgroups_path) {
  Manager m;
  m.layout_ = h.layout;
  if (!cgroups_path.empty()) m.dirs_ = container_dirs(h, cgroups_path);
  return m;
}

std::string Manager::dir_of(std::string_view controller) const {
  for (const auto& [c, d] : dirs_) {
    if (c == controller) return d;
  }
  return "";
}

Result<Manager> Manager::create(const Hierarchy& h, std::string_view cgroups_path, const Resources& resources) {
  Manager m = open(h, cgroups_path);
  if (!m.valid()) return fail(ErrorKind::InvalidArgument, "no cgroup path given");
  Manager created;
  created.layout_ = m.layout_;
  auto undo = [&created](Error e) -> std::unexpected<Error> {
    (void)created.destroy();
    return std::unexpected(std::move(e));
  };
  for (const auto& [controller, dir] : m.dirs_) {
    std::string mount = mount_for(h, controller);
    if (h.layout == Layout::V2) {
      if (auto enabled = enable_controllers(mount, dir, v2_controllers_needed(resources)); !enabled) return undo(enabled.error());
    }
    // A directory left over (same id after a crash) is reused.
    auto made = make_cgroup_dir(mount, dir, controller == "cpuset");
    if (!made) {
      // A parent removed by a concurrent destroy() of another container: once more.
      if (made.error().sys_errno() == ENOENT) made = make_cgroup_dir(mount, dir, controller == "cpuset");
      if (!made) return undo(made.error().context("creating the container's cgroup"));
    }
    created.dirs_.emplace_back(controller, dir);
  }
  if (h.layout == Layout::V2) {
    const std::string& dir = m.dirs_.front().second;
    for (const FileWrite& w : v2_writes(resources)) {
      if (!exists(fmt::format("{}/{}", dir, w.file))) return undo(Error(ErrorKind::Unsupported, v2_controller_missing(dir, w)));
      if (auto written = write_value(dir, w.file, w.value); !written) return undo(written.error());
    }
  } else {
    bool swap = !m.dir_of("memory").empty() && exists(m.dir_of("memory") + "/memory.memsw.limit_in_bytes");
    for (const FileWrite& w : v1_writes(resources, swap)) {
      std::string dir = m.dir_of(w.controller);
      if (dir.empty()) {
        return undo(Error(ErrorKind::Unsupported, fmt::format("the {} cgroup controller is not mounted (cannot set {})",
                                                              w.controller, w.file)));
      }
      if (auto written = write_value(dir, w.file, w.value); !written) return undo(written.error());
    }
  }
  NOOK_DEBUG(Cgroup, "created cgroup {:?} ({} directories)", std::string(cgroups_path), m.dirs_.size());
  return m;
}

Result<void> Manager::add_pid(pid_t pid) const {
  for (const auto& [controller, dir] : dirs_) {
    NOOK_TRY_VOID(write_value(dir, "cgroup.procs", std::to_string(pid)));
  }
  return {};
}

Result<std::vector<pid_t>> Manager::pids() const {
  std::vector<pid_t> out;
  if (dirs_.empty()) return out;
  std::string text = NOOK_TRY(sys::read_file(dirs_.front().second + "/cgroup.procs"));
  for (const std::string& line : strings::split(text, '\n')) {
    if (!line.empty()) out.push_back(static_cast<pid_t>(std::atoi(line.c_str())));
  }
  return out;
}

bool Manager::can_freeze() const {
  if (!dir_of("freezer").empty()) return true;
  std::string unified = dir_of("unified");
  return !unified.empty() && exists(unified + "/cgroup.freeze");
}

bool Manager::frozen() const {
  if (std::string freezer = dir_of("freezer"); !freezer.empty()) return read_value(freezer, "freezer.state") == "FROZEN";
  if (std::string unified = dir_of("unified"); !unified.empty()) {
    auto events = sys::read_file(unified + "/cgroup.events");
    return events && flat_key_value(*events, "frozen").value_or(0) == 1;
  }
  return false;
}

Result<void> Manager::freeze(bool frozen_wanted, std::chrono::milliseconds timeout) const {
  std::string freezer = dir_of("freezer");
  std::string unified = dir_of("unified");
  if (freezer.empty() && (unified.empty() || !exists(unified + "/cgroup.freeze"))) {
    return fail(ErrorKind::Unsupported, "no freezer is available for the container's cgroup");
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (!freezer.empty()) {
      NOOK_TRY_VOID(write_value(freezer, "freezer.state", frozen_wanted ? "FROZEN" : "THAWED"));
    } else {
      NOOK_TRY_VOID(write_value(unified, "cgroup.freeze", frozen_wanted ? "1" : "0"));
    }
    if (frozen() == frozen_wanted) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      return fail(ErrorKind::System, fmt::format("the cgroup did not become {} in time", frozen_wanted ? "frozen" : "thawed"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int64_t Manager::oom_kills() const {
  if (layout_ == Layout::V2) {
    std::string dir = dir_of("unified");
    auto events = dir.empty() ? Result<std::string>(fail(ErrorKind::NotFound, "")) : sys::read_file(dir + "/memory.events");
    return events ? flat_key_value(*events, "oom_kill").value_or(0) : 0;
  }
  std::string memory = dir_of("memory");
  if (memory.empty()) return 0;
  auto control = sys::read_file(memory + "/memory.oom_control");
  return control ? flat_key_value(*control, "oom_kill").value_or(0) : 0;
}

Result<void> Manager::destroy() const {
  if (dirs_.empty()) return {};
  // Whatever is left: thawed (a frozen task cannot die) and killed.
  bool any = std::any_of(dirs_.begin(), dirs_.end(), [](const auto& p) { return exists(p.second); });
  if (!any) return {};
  if (can_freeze() && frozen()) (void)freeze(false, std::chrono::milliseconds(500));
  std::string unified = dir_of("unified");
  if (layout_ == Layout::V2 && !unified.empty() && exists(unified + "/cgroup.kill")) {
    (void)write_value(unified, "cgroup.kill", "1");
  }
  std::optional<Error> last;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (const auto& [controller, dir] : dirs_) {
    for (;;) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) break;
      int err = errno;
      if (err != EBUSY || std::chrono::steady_clock::now() > deadline) {
        last = Error::from_errno_value(err, "rmdir", fmt::format("{:?}", dir));
        break;
      }
      // Tasks still there (or still being freed by the kernel): kill them and try again.
      std::string procs = read_value(dir, "cgroup.procs");
      for (const std::string& line : strings::split(procs, '\n')) {
        pid_t victim = line.empty() ? 0 : static_cast<pid_t>(std::atoi(line.c_str()));
        if (victim > 0 && victim != ::getpid()) ::kill(victim, SIGKILL);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // nook's own default parent goes when it is empty (it is recreated by the next create).
    std::string parent = parent_of(dir);
    if (parent.ends_with(kDefaultParent)) (void)::rmdir(parent.c_str());
  }
  if (last) return fail(std::move(*last).context("removing the container's cgroup"));
  return {};
}

Result<void> move_to_own(const Hierarchy& h, pid_t pid, const Manager& from) {
  for (const auto& [controller, dir] : from.dirs()) {
    std::string mount = mount_for(h, controller);
    auto own = h.own.find(controller == "unified" ? std::string() : controller);
    std::string path = own == h.own.end() ? std::string("/") : own->second;
    std::string target = path == "/" ? mount : mount + path;
    NOOK_TRY_VOID(write_value(target, "cgroup.procs", std::to_string(pid)));
  }
  return {};
}

}  // namespace nook::cgroup
