#include "lib/archive/extract.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lib/archive/libarchive_api.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/sys/syscall.h"

namespace nook::archive {
namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueName = ".wh..wh..opq";

struct ArchiveDeleter {
  const LibarchiveApi* ar;
  void operator()(struct archive* a) const { ar->read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

std::string q(std::string_view s) { return fmt::format("\"{}\"", s); }

Error corrupt(std::string_view entry, std::string_view what) {
  return Error(ErrorKind::Corrupt, fmt::format("entry {}: {}", q(entry), what));
}

Error sys_error(std::string_view entry, std::string_view call) {
  return Error::from_errno(call).context(fmt::format("entry {}", q(entry)));
}

std::string join(const std::vector<std::string>& comps, size_t count) {
  std::string out;
  for (size_t i = 0; i < count && i < comps.size(); ++i) {
    if (!out.empty()) out += '/';
    out += comps[i];
  }
  return out;
}


// Prefixes an error with the entry it is about.
template <class T>
Result<T> in_entry(Result<T> r, std::string_view entry) {
  if (!r) return fail(r.error().context(fmt::format("entry {}", q(entry))));
  return r;
}

// The process's umask, from /proc/self/status (umask(2) cannot read it without setting it, which
// other extracting threads would see); all bits set when unknown, so every mode gets a chmod.
mode_t process_umask() {
  auto status = sys::read_file("/proc/self/status");
  if (!status) return 07777;
  size_t at = status->find("\nUmask:\t");
  if (at == std::string::npos) return 07777;
  return static_cast<mode_t>(std::strtoul(status->c_str() + at + 8, nullptr, 8));
}

struct DeferredDir {
  mode_t mode = 0;
  struct timespec times[2] = {};
};

class Extractor {
 public:
  Extractor(const LibarchiveApi& ar, int root_fd, const ExtractOptions& options)
      : ar_(ar), root_fd_(root_fd), options_(options) {}

  Result<ExtractStats> run(struct archive* a);

 private:
  Result<void> handle_entry(struct archive* a, struct archive_entry* entry);
  // Opens the directory made of the first `count` components beneath the root, never following
  // a symlink; creates missing directories (0755) when `create`.
  Result<sys::UniqueFd> open_dir(const std::vector<std::string>& comps, size_t count, bool create,
                                 std::string_view entry);
  Result<void> remove_existing(int parent_fd, const std::string& name, std::string_view entry,
                               bool keep_dir);
  Result<void> remove_tree_at(int parent_fd, const std::string& name, std::string_view entry);
  Result<void> empty_dir(int dir_fd, const std::string& rel, std::string_view entry);
  // The parent directory of the entry `comps`, created when missing: the fd of the previous
  // entry's parent when it is the same directory (most tar entries follow their siblings), else
  // opened afresh. Borrowed: valid until the next call. A removal marks the cache stale.
  Result<int> parent_dir(const std::vector<std::string>& comps, std::string_view entry);
  // `owned` is who the kernel made the new file's owner (created_owner); chown is skipped when
  // the entry wants that owner.
  Result<void> apply_owner(int fd, const char* name, struct archive_entry* e, std::string_view p,
                           std::optional<std::pair<uid_t, gid_t>> owned = std::nullopt);
  // The owner a file created now in the cached parent gets: our fsuid, and our fsgid or, below a
  // setgid directory, the directory's group.
  std::pair<uid_t, gid_t> created_owner() const;
  Result<void> apply_xattrs(int fd, struct archive_entry* e, std::string_view p);
  Result<void> write_data(struct archive* a, int fd, std::string_view p);
  Result<void> whiteout(const std::vector<std::string>& comps, std::string_view p);
  Result<void> make_overlay_whiteout(int parent_fd, const std::string& name, std::string_view p);
  Result<void> finish_dirs();
  void mark_created(const std::vector<std::string>& comps);

  const LibarchiveApi& ar_;
  int root_fd_;
  const ExtractOptions& options_;
  ExtractStats stats_;
  std::map<std::string, DeferredDir> dirs_;
  std::set<std::string> created_;
  // parent_dir()'s cache.
  std::string parent_rel_;
  sys::UniqueFd parent_fd_;
  bool parent_valid_ = false;
  bool parent_setgid_ = false;
  gid_t parent_gid_ = 0;
  uid_t euid_ = ::geteuid();
  gid_t egid_ = ::getegid();
  mode_t umask_ = process_umask();
};

Result<sys::UniqueFd> Extractor::open_dir(const std::vector<std::string>& comps, size_t count,
                                          bool create, std::string_view entry) {
  if (count == 0) return sys::dup_fd(root_fd_);
  std::string rel = join(comps, count);
  auto fast = sys::openat2(root_fd_, rel, O_RDONLY | O_DIRECTORY, 0,
                           RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  if (fast) return std::move(*fast);
  int err = fast.error().sys_errno();
  if (fast.error().kind() != ErrorKind::Unsupported && err != ENOENT) {
    if (err == ELOOP || err == EXDEV || err == ENOTDIR) {
      return fail(corrupt(entry, fmt::format("parent {} goes through a symlink or a non-directory",
                                             q(rel))));
    }
    return fail(fast.error().context(fmt::format("entry {}", q(entry))));
  }
  // Component walk: ENOSYS, or a parent to create.
  sys::UniqueFd cur = NOOK_TRY(sys::dup_fd(root_fd_));
  for (size_t i = 0; i < count; ++i) {
    const std::string& comp = comps[i];
    auto next = sys::openat_file(cur.get(), comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (!next && next.error().sys_errno() == ENOENT && create) {
      if (::mkdirat(cur.get(), comp.c_str(), 0755) != 0 && errno != EEXIST) {
        return fail(sys_error(entry, fmt::format("mkdir {}", q(join(comps, i + 1)))));
      }
      next = sys::openat_file(cur.get(), comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    }
    if (!next) {
      int e = next.error().sys_errno();
      if (e == ELOOP || e == ENOTDIR) {
        return fail(corrupt(entry, fmt::format("parent {} goes through a symlink or a "
                                               "non-directory",
                                               q(join(comps, i + 1)))));
      }
      return fail(next.error().context(fmt::format("entry {}", q(entry))));
    }
    cur = std::move(*next);
  }
  return cur;
}

Result<int> Extractor::parent_dir(const std::vector<std::string>& comps, std::string_view entry) {
  size_t count = comps.size() - 1;
  std::string rel = join(comps, count);
  if (parent_valid_ && rel == parent_rel_) return parent_fd_.get();
  parent_valid_ = false;
  parent_fd_ = NOOK_TRY(open_dir(comps, count, true, entry));
  struct stat st {};
  if (::fstat(parent_fd_.get(), &st) != 0) return fail(sys_error(entry, "stat of its directory"));
  parent_setgid_ = (st.st_mode & S_ISGID) != 0;
  parent_gid_ = st.st_gid;
  parent_rel_ = std::move(rel);
  parent_valid_ = true;
  return parent_fd_.get();
}

std::pair<uid_t, gid_t> Extractor::created_owner() const {
  return {euid_, parent_setgid_ ? parent_gid_ : egid_};
}

Result<void> Extractor::remove_tree_at(int parent_fd, const std::string& name,
                                       std::string_view entry) {
  // A later entry may name a path through what goes here: look directories up afresh. The fd
  // stays open for the entry being handled.
  parent_valid_ = false;
  struct stat st {};
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return fail(sys_error(entry, fmt::format("stat {}", q(name))));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return fail(sys_error(entry, fmt::format("unlink {}", q(name))));
    }
    return {};
  }
  sys::UniqueFd dir = NOOK_TRY(
      in_entry(sys::openat_file(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW), entry));
  NOOK_TRY_VOID(empty_dir(dir.get(), std::string(), entry));
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return fail(sys_error(entry, fmt::format("rmdir {}", q(name))));
  }
  return {};
}

// Removes the children of `dir_fd`, except (when `rel` is not empty) those this layer created
// under the directory `rel`.
Result<void> Extractor::empty_dir(int dir_fd, const std::string& rel, std::string_view entry) {
  struct stat st {};
  if (::fstat(dir_fd, &st) == 0 && (st.st_mode & 0700) != 0700 && st.st_uid == ::geteuid()) {
    (void)::fchmod(dir_fd, (st.st_mode & 07777) | 0700);
  }
  sys::UniqueFd dup = NOOK_TRY(sys::dup_fd(dir_fd));
  DIR* d = ::fdopendir(dup.get());
  if (d == nullptr) return fail(sys_error(entry, "fdopendir"));
  (void)dup.release();
  std::vector<std::string> names;
  ::rewinddir(d);
  while (struct dirent* de = ::readdir(d)) {
    std::string n = de->d_name;
    if (n == "." || n == "..") continue;
    if (!rel.empty() && created_.contains(rel + "/" + n)) continue;
    names.push_back(std::move(n));
  }
  ::closedir(d);
  for (const std::string& n : names) NOOK_TRY_VOID(remove_tree_at(dir_fd, n, entry));
  return {};
}

Result<void> Extractor::remove_existing(int parent_fd, const std::string& name,
                                        std::string_view entry, bool keep_dir) {
  struct stat st {};
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return fail(sys_error(entry, "stat"));
  }
  if (keep_dir && S_ISDIR(st.st_mode)) return {};
  return remove_tree_at(parent_fd, name, entry);
}

Result<void> Extractor::apply_owner(int fd, const char* name, struct archive_entry* e,
                                    std::string_view p, std::optional<std::pair<uid_t, gid_t>> owned) {
  if (!options_.keep_ownership) return {};
  auto uid = static_cast<uid_t>(ar_.entry_uid(e));
  auto gid = static_cast<gid_t>(ar_.entry_gid(e));
  if (owned && owned->first == uid && owned->second == gid) return {};  // most entries: root's
  int rc = name == nullptr ? ::fchown(fd, uid, gid)
                           : ::fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
  if (rc != 0 && errno == EINVAL) {
    // The id is not mapped in our user namespace: as much a permission problem as EPERM.
    return fail(Error(ErrorKind::Permission,
                      fmt::format("entry {}: chown to {}:{}: id not mapped in the user namespace",
                                  q(p), uid, gid),
                      EINVAL));
  }
  if (rc != 0) return fail(sys_error(p, fmt::format("chown to {}:{}", uid, gid)));
  return {};
}

Result<void> Extractor::apply_xattrs(int fd, struct archive_entry* e, std::string_view p) {
  if (ar_.entry_xattr_reset(e) == 0) return {};
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  while (ar_.entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
    std::string_view n = name == nullptr ? std::string_view() : std::string_view(name);
    if (n.empty()) continue;
    if (options_.rootless && (n.starts_with("security.") || n.starts_with("trusted."))) continue;
    if (::fsetxattr(fd, name, value, size, 0) != 0) {
      return fail(sys_error(p, fmt::format("setxattr {}", q(n))));
    }
  }
  return {};
}

Result<void> Extractor::write_data(struct archive* a, int fd, std::string_view p) {
  const void* buf = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  int64_t end = 0;
  for (;;) {
    int r = ar_.read_data_block(a, &buf, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = ar_.error_string(a);
      return fail(corrupt(p, msg != nullptr ? msg : "reading the content failed"));
    }
    if (size == 0) continue;
    if (::lseek(fd, offset, SEEK_SET) < 0) return fail(sys_error(p, "lseek"));
    std::string_view chunk(static_cast<const char*>(buf), size);
    NOOK_TRY_VOID(in_entry(sys::write_all(fd, chunk), p));
    stats_.bytes += static_cast<int64_t>(size);
    end = std::max<int64_t>(end, offset + static_cast<int64_t>(size));
  }
  // Sparse files end with a hole.
  int64_t want = end;
  if (::lseek(fd, 0, SEEK_END) < want && ::ftruncate(fd, want) != 0) {
    return fail(sys_error(p, "ftruncate"));
  }
  return {};
}

Result<void> Extractor::make_overlay_whiteout(int parent_fd, const std::string& name,
                                              std::string_view p) {
  NOOK_TRY_VOID(remove_existing(parent_fd, name, p, false));
  if (::mknodat(parent_fd, name.c_str(), S_IFCHR | 0000, makedev(0, 0)) == 0) return {};
  if (errno != EPERM) return fail(sys_error(p, "mknod whiteout"));
  // xwhiteout fallback (see extract.h).
  std::string prefix = options_.rootless ? "user" : "trusted";
  sys::UniqueFd f = NOOK_TRY(
      in_entry(sys::openat_file(parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0), p));
  std::string attr = prefix + ".overlay.whiteout";
  if (::fsetxattr(f.get(), attr.c_str(), "", 0, 0) != 0) {
    return fail(sys_error(p, fmt::format("setxattr {}", q(attr))));
  }
  std::string dir_attr = prefix + ".overlay.whiteouts";
  if (::fsetxattr(parent_fd, dir_attr.c_str(), "", 0, 0) != 0) {
    return fail(sys_error(p, fmt::format("setxattr {}", q(dir_attr))));
  }
  return {};
}

Result<void> Extractor::whiteout(const std::vector<std::string>& comps, std::string_view p) {
  const std::string& base = comps.back();
  size_t parent_count = comps.size() - 1;
  std::string parent_rel = join(comps, parent_count);
  ++stats_.whiteouts;
  if (options_.whiteouts_as_overlay) {
    sys::UniqueFd parent = NOOK_TRY(open_dir(comps, parent_count, true, p));
    if (base == kOpaqueName) {
      std::string attr = options_.rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
      if (::fsetxattr(parent.get(), attr.c_str(), "y", 1, 0) != 0) {
        return fail(sys_error(p, fmt::format("setxattr {}", q(attr))));
      }
      return {};
    }
    std::string name = base.substr(kWhiteoutPrefix.size());
    return make_overlay_whiteout(parent.get(), name, p);
  }
  auto parent = open_dir(comps, parent_count, false, p);
  if (!parent) {
    if (parent.error().sys_errno() == ENOENT) return {};  // nothing below to delete
    return fail(parent.error());
  }
  if (base == kOpaqueName) {
    std::string rel = parent_rel.empty() ? std::string(".") : parent_rel;
    if (parent_rel.empty()) {
      // The root: keep everything this layer created at the top level.
      sys::UniqueFd dup = NOOK_TRY(sys::dup_fd(parent->get()));
      DIR* d = ::fdopendir(dup.get());
      if (d == nullptr) return fail(sys_error(p, "fdopendir"));
      (void)dup.release();
      std::vector<std::string> names;
      while (struct dirent* de = ::readdir(d)) {
        std::string n = de->d_name;
        if (n == "." || n == ".." || created_.contains(n)) continue;
        names.push_back(std::move(n));
      }
      ::closedir(d);
      for (const std::string& n : names) NOOK_TRY_VOID(remove_tree_at(parent->get(), n, p));
      return {};
    }
    return empty_dir(parent->get(), rel, p);
  }
  return remove_tree_at(parent->get(), base.substr(kWhiteoutPrefix.size()), p);
}

void Extractor::mark_created(const std::vector<std::string>& comps) {
  for (size_t i = 1; i <= comps.size(); ++i) created_.insert(join(comps, i));
}

Result<void> Extractor::handle_entry(struct archive* a, struct archive_entry* e) {
  const char* raw = ar_.entry_pathname_utf8(e);
  if (raw == nullptr) raw = ar_.entry_pathname(e);
  if (raw == nullptr) return fail(ErrorKind::Corrupt, "entry without a name");
  std::string p = raw;
  std::vector<std::string> comps;
  if (!split_entry_path(p, comps)) return fail(corrupt(p, "path leaves the layer directory"));
  mode_t type = ar_.entry_filetype(e);
  const char* link_raw = ar_.entry_hardlink_utf8(e);
  if (link_raw == nullptr) link_raw = ar_.entry_hardlink(e);

  if (comps.empty()) {  // the layer root itself ("./")
    if (link_raw == nullptr && type == AE_IFDIR) {
      NOOK_TRY_VOID(apply_owner(root_fd_, nullptr, e, p));
      NOOK_TRY_VOID(apply_xattrs(root_fd_, e, p));
      DeferredDir& d = dirs_[""];
      d.mode = ar_.entry_perm(e);
      d.times[0] = {ar_.entry_mtime(e), ar_.entry_mtime_nsec(e)};
      d.times[1] = d.times[0];
      return {};
    }
    return fail(corrupt(p, "only a directory can name the layer root"));
  }

  const std::string& base = comps.back();
  if (base.starts_with(kWhiteoutPrefix)) {
    if (base != kOpaqueName && base.size() == kWhiteoutPrefix.size()) {
      return fail(corrupt(p, "whiteout without a name"));
    }
    return whiteout(comps, p);
  }

  int parent = NOOK_TRY(parent_dir(comps, p));
  mark_created(comps);
  struct timespec times[2] = {{ar_.entry_mtime(e), ar_.entry_mtime_nsec(e)}, {}};
  times[1] = times[0];
  if (ar_.entry_atime_is_set(e) != 0) {
    times[0] = {ar_.entry_atime(e), ar_.entry_atime_nsec(e)};
  }
  mode_t perm = ar_.entry_perm(e) & 07777;

  if (link_raw != nullptr) {
    std::vector<std::string> target;
    if (!split_entry_path(link_raw, target) || target.empty()) {
      return fail(corrupt(p, fmt::format("hard link target {} leaves the layer directory",
                                         q(link_raw))));
    }
    auto tparent = open_dir(target, target.size() - 1, false, p);
    if (!tparent) {
      if (tparent.error().kind() == ErrorKind::Corrupt) return fail(tparent.error());
      return fail(corrupt(p, fmt::format("hard link target {} was not extracted",
                                         q(link_raw))));
    }
    struct stat tst {};
    if (::fstatat(tparent->get(), target.back().c_str(), &tst, AT_SYMLINK_NOFOLLOW) != 0) {
      return fail(corrupt(p, fmt::format("hard link target {} was not extracted",
                                         q(link_raw))));
    }
    if (S_ISDIR(tst.st_mode)) {
      return fail(corrupt(p, fmt::format("hard link target {} is a directory", q(link_raw))));
    }
    struct stat dst {};
    if (::fstatat(parent, base.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0 &&
        dst.st_dev == tst.st_dev && dst.st_ino == tst.st_ino) {
      ++stats_.hardlinks;
      return {};
    }
    NOOK_TRY_VOID(remove_existing(parent, base, p, false));
    if (::linkat(tparent->get(), target.back().c_str(), parent, base.c_str(), 0) != 0) {
      return fail(sys_error(p, fmt::format("link to {}", q(link_raw))));
    }
    ++stats_.hardlinks;
    return {};
  }

  switch (type) {
    case AE_IFDIR: {
      std::optional<std::pair<uid_t, gid_t>> owned = created_owner();
      if (::mkdirat(parent, base.c_str(), 0700) != 0) {
        if (errno != EEXIST) return fail(sys_error(p, "mkdir"));
        // Something is there already: a directory stays (merged), anything else goes.
        owned.reset();
        NOOK_TRY_VOID(remove_existing(parent, base, p, true));
        if (::mkdirat(parent, base.c_str(), 0700) != 0 && errno != EEXIST) {
          return fail(sys_error(p, "mkdir"));
        }
      }
      sys::UniqueFd dir = NOOK_TRY(
          in_entry(sys::openat_file(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW), p));
      NOOK_TRY_VOID(apply_owner(dir.get(), nullptr, e, p, owned));
      NOOK_TRY_VOID(apply_xattrs(dir.get(), e, p));
      DeferredDir& d = dirs_[join(comps, comps.size())];
      d.mode = perm;
      d.times[0] = times[0];
      d.times[1] = times[1];
      ++stats_.dirs;
      return {};
    }
    case AE_IFREG: {
      // Created exclusively; only when something is in the way is it removed first.
      // With its final mode when the umask leaves it whole and it has no setuid, setgid or
      // sticky bit (a chown would clear those): no chmod then.
      constexpr int kCreate = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
      bool mode_at_create = (perm & 07000) == 0 && (perm & umask_) == 0;
      mode_t create_mode = mode_at_create ? perm : 0600;
      auto opened = sys::openat_file(parent, base, kCreate, create_mode);
      if (!opened && opened.error().sys_errno() == EEXIST) {
        NOOK_TRY_VOID(remove_existing(parent, base, p, false));
        opened = sys::openat_file(parent, base, kCreate, create_mode);
      }
      sys::UniqueFd f = NOOK_TRY(in_entry(std::move(opened), p));
      NOOK_TRY_VOID(write_data(a, f.get(), p));
      NOOK_TRY_VOID(apply_owner(f.get(), nullptr, e, p, created_owner()));
      NOOK_TRY_VOID(apply_xattrs(f.get(), e, p));
      if (!mode_at_create && ::fchmod(f.get(), perm) != 0) return fail(sys_error(p, "chmod"));
      if (::futimens(f.get(), times) != 0) return fail(sys_error(p, "utimensat"));
      ++stats_.files;
      return {};
    }
    case AE_IFLNK: {
      const char* target = ar_.entry_symlink_utf8(e);
      if (target == nullptr) target = ar_.entry_symlink(e);
      if (target == nullptr) return fail(corrupt(p, "symlink without a target"));
      if (::symlinkat(target, parent, base.c_str()) != 0) {
        if (errno != EEXIST) return fail(sys_error(p, "symlink"));
        NOOK_TRY_VOID(remove_existing(parent, base, p, false));
        if (::symlinkat(target, parent, base.c_str()) != 0) return fail(sys_error(p, "symlink"));
      }
      NOOK_TRY_VOID(apply_owner(parent, base.c_str(), e, p, created_owner()));
      if (::utimensat(parent, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        return fail(sys_error(p, "utimensat"));
      }
      ++stats_.symlinks;
      return {};
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
      dev_t rdev = ar_.entry_rdev(e);
      if (type == AE_IFCHR && rdev == makedev(0, 0)) {
        // A whiteout device shipped as such.
        NOOK_TRY_VOID(make_overlay_whiteout(parent, base, p));
        ++stats_.whiteouts;
        return {};
      }
      if (type != AE_IFIFO && options_.rootless) {
        ++stats_.skipped_devices;
        return {};
      }
      NOOK_TRY_VOID(remove_existing(parent, base, p, false));
      if (::mknodat(parent, base.c_str(), type | perm, type == AE_IFIFO ? 0 : rdev) != 0) {
        return fail(sys_error(p, "mknod"));
      }
      NOOK_TRY_VOID(apply_owner(parent, base.c_str(), e, p));
      if (::fchmodat(parent, base.c_str(), perm, 0) != 0) return fail(sys_error(p, "chmod"));
      if (::utimensat(parent, base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        return fail(sys_error(p, "utimensat"));
      }
      ++stats_.files;
      return {};
    }
    default:
      ++stats_.skipped_devices;  // sockets and unknown types
      return {};
  }
}

Result<void> Extractor::finish_dirs() {
  // Deepest first, so no later step touches a directory whose mtime was set.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    std::vector<std::string> comps;
    (void)split_entry_path(it->first, comps);
    sys::UniqueFd dir = NOOK_TRY(open_dir(comps, comps.size(), false, it->first));
    if (::fchmod(dir.get(), it->second.mode) != 0) return fail(sys_error(it->first, "chmod"));
    if (::futimens(dir.get(), it->second.times) != 0) {
      return fail(sys_error(it->first, "utimensat"));
    }
  }
  return {};
}

Result<ExtractStats> Extractor::run(struct archive* a) {
  struct archive_entry* entry = nullptr;
  for (;;) {
    int r = ar_.read_next_header(a, &entry);
    if (r == ARCHIVE_EOF) break;
    if (r == ARCHIVE_RETRY) continue;
    if (r < ARCHIVE_WARN) {
      const char* msg = ar_.error_string(a);
      return fail(ErrorKind::Corrupt,
                  fmt::format("reading layer: {}", msg != nullptr ? msg : "malformed archive"));
    }
    NOOK_TRY_VOID(handle_entry(a, entry));
  }
  NOOK_TRY_VOID(finish_dirs());
  return stats_;
}

Result<ArchivePtr> new_reader(const LibarchiveApi& ar) {
  ArchivePtr a(ar.read_new(), ArchiveDeleter{&ar});
  if (!a) return fail(ErrorKind::System, "archive_read_new failed");
  if (ar.read_support_filter_all(a.get()) < ARCHIVE_WARN ||
      ar.read_support_format_tar(a.get()) != ARCHIVE_OK ||
      ar.read_support_format_empty(a.get()) != ARCHIVE_OK) {
    return fail(ErrorKind::Internal, "setting up the layer reader failed");
  }
  return a;
}

Result<ExtractStats> extract(const LibarchiveApi& ar, struct archive* a, std::string_view target_dir,
                             const ExtractOptions& options) {
  sys::UniqueFd root = NOOK_TRY(sys::open_file(target_dir, O_RDONLY | O_DIRECTORY));
  Extractor ex(ar, root.get(), options);
  auto r = ex.run(a);
  if (!r) return fail(r.error().context(fmt::format("extracting layer into {}", q(target_dir))));
  return r;
}

}  // namespace

bool split_entry_path(std::string_view path, std::vector<std::string>& comps) {
  comps.clear();
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(pos, end - pos);
    pos = end + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      if (comps.empty()) return false;
      comps.pop_back();
      continue;
    }
    comps.emplace_back(comp);
  }
  return true;
}

Result<ExtractStats> extract_layer(int input_fd, std::string_view target_dir,
                                   const ExtractOptions& options) {
  const LibarchiveApi& ar = *NOOK_TRY(libarchive_api());
  ArchivePtr a = NOOK_TRY(new_reader(ar));
  if (ar.read_open_fd(a.get(), input_fd, 128 * 1024) != ARCHIVE_OK) {
    const char* msg = ar.error_string(a.get());
    return fail(ErrorKind::Corrupt,
                fmt::format("opening layer: {}", msg != nullptr ? msg : "failed"));
  }
  return extract(ar, a.get(), target_dir, options);
}

Result<ExtractStats> extract_layer_memory(std::string_view data, std::string_view target_dir,
                                          const ExtractOptions& options) {
  const LibarchiveApi& ar = *NOOK_TRY(libarchive_api());
  ArchivePtr a = NOOK_TRY(new_reader(ar));
  if (ar.read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    const char* msg = ar.error_string(a.get());
    return fail(ErrorKind::Corrupt,
                fmt::format("opening layer: {}", msg != nullptr ? msg : "failed"));
  }
  return extract(ar, a.get(), target_dir, options);
}

}  // namespace nook::archive
