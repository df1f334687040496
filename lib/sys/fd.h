// Owned file descriptors: UniqueFd, Pipe, SocketPair.
//
// Ownership rule (STYLE 3.6): an `int fd` parameter borrows, a `UniqueFd` parameter (by value)
// takes, and creators return Result<UniqueFd>. Every fd made here is born O_CLOEXEC.
//
// Fork safety: get(), release() and reset() are async-signal-safe (reset() only calls close(2)),
// so a UniqueFd may be used between fork and exec; its destructor never allocates.
#pragma once

#include <sys/socket.h>

#include <utility>

#include "lib/util/error.h"

namespace nook::sys {

class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  // Takes ownership of `fd` (which may be -1).
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}

  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  ~UniqueFd() { reset(); }

  // The descriptor, still owned by this object; -1 if empty.
  int get() const noexcept { return fd_; }

  // Gives up ownership without closing; the object becomes empty.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  // Closes the owned descriptor (if any) and takes `fd` instead. close(2) is called exactly once
  // and never retried on EINTR: Linux frees the descriptor even then, and a retry could close a
  // descriptor another thread has just been given. errno is preserved.
  void reset(int fd = -1) noexcept;

  // Closes now and reports the error close(2) gave (EIO on NFS, quota on some file systems);
  // EINTR counts as success (the descriptor is gone). The object is empty afterwards.
  [[nodiscard]] Result<void> close();

  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// pipe2(O_CLOEXEC | extra_flags) (e.g. O_NONBLOCK, O_DIRECT).
struct Pipe {
  UniqueFd read;
  UniqueFd write;

  [[nodiscard]] static Result<Pipe> create(int extra_flags = 0);
};

// socketpair(AF_UNIX, type | SOCK_CLOEXEC); type is SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM,
// optionally or'ed with SOCK_NONBLOCK.
struct SocketPair {
  UniqueFd first;
  UniqueFd second;

  [[nodiscard]] static Result<SocketPair> create(int type = SOCK_STREAM);
};

// fcntl helpers on a borrowed descriptor.
[[nodiscard]] Result<void> set_cloexec(int fd, bool on);
[[nodiscard]] Result<void> set_nonblocking(int fd, bool on);

// F_DUPFD_CLOEXEC: a new descriptor >= min_fd for the same open file description.
[[nodiscard]] Result<UniqueFd> dup_fd(int fd, int min_fd = 0);

}  // namespace nook::sys
