// Which storage driver nook uses, and why: kernel overlayfs, fuse-overlayfs, or plain copies (vfs).
//
// The decision is pure (choose_driver, unit-tested); the facts come from probe_kernel_overlay(),
// which really mounts an overlay in a scratch directory inside a throwaway child (in a new user
// namespace when rootless), so the answer is what this kernel does, not what its version suggests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook::storage {

struct DriverFacts {
  std::optional<std::string> configured;  // --storage-driver, NOOK_STORAGE_DRIVER, nook.conf or storage.conf
  std::string configured_by;              // where `configured` came from, for the reason
  bool kernel_overlay_works = false;      // probe_kernel_overlay() succeeded
  std::string kernel_overlay_error;       // why it did not
  std::string fuse_overlayfs;             // path of fuse-overlayfs, empty if not found
  bool dev_fuse_usable = false;           // /dev/fuse opens read-write
  bool rootless = false;
};

struct DriverChoice {
  std::string driver;  // "overlay", "fuse-overlayfs" or "vfs"
  std::string reason;
};

// Known driver names; podman's "overlay2" is accepted as "overlay".
[[nodiscard]] Result<std::string> canonical_driver(std::string_view name);

[[nodiscard]] Result<DriverChoice> choose_driver(const DriverFacts& facts);

// Mounts an overlay (lower, upper, work, merged under scratch_dir, which must exist and be empty)
// in a forked child that first unshares a mount namespace, and when `rootless` also a user
// namespace mapping only the caller (so no newuidmap is needed); rootless mounts use `userxattr`,
// as the kernel requires there. Returns an error describing the failure (kind Unsupported).
// Must be called while the process has a single thread (it forks without exec).
[[nodiscard]] Result<void> probe_kernel_overlay(std::string_view scratch_dir, bool rootless);

}  // namespace nook::storage
