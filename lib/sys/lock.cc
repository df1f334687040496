#include "lib/sys/lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>

#include <cerrno>

#include "lib/sys/file.h"

namespace nook::sys {

Result<FileLock> FileLock::acquire(std::string_view path, int operation) {
  auto fd = open_file(path, O_RDWR | O_CREAT | O_NOCTTY, 0600);
  if (!fd && (fd.error().sys_errno() == EACCES || fd.error().sys_errno() == EROFS)) {
    // A lock file in a directory we may only read (a shared read-only store): flock works on a
    // read-only descriptor too.
    fd = open_file(path, O_RDONLY | O_NOCTTY);
  }
  if (!fd) return fail(fd.error().context("locking"));

  bool exclusive = (operation & LOCK_EX) != 0;
  while (::flock(fd->get(), operation) < 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      return fail(ErrorKind::InvalidState, fmt::format("{:?} is locked by another process", path),
                  EWOULDBLOCK);
    }
    return fail(Error::from_errno(exclusive ? "flock LOCK_EX" : "flock LOCK_SH",
                                  fmt::format("{:?}", path)));
  }
  return FileLock(std::move(*fd));
}

Result<FileLock> FileLock::shared(std::string_view path) { return acquire(path, LOCK_SH); }

Result<FileLock> FileLock::exclusive(std::string_view path) { return acquire(path, LOCK_EX); }

Result<FileLock> FileLock::try_shared(std::string_view path) {
  return acquire(path, LOCK_SH | LOCK_NB);
}

Result<FileLock> FileLock::try_exclusive(std::string_view path) {
  return acquire(path, LOCK_EX | LOCK_NB);
}

}  // namespace nook::sys
