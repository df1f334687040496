// Containers and cgroups (engine side): the limit flags of run/create parsed and checked as
// podman 4.3 does, the cgroupsPath chosen, linux.resources written into the bundle, inspect's
// HostConfig keys, pause/unpause through the freezer, and the cgroup of a container whose
// monitor died removed on reconciliation. lib/runtime/cgroups.h creates and removes the cgroups.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "lib/cgroup/hierarchy.h"
#include "lib/cgroup/resources.h"
#include "lib/container/container.h"
#include "lib/engine/containers.h"
#include "lib/oci/spec.h"
#include "lib/oci/spec_builder.h"

namespace nook::engine {

struct Settings;

struct CgroupPlan {
  std::string mode = "enabled";  // --cgroups
  std::string manager = "cgroupfs";
  std::string parent;            // --cgroup-parent as given
  bool active = false;           // the container gets a cgroup (and its limits)
  cgroup::Resources resources;
  bool cgroupns_private = false;
  std::optional<int> oom_score_adj;
  cgroup::Hierarchy hierarchy;
  bool rootless = false;
  bool own_writable = false;
};

// Parses and checks the flags before anything is created; the warnings podman prints go to
// options.on_warning (once each). Errors are InvalidArgument with podman's wording.
[[nodiscard]] Result<CgroupPlan> plan_container_cgroup(const Settings& settings, const ContainerCreateOptions& options);
// Once the id is known: cgroupsPath, cgroup namespace and oom_score_adj into the spec options.
void apply_cgroup_plan(const CgroupPlan& plan, const std::string& id, oci::SpecOptions& spec_options);
// After build_spec: linux.resources; and userdata/cgroup.json for inspect (mode, parent, manager).
[[nodiscard]] Result<void> finish_cgroup_spec(const CgroupPlan& plan, oci::Spec& spec, const std::string& userdata);

// inspect: HostConfig's cgroup and limit keys from the bundle's linux.resources and cgroup.json.
void add_cgroup_inspect(const std::string& userdata, const oci::Spec* spec, nlohmann::ordered_json& host);

// pause (true) / unpause: freezes the container's cgroup and records "paused" / "running".
// Unsupported "cannot pause without using CGroups: ..." when it has none.
[[nodiscard]] Result<void> freeze_container(const Settings& settings, container::ContainerStore& store,
                                            container::Container& record, bool pause);
// stop, kill and rm -f of a paused container thaw it first (a frozen task cannot act on a signal).
void thaw_if_paused(container::ContainerStore& store, container::Container& record);
// Reconciliation of a container whose monitor is gone: kills what is left of it and removes its
// cgroup (the monitor's exit handler would have).
void remove_orphaned_cgroup(const container::ContainerStore& store, const container::Container& record);

// podman's units.RAMInBytes: "32m", "1.5g", "1024", "64 MiB" (binary multiples).
[[nodiscard]] Result<int64_t> ram_in_bytes(std::string_view text);
// Checks a cpuset list ("0-2,4"): InvalidArgument `invalid value X for cpuset WHAT`.
[[nodiscard]] Result<void> check_cpuset(std::string_view list, std::string_view what);

}  // namespace nook::engine
