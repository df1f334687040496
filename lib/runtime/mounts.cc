#include "lib/runtime/mounts.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "lib/runtime/copyup.h"
#include "lib/sys/syscall.h"
#include "lib/util/strings.h"

namespace nook::runtime {
namespace {

struct FlagOption {
  std::string_view name;
  bool clear;
  unsigned long flag;
};

constexpr std::array kFlagOptions = {
    FlagOption{"ro", false, MS_RDONLY},          FlagOption{"rw", true, MS_RDONLY},
    FlagOption{"nosuid", false, MS_NOSUID},      FlagOption{"suid", true, MS_NOSUID},
    FlagOption{"nodev", false, MS_NODEV},        FlagOption{"dev", true, MS_NODEV},
    FlagOption{"noexec", false, MS_NOEXEC},      FlagOption{"exec", true, MS_NOEXEC},
    FlagOption{"sync", false, MS_SYNCHRONOUS},   FlagOption{"async", true, MS_SYNCHRONOUS},
    FlagOption{"dirsync", false, MS_DIRSYNC},    FlagOption{"mand", false, MS_MANDLOCK},
    FlagOption{"nomand", true, MS_MANDLOCK},     FlagOption{"noatime", false, MS_NOATIME},
    FlagOption{"atime", true, MS_NOATIME},       FlagOption{"nodiratime", false, MS_NODIRATIME},
    FlagOption{"diratime", true, MS_NODIRATIME}, FlagOption{"relatime", false, MS_RELATIME},
    FlagOption{"norelatime", true, MS_RELATIME}, FlagOption{"strictatime", false, MS_STRICTATIME},
    FlagOption{"nostrictatime", true, MS_STRICTATIME},
};

struct PropagationOption {
  std::string_view name;
  unsigned long flags;
};

constexpr std::array kPropagationOptions = {
    PropagationOption{"private", MS_PRIVATE},          PropagationOption{"rprivate", MS_PRIVATE | MS_REC},
    PropagationOption{"shared", MS_SHARED},            PropagationOption{"rshared", MS_SHARED | MS_REC},
    PropagationOption{"slave", MS_SLAVE},              PropagationOption{"rslave", MS_SLAVE | MS_REC},
    PropagationOption{"unbindable", MS_UNBINDABLE},    PropagationOption{"runbindable", MS_UNBINDABLE | MS_REC},
};

// Options runtimes accept and nook ignores (podman's and crun's extensions); "tmpcopyup" is
// MountStep::copy_up.
constexpr std::array<std::string_view, 5> kIgnoredOptions = {"notmpcopyup", "copy-symlink", "z", "Z", "U"};

int fd_path(char (&buf)[64], int fd) { return std::snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd); }

// Removes a "gid=N" option from a devpts data string (user namespaces without gid 5).
void strip_gid_option(const char* data, char* out, size_t size) {
  size_t used = 0;
  const char* p = data;
  while (*p != '\0') {
    const char* end = std::strchr(p, ',');
    size_t len = end != nullptr ? static_cast<size_t>(end - p) : std::strlen(p);
    if (!(len > 4 && std::strncmp(p, "gid=", 4) == 0) && used + len + 2 < size) {
      if (used > 0) out[used++] = ',';
      std::memcpy(out + used, p, len);
      used += len;
    }
    p += len;
    if (*p == ',') ++p;
  }
  out[used] = '\0';
}

bool is_eperm(int err) { return err == EPERM || err == EACCES; }

// A bind of a host path (the rootless stand-in for sysfs, cgroup, mqueue), read-only when asked.
// `dest` is reopened from `rootfd` for the remount: /proc/self/fd/N of the old fd still names
// the mount point under the new mount.
int bind_host(const char* source, const char* target, int rootfd, const char* dest, bool readonly) {
  if (::mount(source, target, nullptr, MS_BIND | MS_REC, nullptr) < 0) return -errno;
  if (readonly) {
    // Best effort: the top mount only; sub-mounts keep their own flags.
    int fd = open_in_root(rootfd, dest, Create::Nothing);
    if (fd >= 0) {
      char path[64];
      fd_path(path, fd);
      ::mount(nullptr, path, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_mount_flags(fd), nullptr);
      ::close(fd);
    }
  }
  return 0;
}

// Copies the entries of `covered` into the tmpfs now mounted at `dest`.
int copy_up(int covered, int rootfd, const char* dest) noexcept {
  int mounted = open_in_root(rootfd, dest, Create::Nothing);
  if (mounted < 0) return mounted;
  int dst = ::openat(mounted, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = dst < 0 ? errno : 0;
  ::close(mounted);
  if (dst < 0) return -err;
  int rc = copy_tree(covered, dst);
  ::close(dst);
  return rc;
}

bool mount_one(const MountStep& m, int rootfd, SyncRecord& error) {
  const char* dest = m.destination.c_str();
  int fd = open_in_root(rootfd, dest, m.file ? Create::File : Create::Directory);
  if (fd < 0) {
    set_error(error, ErrorKind::System, -fd, "creating mount point %s", dest);
    return false;
  }
  char target[64];
  fd_path(target, fd);
  int err = 0;
  // tmpcopyup: the directory the tmpfs is about to cover, for copying its entries afterwards.
  int covered = m.copy_up ? ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (m.bind) {
    if (::mount(m.source.c_str(), target, nullptr, MS_BIND | (m.recursive ? MS_REC : 0), nullptr) < 0) err = errno;
  } else if (::mount(m.source.c_str(), target, m.fstype.c_str(), m.flags, m.data.empty() ? nullptr : m.data.c_str()) < 0) {
    err = errno;
    bool readonly = (m.flags & MS_RDONLY) != 0;
    if (m.fstype == "sysfs" && is_eperm(err)) {
      // No network namespace of our own: sysfs cannot be mounted; bind the host's (as crun).
      err = -bind_host("/sys", target, rootfd, dest, readonly);
    } else if (m.fstype == "mqueue" && is_eperm(err)) {
      err = -bind_host("/dev/mqueue", target, rootfd, dest, false);
    } else if (m.fstype == "cgroup" || m.fstype == "cgroup2") {
      // Hybrid or v1 hosts, rootless: try cgroup2, then the host's tree read-only, else none.
      // Never fail a container because of cgroups: without either, it has no cgroup tree.
      if (::mount("cgroup2", target, "cgroup2", m.flags, nullptr) < 0) bind_host("/sys/fs/cgroup", target, rootfd, dest, true);
      err = 0;
    } else if (m.fstype == "devpts" && err == EINVAL) {
      char data[512];
      strip_gid_option(m.data.c_str(), data, sizeof data);
      err = ::mount(m.source.c_str(), target, m.fstype.c_str(), m.flags, data) < 0 ? errno : 0;
    }
  }
  ::close(fd);
  if (err != 0) {
    if (covered >= 0) ::close(covered);
    set_error(error, ErrorKind::System, err, "mounting %s on %s", m.bind ? m.source.c_str() : m.fstype.c_str(), dest);
    return false;
  }
  if (covered >= 0) {
    int rc = copy_up(covered, rootfd, dest);
    ::close(covered);
    if (rc < 0) {
      set_error(error, ErrorKind::System, -rc, "copying the image's %s into its tmpfs", dest);
      return false;
    }
  }
  // Remount flags of a bind, and propagation: both act on the new mount, opened afresh.
  if ((m.bind && (m.flags != 0)) || m.propagation != 0) {
    fd = open_in_root(rootfd, dest, Create::Nothing);
    if (fd < 0) {
      set_error(error, ErrorKind::System, -fd, "opening mount point %s", dest);
      return false;
    }
    fd_path(target, fd);
    if (m.bind && m.flags != 0) {
      unsigned long flags = MS_REMOUNT | MS_BIND | m.flags | (locked_mount_flags(fd) & ~m.clear_flags);
      if (::mount(nullptr, target, nullptr, flags, nullptr) < 0 &&
          ::mount(nullptr, target, nullptr, flags | locked_mount_flags(fd), nullptr) < 0) {
        set_error(error, ErrorKind::System, errno, "remounting %s", dest);
        ::close(fd);
        return false;
      }
    }
    if (m.propagation != 0 && ::mount(nullptr, target, nullptr, m.propagation, nullptr) < 0) {
      set_error(error, ErrorKind::System, errno, "setting the propagation of %s", dest);
      ::close(fd);
      return false;
    }
    ::close(fd);
  }
  return true;
}

}  // namespace

Result<MountStep> parse_mount(const oci::Mount& mount, std::string_view bundle) {
  MountStep step;
  if (mount.destination.empty() || mount.destination[0] != '/') {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("mount destination {:?} is not an absolute path", mount.destination));
  }
  step.destination = clean_path(mount.destination);
  step.fstype = mount.type;
  step.bind = mount.type == "bind" || mount.type == "rbind";
  step.recursive = mount.type == "rbind";
  std::vector<std::string> data;
  for (const std::string& option : mount.options) {
    if (option == "tmpcopyup") {
      step.copy_up = true;
      continue;
    }
    if (option == "bind" || option == "rbind") {
      step.bind = true;
      step.recursive = step.recursive || option == "rbind";
      continue;
    }
    bool handled = false;
    for (const FlagOption& f : kFlagOptions) {
      if (f.name != option) continue;
      if (f.clear) {
        step.flags &= ~f.flag;
        step.clear_flags |= f.flag;
      } else {
        step.flags |= f.flag;
        step.clear_flags &= ~f.flag;
      }
      handled = true;
    }
    for (const PropagationOption& p : kPropagationOptions) {
      if (p.name == option) {
        step.propagation = p.flags;
        handled = true;
      }
    }
    for (std::string_view ignored : kIgnoredOptions) handled = handled || ignored == option;
    if (!handled) data.push_back(option);
  }
  if (step.bind) {
    step.fstype.clear();
    if (mount.source.empty()) {
      return fail(ErrorKind::InvalidArgument, fmt::format("bind mount on {:?} has no source", mount.destination));
    }
    step.source = mount.source[0] == '/' ? mount.source : fmt::format("{}/{}", bundle, mount.source);
    data.clear();  // a bind takes no file system options
  } else {
    if (step.fstype.empty()) {
      return fail(ErrorKind::InvalidArgument, fmt::format("mount on {:?} has no type", mount.destination));
    }
    step.source = mount.source.empty() ? step.fstype : mount.source;
  }
  step.copy_up = step.copy_up && step.fstype == "tmpfs";
  step.data = strings::join(data, ",");
  return step;
}

unsigned long locked_mount_flags(int fd) noexcept {
  struct statvfs st{};
  if (::fstatvfs(fd, &st) < 0) return 0;
  unsigned long flags = 0;
  if ((st.f_flag & ST_RDONLY) != 0) flags |= MS_RDONLY;
  if ((st.f_flag & ST_NOSUID) != 0) flags |= MS_NOSUID;
  if ((st.f_flag & ST_NODEV) != 0) flags |= MS_NODEV;
  if ((st.f_flag & ST_NOEXEC) != 0) flags |= MS_NOEXEC;
  if ((st.f_flag & ST_NOATIME) != 0) flags |= MS_NOATIME;
  if ((st.f_flag & ST_NODIRATIME) != 0) flags |= MS_NODIRATIME;
  if ((st.f_flag & ST_RELATIME) != 0) flags |= MS_RELATIME;
  return flags;
}

int open_in_root(int rootfd, const char* path, Create create) noexcept {
  constexpr uint64_t kResolve = RESOLVE_IN_ROOT;
  int fd = sys::raw::openat2(rootfd, path, O_PATH, 0, kResolve);
  if (fd >= 0 || fd != -ENOENT || create == Create::Nothing) return fd;
  // Create the missing components one by one, each below its (resolved) parent.
  char buf[PATH_MAX];
  size_t len = std::strlen(path);
  if (len >= sizeof buf) return -ENAMETOOLONG;
  std::memcpy(buf, path, len + 1);
  for (size_t i = 1; i <= len; ++i) {
    if (i != len && buf[i] != '/') continue;
    if (i > 0 && buf[i - 1] == '/') continue;
    char saved = buf[i];
    buf[i] = '\0';
    int probe = sys::raw::openat2(rootfd, buf, O_PATH, 0, kResolve);
    if (probe >= 0) {
      ::close(probe);
    } else if (probe == -ENOENT) {
      char* slash = std::strrchr(buf, '/');
      *slash = '\0';
      int parent = sys::raw::openat2(rootfd, buf[0] != '\0' ? buf : "/", O_PATH, 0, kResolve);
      *slash = '/';
      if (parent < 0) return parent;
      int rc;
      if (i == len && create == Create::File) {
        rc = ::openat(parent, slash + 1, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (rc >= 0) ::close(rc);
      } else {
        rc = ::mkdirat(parent, slash + 1, 0755);
      }
      int err = rc < 0 ? errno : 0;
      ::close(parent);
      if (rc < 0 && err != EEXIST) return -err;
    } else {
      return probe;
    }
    buf[i] = saved;
  }
  return sys::raw::openat2(rootfd, path, O_PATH, 0, kResolve);
}

bool mount_all(const Plan& plan, int rootfd, SyncRecord& error) noexcept {
  for (const MountStep& m : plan.mounts) {
    if (!mount_one(m, rootfd, error)) return false;
  }
  return true;
}

bool mask_and_protect_paths(const Plan& plan, int rootfd, SyncRecord& error) noexcept {
  char target[64];
  for (const std::string& path : plan.masked_paths) {
    int fd = open_in_root(rootfd, path.c_str(), Create::Nothing);
    if (fd == -ENOENT) continue;
    if (fd < 0) {
      set_error(error, ErrorKind::System, -fd, "opening masked path %s", path.c_str());
      return false;
    }
    struct stat st{};
    int rc = ::fstat(fd, &st);
    fd_path(target, fd);
    if (rc == 0 && S_ISDIR(st.st_mode)) {
      rc = ::mount("tmpfs", target, "tmpfs", MS_RDONLY, "size=0k");
    } else if (rc == 0) {
      rc = ::mount("/dev/null", target, nullptr, MS_BIND, nullptr);
    }
    int err = errno;
    ::close(fd);
    if (rc == 0 && !S_ISDIR(st.st_mode)) {
      // The bound /dev/null read-only, as crun does (best effort).
      fd = open_in_root(rootfd, path.c_str(), Create::Nothing);
      if (fd >= 0) {
        fd_path(target, fd);
        ::mount(nullptr, target, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_mount_flags(fd), nullptr);
        ::close(fd);
      }
    }
    if (rc < 0) {
      set_error(error, ErrorKind::System, err, "masking %s", path.c_str());
      return false;
    }
  }
  for (const std::string& path : plan.readonly_paths) {
    int fd = open_in_root(rootfd, path.c_str(), Create::Nothing);
    if (fd == -ENOENT) continue;
    if (fd < 0) {
      set_error(error, ErrorKind::System, -fd, "opening read-only path %s", path.c_str());
      return false;
    }
    fd_path(target, fd);
    int rc = ::mount(target, target, nullptr, MS_BIND | MS_REC, nullptr);
    int err = errno;
    ::close(fd);
    if (rc == 0) {
      fd = open_in_root(rootfd, path.c_str(), Create::Nothing);
      if (fd < 0) {
        rc = -1;
        err = -fd;
      } else {
        fd_path(target, fd);
        rc = ::mount(nullptr, target, nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_mount_flags(fd), nullptr);
        err = errno;
        ::close(fd);
      }
    }
    if (rc < 0) {
      set_error(error, ErrorKind::System, err, "making %s read-only", path.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace nook::runtime
