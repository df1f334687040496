// Device nodes in the container's /dev: the default set (null, zero, full, tty, random, urandom: crun's order)
// and linux.devices, made with mknod or, where that is refused (always rootless), bind-mounted
// from the host; and the standard /dev symlinks (fd, stdin, stdout, stderr, core, ptmx).
#pragma once

#include <vector>

#include "lib/runtime/plan.h"
#include "lib/runtime/sync.h"

namespace nook::runtime {

std::vector<DeviceStep> default_devices();

// Child: plan.devices then plan.symlinks, below the rootfs opened as `rootfd`.
bool create_devices(const Plan& plan, int rootfd, SyncRecord& error) noexcept;

}  // namespace nook::runtime
