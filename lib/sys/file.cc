#include "lib/sys/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <vector>

#include "lib/sys/syscall.h"
#include "lib/util/scope_exit.h"

namespace nook::sys {

namespace {

std::string quote(std::string_view s) { return fmt::format("{:?}", s); }

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

// Waits until `fd` is ready for `events`; used after EAGAIN on a non-blocking descriptor.
Result<void> wait_ready(int fd, short events, const char* call) {
  pollfd pfd{fd, events, 0};
  while (::poll(&pfd, 1, -1) < 0) {
    if (errno != EINTR) return fail(Error::from_errno("poll").context(call));
  }
  return {};
}

}  // namespace

Result<UniqueFd> openat_file(int dirfd, std::string_view path, int flags, mode_t mode) {
  std::string c_path(path);
  for (;;) {
    int fd = ::openat(dirfd, c_path.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != EINTR) return fail(Error::from_errno("open", quote(path)));
  }
}

Result<UniqueFd> open_file(std::string_view path, int flags, mode_t mode) {
  return openat_file(AT_FDCWD, path, flags, mode);
}

Result<std::string> read_all(int fd) {
  std::string out;
  size_t chunk = 4096;
  for (;;) {
    size_t used = out.size();
    out.resize(used + chunk);
    ssize_t n = ::read(fd, out.data() + used, chunk);
    if (n < 0) {
      int err = errno;
      out.resize(used);
      if (err == EINTR) continue;
      if (err == EAGAIN) {
        NOOK_TRY_VOID(wait_ready(fd, POLLIN, "read"));
        continue;
      }
      return fail(Error::from_errno_value(err, "read"));
    }
    out.resize(used + static_cast<size_t>(n));
    if (n == 0) return out;
    if (static_cast<size_t>(n) == chunk && chunk < (size_t{1} << 20)) chunk *= 2;
  }
}

Result<std::string> read_file(std::string_view path) {
  UniqueFd fd = NOOK_TRY(open_file(path, O_RDONLY | O_NOCTTY));
  auto data = read_all(fd.get());
  if (!data) return fail(data.error().context(fmt::format("reading {}", quote(path))));
  return data;
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        NOOK_TRY_VOID(wait_ready(fd, POLLOUT, "write"));
        continue;
      }
      return fail(Error::from_errno("write"));
    }
    if (n == 0) return fail(Error::from_errno_value(EIO, "write"));  // no progress: never loop
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<void> write_file_atomic(std::string_view path, std::string_view data, mode_t mode,
                               Durability durability) {
  auto context = [&] { return fmt::format("writing {}", quote(path)); };
  size_t slash = path.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? "." : path.substr(0, slash + 1);
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    return fail(ErrorKind::InvalidArgument, fmt::format("{}: not a file name", context()));
  }

  std::string tmp_name = join_path(dir, fmt::format(".{}.tmp-XXXXXX", name));
  int raw_fd = ::mkostemp(tmp_name.data(), O_CLOEXEC);  // O_CREAT|O_EXCL|O_RDWR, mode 0600
  if (raw_fd < 0) {
    return fail(Error::from_errno("mkostemp", quote(tmp_name)).context(context()));
  }
  UniqueFd fd(raw_fd);
  TempPath tmp(tmp_name);  // unlinked on every failure path below

  auto wrote = write_all(fd.get(), data);
  if (!wrote) return fail(wrote.error().context(context()));
  if (::fchmod(fd.get(), mode) < 0) {
    return fail(Error::from_errno("fchmod", quote(tmp_name)).context(context()));
  }
  bool durable = durability == Durability::Durable;
  if (durable && ::fsync(fd.get()) < 0) {
    return fail(Error::from_errno("fsync", quote(tmp_name)).context(context()));
  }
  auto closed = fd.close();
  if (!closed) return fail(closed.error().context(context()));
  std::string target(path);
  if (::rename(tmp_name.c_str(), target.c_str()) < 0) {
    return fail(Error::from_errno("rename", quote(tmp_name)).context(context()));
  }
  tmp.commit();
  if (!durable) return {};

  // Make the rename itself durable. Some file systems cannot fsync a directory (EINVAL); the
  // data is in place regardless, so only real I/O errors are reported.
  auto dir_fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  if (!dir_fd) return fail(dir_fd.error().context(context()));
  if (::fsync(dir_fd->get()) < 0 && errno != EINVAL && errno != EROFS) {
    return fail(Error::from_errno("fsync", quote(dir)).context(context()));
  }
  return {};
}

Result<void> make_dirs(std::string_view path, mode_t mode) {
  if (path.empty()) return fail(ErrorKind::InvalidArgument, "make_dirs: empty path");
  auto is_dir = [](const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  };
  std::string full(path);
  if (is_dir(full)) return {};

  // Walk the components left to right; "a//b/" is handled by skipping empty components.
  size_t pos = 0;
  while (pos < full.size()) {
    size_t next = full.find('/', pos);
    if (next == std::string::npos) next = full.size();
    if (next > pos) {
      std::string prefix = full.substr(0, next);
      if (::mkdir(prefix.c_str(), mode) < 0) {
        int err = errno;
        // EEXIST is the usual answer for an existing component, but EACCES/EROFS can come first
        // on some file systems; whatever the errno, an existing directory is fine.
        if (!is_dir(prefix)) {
          if (err == EEXIST) {
            return fail(ErrorKind::Exists,
                        fmt::format("make_dirs {}: {} exists and is not a directory", quote(path),
                                    quote(prefix)),
                        ENOTDIR);
          }
          return fail(Error::from_errno_value(err, "mkdir", quote(prefix)));
        }
      }
    }
    pos = next + 1;
  }
  return {};
}

Result<bool> path_exists(std::string_view path) {
  std::string c_path(path);
  struct stat st;
  if (::lstat(c_path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return fail(Error::from_errno("lstat", quote(path)));
}

Result<std::vector<std::string>> list_dir(std::string_view path) {
  std::vector<std::string> names;
  std::string p(path);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(p.c_str()), &::closedir);
  if (!dir) {
    if (errno == ENOENT) return names;
    return fail(Error::from_errno("opendir", fmt::format("{:?}", path)));
  }
  errno = 0;
  while (struct dirent* entry = ::readdir(dir.get())) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  if (errno != 0) return fail(Error::from_errno("readdir", fmt::format("{:?}", path)));
  return names;
}

Result<struct stat> stat_path(std::string_view path, bool follow_symlinks) {
  std::string c_path(path);
  struct stat st;
  int rc = follow_symlinks ? ::stat(c_path.c_str(), &st) : ::lstat(c_path.c_str(), &st);
  if (rc < 0) return fail(Error::from_errno(follow_symlinks ? "stat" : "lstat", quote(path)));
  return st;
}

Result<std::optional<std::string>> read_xattr(std::string_view path, std::string_view name) {
  std::string c_path(path);
  std::string c_name(name);
  std::string value;
  for (;;) {
    ssize_t size = ::getxattr(c_path.c_str(), c_name.c_str(), nullptr, 0);
    if (size >= 0) {
      value.resize(static_cast<size_t>(size));
      size = ::getxattr(c_path.c_str(), c_name.c_str(), value.data(), value.size());
    }
    if (size >= 0) {
      value.resize(static_cast<size_t>(size));
      return value;
    }
    if (errno == ERANGE) continue;  // grew between the two calls
    if (errno == ENODATA || errno == ENOTSUP) return std::nullopt;
    return fail(Error::from_errno("getxattr", fmt::format("{} {}", quote(path), quote(name))));
  }
}

namespace {

struct EntryInfo {
  mode_t mode;
  bool mount_root;
};

// lstat-like information about `name` in `dirfd`, including whether it is the root of a mount.
// statx's STATX_ATTR_MOUNT_ROOT (5.8) also catches bind mounts from the same file system, which
// an st_dev comparison misses; `parent_dev` is the fallback for older kernels.
Result<EntryInfo> entry_info(int dirfd, const char* name, dev_t parent_dev,
                             std::string_view display) {
  struct statx stx;
  if (::statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MODE, &stx) ==
      0) {
    bool mount_root = (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
                      (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
    dev_t dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
    return EntryInfo{static_cast<mode_t>(stx.stx_mode), mount_root || dev != parent_dev};
  }
  if (errno != ENOSYS) return fail(Error::from_errno("statx", quote(display)));
  struct stat st;
  if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    return fail(Error::from_errno("fstatat", quote(display)));
  }
  return EntryInfo{st.st_mode, st.st_dev != parent_dev};
}

Result<void> refuse_mount_point(std::string_view display) {
  return fail(Error::from_errno_value(EBUSY, "remove_all",
                                      fmt::format("{} (a mount point)", quote(display))));
}

// Opens directory `name` in `dirfd` without following symlinks, adding u+rwx if we lack search or
// read permission (a rootless caller owns the tree but the layer made it 0555 or 0000).
Result<UniqueFd> open_subdir(int dirfd, const char* name, mode_t mode, std::string_view display) {
  int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::openat(dirfd, name, flags);
  if (fd < 0 && errno == EACCES && ::fchmodat(dirfd, name, (mode & 07777) | S_IRWXU, 0) == 0) {
    fd = ::openat(dirfd, name, flags);
  }
  if (fd < 0) return fail(Error::from_errno("open", quote(display)));
  return UniqueFd(fd);
}

// Removes everything inside the directory `dirfd` (whose path, for messages, is `display`).
Result<void> remove_contents(int dirfd, dev_t dev, const std::string& display) {
  // Read all names first: removing entries while readdir() walks the same directory may skip some.
  std::vector<std::string> names;
  {
    UniqueFd copy = NOOK_TRY(dup_fd(dirfd));
    DIR* dir = ::fdopendir(copy.get());
    if (dir == nullptr) return fail(Error::from_errno("fdopendir", quote(display)));
    (void)copy.release();  // owned by `dir` now
    ScopeExit close_dir([dir] { ::closedir(dir); });
    ::rewinddir(dir);
    for (;;) {
      errno = 0;
      dirent* entry = ::readdir(dir);
      if (entry == nullptr) {
        if (errno != 0) return fail(Error::from_errno("readdir", quote(display)));
        break;
      }
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
  }

  bool made_writable = false;
  for (const std::string& name : names) {
    std::string child = join_path(display, name);
    auto info = entry_info(dirfd, name.c_str(), dev, child);
    if (!info) {
      if (info.error().sys_errno() == ENOENT) continue;  // removed concurrently
      return fail(info.error());
    }
    bool is_dir = S_ISDIR(info->mode);
    if (is_dir) {
      if (info->mount_root) return refuse_mount_point(child);
      auto sub = open_subdir(dirfd, name.c_str(), info->mode, child);
      if (!sub) {
        if (sub.error().sys_errno() == ENOENT) continue;
        return fail(sub.error());
      }
      NOOK_TRY_VOID(remove_contents(sub->get(), dev, child));
    }
    int flags = is_dir ? AT_REMOVEDIR : 0;
    int rc = ::unlinkat(dirfd, name.c_str(), flags);
    if (rc < 0 && errno == EACCES && !made_writable) {
      // The parent lacks u+w: add it once and retry (only helps when we own the directory).
      struct stat st;
      if (::fstat(dirfd, &st) == 0 && ::fchmod(dirfd, (st.st_mode & 07777) | S_IRWXU) == 0) {
        made_writable = true;
        rc = ::unlinkat(dirfd, name.c_str(), flags);
      }
    }
    if (rc < 0 && errno != ENOENT) {
      return fail(Error::from_errno(is_dir ? "rmdir" : "unlink", quote(child)));
    }
  }
  return {};
}

}  // namespace

Result<void> remove_all(std::string_view path) {
  if (path.empty()) return fail(ErrorKind::InvalidArgument, "remove_all: empty path");
  std::string full(path);
  while (full.size() > 1 && full.back() == '/') full.pop_back();

  struct stat st;
  if (::lstat(full.c_str(), &st) < 0) {
    if (errno == ENOENT) return {};
    return fail(Error::from_errno("lstat", quote(path)));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(full.c_str()) < 0 && errno != ENOENT) {
      return fail(Error::from_errno("unlink", quote(path)));
    }
    return {};
  }

  // The directory's own mount status is judged against its parent.
  size_t slash = full.rfind('/');
  std::string parent =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : full.substr(0, slash));
  std::string base = slash == std::string::npos ? full : full.substr(slash + 1);
  if (base == "/" || base.empty() || base == "." || base == "..") {
    return fail(ErrorKind::InvalidArgument, fmt::format("remove_all {}: refusing", quote(path)));
  }
  UniqueFd parent_fd = NOOK_TRY(open_file(parent, O_RDONLY | O_DIRECTORY));
  struct stat parent_st;
  if (::fstat(parent_fd.get(), &parent_st) < 0) {
    return fail(Error::from_errno("fstat", quote(parent)));
  }
  EntryInfo info = NOOK_TRY(entry_info(parent_fd.get(), base.c_str(), parent_st.st_dev, full));
  if (!S_ISDIR(info.mode)) {  // replaced since the lstat above
    if (::unlinkat(parent_fd.get(), base.c_str(), 0) < 0 && errno != ENOENT) {
      return fail(Error::from_errno("unlink", quote(path)));
    }
    return {};
  }
  if (info.mount_root) return refuse_mount_point(full);

  UniqueFd dir = NOOK_TRY(open_subdir(parent_fd.get(), base.c_str(), info.mode, full));
  NOOK_TRY_VOID(remove_contents(dir.get(), parent_st.st_dev, full));
  dir.reset();
  if (::unlinkat(parent_fd.get(), base.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT) {
    return fail(Error::from_errno("rmdir", quote(path)));
  }
  return {};
}

TempPath& TempPath::operator=(TempPath&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) (void)remove_all(path_);
    path_ = std::exchange(other.path_, std::string());
  }
  return *this;
}

TempPath::~TempPath() {
  if (path_.empty()) return;
  int saved = errno;
  (void)remove_all(path_);
  errno = saved;
}

Result<void> TempPath::remove() {
  std::string path = std::exchange(path_, std::string());
  if (path.empty()) return {};
  return remove_all(path);
}

Result<TempPath> make_temp_dir(std::string_view parent, std::string_view prefix) {
  std::string templ = join_path(parent, fmt::format("{}XXXXXX", prefix));
  if (::mkdtemp(templ.data()) == nullptr) return fail(Error::from_errno("mkdtemp", quote(templ)));
  return TempPath(std::move(templ));
}

}  // namespace nook::sys
