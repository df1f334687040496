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

int openat2(int dirfd, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve) noexcept {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
  how.resolve = resolve;
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(__NR_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno == EINTR || (errno == EAGAIN && attempt < 128)) continue;
    return errno == E2BIG ? -ENOSYS : -errno;
  }
}

pid_t clone_fork(unsigned long flags) noexcept {
  // x86-64 and most others: clone(flags, newsp, parent_tid, child_tid, tls).
  long rc = ::syscall(__NR_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  return rc < 0 ? -errno : static_cast<pid_t>(rc);
}

int pivot_root(const char* new_root, const char* put_old) noexcept {
  return ::syscall(__NR_pivot_root, new_root, put_old) < 0 ? -errno : 0;
}

namespace {
struct CapHeader {
  uint32_t version;
  int pid;
};
struct CapData {
  uint32_t effective;
  uint32_t permitted;
  uint32_t inheritable;
};
constexpr uint32_t kCapabilityVersion3 = 0x20080522;
}  // namespace

int capget(uint64_t* effective, uint64_t* permitted, uint64_t* inheritable) noexcept {
  CapHeader header{kCapabilityVersion3, 0};
  CapData data[2]{};
  if (::syscall(__NR_capget, &header, data) < 0) return -errno;
  *effective = data[0].effective | (uint64_t{data[1].effective} << 32);
  *permitted = data[0].permitted | (uint64_t{data[1].permitted} << 32);
  *inheritable = data[0].inheritable | (uint64_t{data[1].inheritable} << 32);
  return 0;
}

int capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) noexcept {
  CapHeader header{kCapabilityVersion3, 0};
  CapData data[2] = {
      {static_cast<uint32_t>(effective), static_cast<uint32_t>(permitted), static_cast<uint32_t>(inheritable)},
      {static_cast<uint32_t>(effective >> 32), static_cast<uint32_t>(permitted >> 32),
       static_cast<uint32_t>(inheritable >> 32)}};
  return ::syscall(__NR_capset, &header, data) < 0 ? -errno : 0;
}

int seccomp_set_mode_filter(unsigned int flags, const void* prog) noexcept {
  constexpr unsigned int kSetModeFilter = 1;  // SECCOMP_SET_MODE_FILTER
  return ::syscall(__NR_seccomp, kSetModeFilter, flags, prog) < 0 ? -errno : 0;
}

}  // namespace raw

}  // namespace nook::sys
