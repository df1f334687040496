// FileLock: an flock(2) lock on a lock file, held until the object is destroyed.
//
// flock locks belong to the open file description: two FileLocks on the same path conflict even
// inside one process; a forked child shares the parent's lock through its copy of the descriptor
// until it execs (the descriptor is O_CLOEXEC) or closes it - a child that does neither and locks
// the same file again waits for itself; the kernel drops the lock when the last copy is closed,
// so a crashed holder never leaves a stale lock. The lock file is created (mode 0600) if missing
// and never removed: unlinking a lock file races with a process that has it open.
#pragma once

#include <string_view>

#include "lib/sys/fd.h"
#include "lib/util/error.h"

namespace nook::sys {

class FileLock {
 public:
  FileLock() = default;  // holds nothing
  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) noexcept = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() = default;  // closing the descriptor releases the lock

  // Block until the lock is granted (EINTR is retried).
  [[nodiscard]] static Result<FileLock> shared(std::string_view path);
  [[nodiscard]] static Result<FileLock> exclusive(std::string_view path);

  // Do not block: if another open file description holds a conflicting lock, fail with kind
  // InvalidState and sys_errno() == EWOULDBLOCK ("... is locked by another process").
  [[nodiscard]] static Result<FileLock> try_shared(std::string_view path);
  [[nodiscard]] static Result<FileLock> try_exclusive(std::string_view path);

  bool locked() const { return static_cast<bool>(fd_); }
  // The lock file's descriptor (borrowed), -1 if unlocked.
  int fd() const { return fd_.get(); }

  // Release early.
  void unlock() { fd_.reset(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  static Result<FileLock> acquire(std::string_view path, int operation);

  UniqueFd fd_;
};

}  // namespace nook::sys
