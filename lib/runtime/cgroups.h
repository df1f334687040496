// The runtime's part of cgroups (lib/cgroup does the files): the container's cgroup made from
// linux.cgroupsPath and linux.resources before its init is cloned, the init born inside it, the
// cgroup removed with the container; OOM kills and the freezer for the engine and the monitor.
// An empty cgroupsPath means no cgroup (nook's engine leaves it empty rootless on cgroup v1, and
// for --cgroups=disabled).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "lib/cgroup/manager.h"
#include "lib/oci/spec.h"
#include "lib/util/error.h"

namespace nook::runtime {

struct ContainerCgroup {
  cgroup::Hierarchy hierarchy;
  cgroup::Manager manager;
};

// Creates the cgroup of `spec` with its limits; nullopt when cgroupsPath is empty, or when we
// are not root of the initial user namespace and cannot create it while no limit was asked for
// (crun does the same). Errors name the file that failed.
[[nodiscard]] Result<std::optional<ContainerCgroup>> create_container_cgroup(const oci::Spec& spec);

// The cgroup at `cgroups_path` when it exists (for exec into a running container); nullopt for an
// empty path or a cgroup that is not there.
[[nodiscard]] Result<std::optional<ContainerCgroup>> existing_container_cgroup(std::string_view cgroups_path);

// Puts the calling process into the cgroup so a child cloned next is born there (the v1 way of
// CLONE_INTO_CGROUP: no window in which the child runs outside its limits); leave() moves the
// caller back where it was.
[[nodiscard]] Result<void> enter_container_cgroup(const ContainerCgroup& cgroup);
void leave_container_cgroup(const ContainerCgroup& cgroup);

// The runtime's note of a container's cgroup: <state_root>/<id>/cgroup holds the cgroupsPath
// when create() made one (its absence is cheaper to check than parsing the bundle).
[[nodiscard]] Result<void> record_container_cgroup(std::string_view state_dir, std::string_view cgroups_path);
std::optional<cgroup::Manager> recorded_cgroup(std::string_view state_root, std::string_view id);
// Whether the kernel OOM-killed a process in the recorded cgroup of container `id`.
bool oom_killed(std::string_view state_root, std::string_view id);
// Removes the recorded cgroup of container `id` (killing what is left in it) and the note; the
// monitor calls it as soon as the container has exited, before it reports the exit.
[[nodiscard]] Result<void> remove_recorded_cgroup(std::string_view state_root, std::string_view id);

// The cgroup of the bundle's config.json (nothing is created); nullopt without a cgroupsPath or
// a readable bundle.
std::optional<cgroup::Manager> bundle_cgroup(std::string_view bundle);

}  // namespace nook::runtime
