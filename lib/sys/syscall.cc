#include "lib/sys/syscall.h"

#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

// Syscall numbers are shared by all architectures for calls added since 5.1 (except alpha,
// which nook does not support); define the ones old headers lack.
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_close_range
#define __NR_close_range 436
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif

namespace nook::sys {

Result<UniqueFd> pidfd_open(pid_t pid, unsigned int flags) {
  long fd = ::syscall(__NR_pidfd_open, pid, flags);
  if (fd < 0) return fail(Error::from_errno("pidfd_open", std::to_string(pid)));
  return UniqueFd(static_cast<int>(fd));
}

Result<void> pidfd_send_signal(int pidfd, int sig) {
  // Not restartable in a useful sense: the signal is either queued or the call failed before.
  if (::syscall(__NR_pidfd_send_signal, pidfd, sig, nullptr, 0U) < 0) {
    const char* name = sigabbrev_np(sig);
    return fail(Error::from_errno(
        "pidfd_send_signal", name != nullptr ? fmt::format("SIG{}", name) : std::to_string(sig)));
  }
  return {};
}

Result<UniqueFd> openat2(int dirfd, std::string_view path, uint64_t flags, uint64_t mode,
                         uint64_t resolve) {
  std::string c_path(path);
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
  how.resolve = resolve;
  // A confined lookup (RESOLVE_IN_ROOT/BENEATH) fails with EAGAIN when a rename or mount raced it;
  // retrying is what the kernel documentation suggests. Bounded so a busy tree cannot spin us.
  constexpr int kMaxAttempts = 128;
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(__NR_openat2, dirfd, c_path.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    if (errno == EINTR) continue;
    if (errno == EAGAIN && (resolve & RESOLVE_CACHED) == 0 && attempt < kMaxAttempts) continue;
    if (errno == E2BIG) errno = ENOSYS;  // kernel predates our struct open_how
    return fail(Error::from_errno("openat2", fmt::format("{:?}", path)));
  }
}

Result<void> close_range(unsigned int first, unsigned int last, unsigned int flags) {
  if (first > last) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("close_range: first fd {} is above last fd {}", first, last));
  }
  int rc = raw::close_range(first, last, flags);
  if (rc < 0) {
    // EINVAL for a flag this kernel does not know (CLOSE_RANGE_CLOEXEC before 5.11).
    int err = (rc == -EINVAL && flags != 0) ? ENOSYS : -rc;
    return fail(Error::from_errno_value(err, "close_range"));
  }
  return {};
}

namespace raw {

int close_range(unsigned int first, unsigned int last, unsigned int flags) noexcept {
  int saved = errno;
  long rc = ::syscall(__NR_close_range, first, last, flags);
  int result = rc < 0 ? -errno : 0;
  errno = saved;
  return result;
}

}  // namespace raw

}  // namespace nook::sys
