// Wrappers for system calls that glibc 2.36 does not wrap (or wraps only in newer versions).
//
// This is the only file in nook that calls syscall(2), names __NR_* or defines UAPI constants
// missing from old kernel headers (STYLE 3.7). Each wrapper returns Result<T> naming the call,
// retries EINTR where the call is restartable, and reports ENOSYS (an old kernel, or a seccomp
// filter that hides the call) as ErrorKind::Unsupported so callers can fall back.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cstdint>
#include <string_view>

#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#else
struct open_how {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
#endif

#if __has_include(<linux/close_range.h>)
#include <linux/close_range.h>
#endif

#include "lib/sys/fd.h"
#include "lib/util/error.h"

// UAPI constants (linux/openat2.h, 5.6; linux/close_range.h, 5.9/5.11; linux/pidfd.h, 5.10).
#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#endif
#ifndef RESOLVE_CACHED
#define RESOLVE_CACHED 0x20
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000  // linux/stat.h, 5.8
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

namespace nook::sys {

// pidfd_open(2) (Linux 5.3): a CLOEXEC descriptor referring to process `pid`. flags: 0 or
// PIDFD_NONBLOCK. Errors: ESRCH (no such process) -> System, ENOSYS -> Unsupported.
[[nodiscard]] Result<UniqueFd> pidfd_open(pid_t pid, unsigned int flags = 0);

// pidfd_send_signal(2) (Linux 5.1) without siginfo. ESRCH when the process has exited (even if
// not yet reaped), ENOSYS -> Unsupported (callers fall back to kill(2)).
[[nodiscard]] Result<void> pidfd_send_signal(int pidfd, int sig);

// openat2(2) (Linux 5.6) with RESOLVE_* flags, e.g. RESOLVE_IN_ROOT to resolve `path` as if
// `dirfd` were the root directory (symlinks and ".." cannot escape it). O_CLOEXEC is always
// added; `mode` is ignored unless flags contain O_CREAT or O_TMPFILE (the kernel rejects it
// otherwise). EINTR and the EAGAIN the kernel returns when a concurrent rename or mount raced
// the confined lookup are retried. ENOSYS -> Unsupported (fall back to a userspace walk, as
// crun's safe_openat does); EXDEV/ELOOP when a RESOLVE_* restriction was hit.
[[nodiscard]] Result<UniqueFd> openat2(int dirfd, std::string_view path, uint64_t flags,
                                       uint64_t mode, uint64_t resolve);

// close_range(2) (Linux 5.9; CLOSE_RANGE_CLOEXEC since 5.11). ENOSYS/EINVAL for an unknown flag
// -> Unsupported.
[[nodiscard]] Result<void> close_range(unsigned int first, unsigned int last, unsigned int flags);

// Async-signal-safe forms for the code between fork and exec (no allocation, no Error):
// they return 0 on success or -errno.
namespace raw {
int close_range(unsigned int first, unsigned int last, unsigned int flags) noexcept;
// openat2(2) with O_CLOEXEC added; returns the new fd or -errno (EINTR and EAGAIN retried).
int openat2(int dirfd, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve) noexcept;
// clone(2) with fork semantics (no new stack, SIGCHLD on exit) and `flags` (CLONE_NEW*,
// CLONE_PARENT): returns 0 in the child, the child's pid in the parent, or -errno. Like fork()
// but without glibc's atfork handlers: only for single-threaded callers (lib/runtime).
pid_t clone_fork(unsigned long flags) noexcept;
// pivot_root(2).
int pivot_root(const char* new_root, const char* put_old) noexcept;
// capget(2)/capset(2) with _LINUX_CAPABILITY_VERSION_3 for the calling thread: three 64-bit sets.
int capget(uint64_t* effective, uint64_t* permitted, uint64_t* inheritable) noexcept;
int capset(uint64_t effective, uint64_t permitted, uint64_t inheritable) noexcept;
// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog) for a `struct sock_fprog*`.
int seccomp_set_mode_filter(unsigned int flags, const void* prog) noexcept;
}  // namespace raw

}  // namespace nook::sys
