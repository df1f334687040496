#include "lib/sys/mount.h"

#include <fmt/format.h>

#include <cerrno>

namespace nook::sys {

ScopedMount& ScopedMount::operator=(ScopedMount&& other) noexcept {
  if (this != &other) {
    if (!target_.empty()) (void)unmount();
    target_ = std::exchange(other.target_, std::string());
  }
  return *this;
}

ScopedMount::~ScopedMount() {
  if (target_.empty()) return;
  int saved = errno;
  ::umount2(target_.c_str(), MNT_DETACH);
  errno = saved;
}

Result<void> ScopedMount::unmount(int flags) {
  std::string target = std::exchange(target_, std::string());
  if (target.empty()) return {};
  if (::umount2(target.c_str(), flags) < 0) {
    return fail(Error::from_errno("umount2", fmt::format("{:?}", target)));
  }
  return {};
}

Result<ScopedMount> mount_fs(std::string_view source, std::string_view target,
                             std::string_view fstype, unsigned long flags, std::string_view data) {
  std::string c_source(source);
  std::string c_target(target);
  std::string c_fstype(fstype);
  std::string c_data(data);
  if (::mount(source.empty() ? nullptr : c_source.c_str(), c_target.c_str(),
              fstype.empty() ? nullptr : c_fstype.c_str(), flags,
              data.empty() ? nullptr : c_data.c_str()) < 0) {
    std::string what =
        fstype.empty() ? fmt::format("{:?}", target) : fmt::format("{} on {:?}", fstype, target);
    return fail(Error::from_errno("mount", what));
  }
  constexpr unsigned long kNoNewMount =
      MS_REMOUNT | MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE;
  if ((flags & kNoNewMount) != 0) return ScopedMount();
  return ScopedMount(std::move(c_target));
}

}  // namespace nook::sys
