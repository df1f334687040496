// ScopedMount: a mount that is detached again when the owner goes out of scope.
//
// This is the generic RAII piece (temporary mounts of the engine and tests: a tmpfs scratch
// area, a bind mount for a copy). The container's own mount table (propagation, the new mount
// API, masked paths, verification) belongs to lib/runtime/mounts.cc (STYLE 3.2).
#pragma once

#include <sys/mount.h>

#include <string>
#include <string_view>
#include <utility>

#include "lib/util/error.h"

namespace nook::sys {

class ScopedMount {
 public:
  ScopedMount() = default;
  // Takes responsibility for unmounting the mount at `target`.
  explicit ScopedMount(std::string target) : target_(std::move(target)) {}

  ScopedMount(ScopedMount&& other) noexcept
      : target_(std::exchange(other.target_, std::string())) {}
  ScopedMount& operator=(ScopedMount&& other) noexcept;
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;

  // umount2(target, MNT_DETACH) unless released; errors are ignored (errno is preserved).
  ~ScopedMount();

  // The mount point; empty after release() or unmount().
  const std::string& target() const { return target_; }
  explicit operator bool() const { return !target_.empty(); }

  // Keep the mount; returns the mount point.
  [[nodiscard]] std::string release() { return std::exchange(target_, std::string()); }

  // Unmount now, reporting errors (EBUSY without MNT_DETACH, EINVAL if no longer mounted). The
  // object is empty afterwards even on failure.
  [[nodiscard]] Result<void> unmount(int flags = MNT_DETACH);

 private:
  std::string target_;
};

// mount(2). Empty `source`, `fstype` or `data` are passed as NULL (e.g. for MS_BIND, MS_REMOUNT).
// Calls that create no new mount (MS_REMOUNT, or a propagation change: MS_PRIVATE, MS_SLAVE,
// MS_SHARED, MS_UNBINDABLE) return an empty ScopedMount: there is nothing to undo by unmounting.
// Errors name the target: EPERM -> Permission (no CAP_SYS_ADMIN in the owning user namespace),
// ENODEV -> System (unknown file system type), ENOENT -> NotFound.
[[nodiscard]] Result<ScopedMount> mount_fs(std::string_view source, std::string_view target,
                                           std::string_view fstype, unsigned long flags,
                                           std::string_view data);

}  // namespace nook::sys
