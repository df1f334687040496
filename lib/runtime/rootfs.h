// The root file system: private propagation, the rootfs made a mount of its own (bound onto
// itself), pivot_root with the old root detached, root.readonly and rootfsPropagation.
#pragma once

#include "lib/runtime/plan.h"
#include "lib/runtime/sync.h"

namespace nook::runtime {

// Child, first in the new mount namespace: "/" private (recursively), the rootfs bound onto
// itself. Returns an O_PATH fd of the rootfs mount, or -1 with `error` set.
int prepare_rootfs(const Plan& plan, SyncRecord& error) noexcept;

// Child, after every mount: pivot_root(".", ".") in the rootfs, detach the old root, chdir("/"),
// then root.readonly and the requested propagation.
bool pivot_to_rootfs(const Plan& plan, SyncRecord& error) noexcept;

}  // namespace nook::runtime
