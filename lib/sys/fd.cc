#include "lib/sys/fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace nook::sys {

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) {
    int saved = errno;
    ::close(fd_);  // not retried on EINTR: the descriptor is released regardless (close(2))
    errno = saved;
  }
  fd_ = fd;
}

Result<void> UniqueFd::close() {
  if (fd_ < 0) return {};
  int fd = release();
  if (::close(fd) < 0 && errno != EINTR) return fail(Error::from_errno("close"));
  return {};
}

Result<Pipe> Pipe::create(int extra_flags) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | extra_flags) < 0) return fail(Error::from_errno("pipe2"));
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<SocketPair> SocketPair::create(int type) {
  int fds[2];
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) < 0) {
    return fail(Error::from_errno("socketpair"));
  }
  return SocketPair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

namespace {

Result<void> update_flags(int fd, int get_cmd, int set_cmd, int bit, bool on, const char* call) {
  int flags = ::fcntl(fd, get_cmd);
  if (flags < 0) return fail(Error::from_errno(call));
  int wanted = on ? (flags | bit) : (flags & ~bit);
  if (wanted != flags && ::fcntl(fd, set_cmd, wanted) < 0) return fail(Error::from_errno(call));
  return {};
}

}  // namespace

Result<void> set_cloexec(int fd, bool on) {
  return update_flags(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on, "fcntl F_SETFD");
}

Result<void> set_nonblocking(int fd, bool on) {
  return update_flags(fd, F_GETFL, F_SETFL, O_NONBLOCK, on, "fcntl F_SETFL");
}

Result<UniqueFd> dup_fd(int fd, int min_fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
  if (copy < 0) return fail(Error::from_errno("fcntl F_DUPFD_CLOEXEC"));
  return UniqueFd(copy);
}

}  // namespace nook::sys
