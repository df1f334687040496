// Capabilities of the container process: the five sets as bit masks (names from
// lib/oci/capabilities.h), and applying them in the child together with the user switch they are
// entangled with (bounding set first, PR_SET_KEEPCAPS across setresuid, capset, ambient).
#pragma once

#include <optional>

#include "lib/oci/spec.h"
#include "lib/runtime/plan.h"
#include "lib/runtime/sync.h"
#include "lib/util/error.h"

namespace nook::runtime {

// process.capabilities -> masks; absent means no capabilities at all. InvalidArgument naming
// an unknown capability.
[[nodiscard]] Result<CapSets> capability_sets(const std::optional<oci::Capabilities>& caps);

// The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap).
int kernel_last_capability();

// Child: drops from the bounding set every capability not in plan.caps.bounding, switches to
// plan.uid/gid/additional_gids keeping the permitted set, then sets effective, permitted,
// inheritable and ambient. Capabilities above `last_cap` are ignored.
bool apply_user_and_capabilities(const Plan& plan, int last_cap, SyncRecord& error) noexcept;

}  // namespace nook::runtime
