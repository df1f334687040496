#include "lib/runtime/cgroups.h"

#include <fmt/format.h>
#include <unistd.h>

#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::runtime {

namespace {

// Root of the initial user namespace (uid_map "0 0 4294967295"): cgroup files are ours to write.
bool initial_root() {
  if (::geteuid() != 0) return false;
  auto map = sys::read_file("/proc/self/uid_map");
  if (!map) return false;
  std::vector<std::string> fields;
  for (std::string& f : strings::split(strings::trim(*map), ' ')) {
    if (!f.empty()) fields.push_back(std::move(f));
  }
  return fields.size() == 3 && fields[0] == "0" && fields[1] == "0" && fields[2] == "4294967295";
}

}  // namespace

Result<std::optional<ContainerCgroup>> create_container_cgroup(const oci::Spec& spec) {
  // Checked whether or not there is a cgroup to apply them to, as when the spec was read.
  cgroup::Resources resources;
  if (spec.linux_.resources) resources = NOOK_TRY(cgroup::parse_resources(spec.linux_.resources->raw));
  if (spec.linux_.cgroups_path.empty()) return std::nullopt;
  ContainerCgroup out;
  out.hierarchy = NOOK_TRY(cgroup::probe_hierarchy());
  auto made = cgroup::Manager::create(out.hierarchy, spec.linux_.cgroups_path, resources);
  if (!made) {
    int err = made.error().sys_errno();
    bool denied = err == EACCES || err == EPERM || err == EROFS;
    if (denied && resources.empty() && !initial_root()) {
      NOOK_DEBUG(Cgroup, "no cgroup for {:?}: {}", spec.linux_.cgroups_path, made.error().message());
      return std::nullopt;
    }
    return fail(made.error());
  }
  out.manager = std::move(*made);
  return out;
}

Result<std::optional<ContainerCgroup>> existing_container_cgroup(std::string_view cgroups_path) {
  if (cgroups_path.empty()) return std::optional<ContainerCgroup>();
  cgroup::Hierarchy hierarchy = NOOK_TRY(cgroup::probe_hierarchy());
  cgroup::Manager manager = cgroup::Manager::open(hierarchy, cgroups_path);
  if (!manager.valid()) return std::optional<ContainerCgroup>();
  for (const auto& [controller, dir] : manager.dirs()) {
    if (!NOOK_TRY(sys::path_exists(dir))) return std::optional<ContainerCgroup>();
  }
  return std::optional<ContainerCgroup>(ContainerCgroup{std::move(hierarchy), std::move(manager)});
}

Result<void> enter_container_cgroup(const ContainerCgroup& cgroup) {
  auto added = cgroup.manager.add_pid(::getpid());
  if (!added) {
    leave_container_cgroup(cgroup);
    return fail(added.error().context("joining the container's cgroup"));
  }
  return {};
}

void leave_container_cgroup(const ContainerCgroup& cgroup) {
  if (auto moved = cgroup::move_to_own(cgroup.hierarchy, ::getpid(), cgroup.manager); !moved) {
    NOOK_WARN(Cgroup, "leaving the container's cgroup: {}", moved.error().message());
  }
}

Result<void> record_container_cgroup(std::string_view state_dir, std::string_view cgroups_path) {
  return sys::write_file_atomic(fmt::format("{}/cgroup", state_dir), cgroups_path, 0600, sys::Durability::AtomicOnly);
}

std::optional<cgroup::Manager> recorded_cgroup(std::string_view state_root, std::string_view id) {
  auto path = sys::read_file(fmt::format("{}/{}/cgroup", state_root, id));
  if (!path || path->empty()) return std::nullopt;
  auto hierarchy = cgroup::probe_hierarchy();
  if (!hierarchy) return std::nullopt;
  return cgroup::Manager::open(*hierarchy, *path);
}

bool oom_killed(std::string_view state_root, std::string_view id) {
  std::optional<cgroup::Manager> manager = recorded_cgroup(state_root, id);
  return manager && manager->oom_kills() > 0;
}

Result<void> remove_recorded_cgroup(std::string_view state_root, std::string_view id) {
  std::optional<cgroup::Manager> manager = recorded_cgroup(state_root, id);
  if (!manager) return {};
  NOOK_TRY_VOID(manager->destroy());
  std::string note = fmt::format("{}/{}/cgroup", state_root, id);
  ::unlink(note.c_str());
  return {};
}

std::optional<cgroup::Manager> bundle_cgroup(std::string_view bundle) {
  auto spec = oci::load_spec(bundle);
  if (!spec || spec->linux_.cgroups_path.empty()) return std::nullopt;
  auto hierarchy = cgroup::probe_hierarchy();
  if (!hierarchy) return std::nullopt;
  return cgroup::Manager::open(*hierarchy, spec->linux_.cgroups_path);
}

}  // namespace nook::runtime
