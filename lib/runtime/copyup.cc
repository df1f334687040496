#include "lib/runtime/copyup.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nook::runtime {

namespace {

constexpr int kMaxDepth = 128;

// Owner, mode and times of `st` onto `fd` (a file or directory we created). chown first: it
// clears setuid/setgid bits that fchmod then sets again.
int copy_metadata(int fd, const struct stat& st) noexcept {
  if (::fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM && errno != EINVAL) return -errno;
  if (::fchmod(fd, st.st_mode & 07777) < 0) return -errno;
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(fd, times) < 0) return -errno;
  return 0;
}

int copy_contents(int src, int dst) noexcept {
  for (;;) {
    ssize_t n = ::copy_file_range(src, nullptr, dst, nullptr, 1 << 30, 0);
    if (n == 0) return 0;
    if (n > 0) continue;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return -errno;
    break;  // no copy_file_range between these file systems: read and write
  }
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(src, buf, sizeof buf);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(dst, buf + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return -errno;
      }
      done += w;
    }
  }
}

int copy_file(int src_dir, int dst_dir, const char* name, const struct stat& st) noexcept {
  int src = ::openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0) return -errno;
  int dst = ::openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (dst < 0) {
    int err = errno;
    ::close(src);
    return -err;
  }
  int rc = copy_contents(src, dst);
  if (rc == 0) rc = copy_metadata(dst, st);
  ::close(src);
  ::close(dst);
  return rc;
}

int copy_symlink(int src_dir, int dst_dir, const char* name) noexcept {
  char target[PATH_MAX];
  ssize_t n = ::readlinkat(src_dir, name, target, sizeof target - 1);
  if (n < 0) return -errno;
  target[n] = '\0';
  struct stat st {};
  if (::fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  if (::symlinkat(target, dst_dir, name) < 0) return -errno;
  if (::fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM && errno != EINVAL) {
    return -errno;
  }
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(dst_dir, name, times, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  return 0;
}

int copy_dir(int src, int dst, int depth) noexcept;

int copy_subdir(int src_dir, int dst_dir, const char* name, const struct stat& st, int depth) noexcept {
  if (::mkdirat(dst_dir, name, 0700) < 0 && errno != EEXIST) return -errno;
  int src = ::openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0) return -errno;
  int dst = ::openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0) {
    int err = errno;
    ::close(src);
    return -err;
  }
  int rc = copy_dir(src, dst, depth + 1);
  if (rc == 0) rc = copy_metadata(dst, st);  // after the entries: their creation changed the times
  ::close(src);
  ::close(dst);
  return rc;
}

int copy_entry(int src_dir, int dst_dir, const char* name, int depth) noexcept {
  struct stat st {};
  if (::fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
      return copy_subdir(src_dir, dst_dir, name, st, depth);
    case S_IFREG:
      return copy_file(src_dir, dst_dir, name, st);
    case S_IFLNK:
      return copy_symlink(src_dir, dst_dir, name);
    case S_IFIFO:
      if (::mkfifoat(dst_dir, name, st.st_mode & 07777) < 0) return -errno;
      if (::fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM) return -errno;
      return 0;
    default:
      return 0;  // devices and sockets (see copyup.h)
  }
}

int copy_dir(int src, int dst, int depth) noexcept {
  if (depth > kMaxDepth) return -ELOOP;
  alignas(struct dirent64) char buf[8192];
  // Our own cursor on the source: the caller's fd keeps its offset.
  int reader = ::openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (reader < 0) return -errno;
  int rc = 0;
  for (;;) {
    ssize_t n = ::getdents64(reader, buf, sizeof buf);
    if (n < 0) {
      rc = -errno;
      break;
    }
    if (n == 0) break;
    for (ssize_t at = 0; at < n && rc == 0;) {
      auto* entry = reinterpret_cast<struct dirent64*>(buf + at);
      at += entry->d_reclen;
      const char* name = entry->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      rc = copy_entry(src, dst, name, depth);
    }
    if (rc != 0) break;
  }
  ::close(reader);
  return rc;
}

}  // namespace

int copy_tree(int src_dir, int dst_dir) noexcept { return copy_dir(src_dir, dst_dir, 0); }

}  // namespace nook::runtime
