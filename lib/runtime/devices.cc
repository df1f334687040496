#include "lib/runtime/devices.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "lib/runtime/mounts.h"

namespace nook::runtime {
namespace {

// Splits "/dev/pts/x" into the parent "/dev/pts" (in `dir`) and returns the base name.
const char* split_path(const char* path, char (&dir)[PATH_MAX]) {
  size_t len = std::strlen(path);
  if (len >= sizeof dir) len = sizeof dir - 1;
  std::memcpy(dir, path, len);
  dir[len] = '\0';
  char* slash = std::strrchr(dir, '/');
  if (slash == nullptr) return path;
  const char* base = path + (slash - dir) + 1;
  if (slash == dir) {
    dir[1] = '\0';
  } else {
    *slash = '\0';
  }
  return base;
}

bool make_device(const DeviceStep& d, int rootfd, SyncRecord& error) {
  char dir[PATH_MAX];
  const char* base = split_path(d.path.c_str(), dir);
  int dirfd = open_in_root(rootfd, dir, Create::Directory);
  if (dirfd < 0) {
    set_error(error, ErrorKind::System, -dirfd, "creating %s", dir);
    return false;
  }
  mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
  int rc = ::mknodat(dirfd, base, type | (d.mode & 07777), makedev(d.major, d.minor));
  int err = rc < 0 ? errno : 0;
  if (rc == 0) {
    ::fchownat(dirfd, base, d.uid, d.gid, AT_SYMLINK_NOFOLLOW);
  } else if (err == EPERM || err == EACCES) {
    // Rootless: an empty file with the host's node bind-mounted over it.
    int file = ::openat(dirfd, base, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    err = file < 0 && errno != EEXIST ? errno : 0;
    if (file >= 0) ::close(file);
    if (err == 0) {
      int target = open_in_root(rootfd, d.path.c_str(), Create::Nothing);
      if (target < 0) {
        err = -target;
      } else {
        char path[64];
        std::snprintf(path, sizeof path, "/proc/self/fd/%d", target);
        if (::mount(d.path.c_str(), path, nullptr, MS_BIND, nullptr) < 0) err = errno;
        ::close(target);
        // As crun: the bound node gets nosuid,noexec (the host's devtmpfs has neither).
        target = err == 0 ? open_in_root(rootfd, d.path.c_str(), Create::Nothing) : -1;
        if (target >= 0) {
          std::snprintf(path, sizeof path, "/proc/self/fd/%d", target);
          ::mount(nullptr, path, nullptr, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC | locked_mount_flags(target), nullptr);
          ::close(target);
        }
      }
    }
  } else if (err == EEXIST) {
    err = 0;
  }
  ::close(dirfd);
  if (err != 0) {
    set_error(error, ErrorKind::System, err, "creating device %s", d.path.c_str());
    return false;
  }
  return true;
}

}  // namespace

std::vector<DeviceStep> default_devices() {
  return {
      {.path = "/dev/null", .type = 'c', .major = 1, .minor = 3},
      {.path = "/dev/zero", .type = 'c', .major = 1, .minor = 5},
      {.path = "/dev/full", .type = 'c', .major = 1, .minor = 7},
      {.path = "/dev/tty", .type = 'c', .major = 5, .minor = 0},
      {.path = "/dev/random", .type = 'c', .major = 1, .minor = 8},
      {.path = "/dev/urandom", .type = 'c', .major = 1, .minor = 9},
  };
}

bool create_devices(const Plan& plan, int rootfd, SyncRecord& error) noexcept {
  mode_t old_umask = ::umask(0);
  for (const DeviceStep& d : plan.devices) {
    if (!make_device(d, rootfd, error)) return false;
  }
  ::umask(old_umask);
  for (const auto& [target, link] : plan.symlinks) {
    char dir[PATH_MAX];
    const char* base = split_path(link.c_str(), dir);
    int dirfd = open_in_root(rootfd, dir, Create::Directory);
    if (dirfd < 0) {
      set_error(error, ErrorKind::System, -dirfd, "creating %s", dir);
      return false;
    }
    int rc = ::symlinkat(target.c_str(), dirfd, base);
    int err = errno;
    ::close(dirfd);
    if (rc < 0 && err != EEXIST) {
      set_error(error, ErrorKind::System, err, "creating symlink %s", link.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace nook::runtime
