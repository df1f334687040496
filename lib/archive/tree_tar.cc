// Directory trees to tar (see tree_tar.h).
#include "lib/archive/tree_tar.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "lib/archive/libarchive_api.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"

namespace nook::archive {

namespace {

constexpr size_t kChunk = 1 << 20;

using EntryPtr = std::unique_ptr<archive_entry, void (*)(archive_entry*)>;

bool is_overlay_xattr(std::string_view name) {
  return name.starts_with("trusted.overlay.") || name.starts_with("user.overlay.");
}

// Path through the descriptor for the l*xattr calls (which take paths, not O_PATH descriptors).
std::string fd_path(int dirfd, std::string_view name) { return fmt::format("/proc/self/fd/{}/{}", dirfd, name); }

std::optional<std::string> get_xattr(const std::string& path, const char* name, bool follow = false) {
  std::string value(256, '\0');
  for (int attempt = 0; attempt < 4; ++attempt) {
    ssize_t n = follow ? ::getxattr(path.c_str(), name, value.data(), value.size())
                       : ::lgetxattr(path.c_str(), name, value.data(), value.size());
    if (n >= 0) {
      value.resize(static_cast<size_t>(n));
      return value;
    }
    if (errno != ERANGE) return std::nullopt;
    ssize_t need = follow ? ::getxattr(path.c_str(), name, nullptr, 0) : ::lgetxattr(path.c_str(), name, nullptr, 0);
    if (need < 0) return std::nullopt;
    value.resize(static_cast<size_t>(need));
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> list_xattrs(const std::string& path, bool follow) {
  std::vector<std::pair<std::string, std::string>> out;
  ssize_t size = follow ? ::listxattr(path.c_str(), nullptr, 0) : ::llistxattr(path.c_str(), nullptr, 0);
  if (size <= 0) return out;
  std::string names(static_cast<size_t>(size), '\0');
  size = follow ? ::listxattr(path.c_str(), names.data(), names.size())
                : ::llistxattr(path.c_str(), names.data(), names.size());
  if (size <= 0) return out;
  names.resize(static_cast<size_t>(size));
  for (size_t pos = 0; pos < names.size();) {
    std::string name = names.c_str() + pos;
    pos += name.size() + 1;
    if (name.empty() || is_overlay_xattr(name)) continue;
    if (auto value = get_xattr(path, name.c_str(), follow)) out.emplace_back(name, *value);
  }
  return out;
}

Result<std::vector<std::string>> sorted_names(int dirfd) {
  sys::UniqueFd fd = NOOK_TRY(sys::openat_file(dirfd, ".", O_RDONLY | O_DIRECTORY));
  DIR* dir = ::fdopendir(fd.get());
  if (dir == nullptr) return fail(Error::from_errno("fdopendir", "a directory being archived"));
  (void)fd.release();
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  int saved = errno;
  ::closedir(dir);
  if (saved != 0) {
    errno = saved;
    return fail(Error::from_errno("readdir", "a directory being archived"));
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

OverlayKind classify_overlay_entry(bool is_dir, bool is_char_dev_0_0, bool whiteout_xattr,
                                   const std::optional<std::string>& opaque_value) {
  if (is_char_dev_0_0 || (!is_dir && whiteout_xattr)) return OverlayKind::Whiteout;
  if (is_dir && opaque_value && *opaque_value == "y") return OverlayKind::OpaqueDir;
  return OverlayKind::Plain;
}

std::string whiteout_name(std::string_view name) { return ".wh." + std::string(name); }

struct TarWriter::Impl {
  const LibarchiveApi& ar;
  struct archive* a = nullptr;
  TarSink sink;
  std::optional<Error> io_error;
  std::map<std::pair<dev_t, ino_t>, std::string> links;  // first archive name of a multi-link file
  std::vector<char> buffer = std::vector<char>(kChunk);

  Impl(const LibarchiveApi& api, TarSink s) : ar(api), a(api.write_new()), sink(std::move(s)) {}
  ~Impl() {
    if (a != nullptr) ar.write_free(a);
  }

  static la_ssize_t write_cb(struct archive*, void* self, const void* buf, size_t size) {
    auto* me = static_cast<Impl*>(self);
    auto r = me->sink(std::span<const char>(static_cast<const char*>(buf), size));
    if (!r) {
      me->io_error = r.error();
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  }

  Error write_error() const {
    if (io_error) return *io_error;
    const char* s = ar.error_string(a);
    return Error(ErrorKind::System, fmt::format("writing the archive: {}", s != nullptr ? s : "unknown error"));
  }

  EntryPtr new_entry(const std::string& name, const struct stat& st, const TreeTarOptions& options) {
    EntryPtr e(ar.entry_new(), ar.entry_free);
    ar.entry_set_pathname(e.get(), name.c_str());
    ar.entry_set_perm(e.get(), st.st_mode & 07777);
    ar.entry_set_uid(e.get(), options.uid ? *options.uid : st.st_uid);
    ar.entry_set_gid(e.get(), options.gid ? *options.gid : st.st_gid);
    ar.entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    return e;
  }

  Result<void> write_header(archive_entry* e) {
    if (ar.write_header(a, e) != ARCHIVE_OK) return fail(write_error());
    return {};
  }

  Result<void> add_entry(int dirfd, const std::string& path, const std::string& name, const TreeTarOptions& options) {
    struct stat st {};
    if (::fstatat(dirfd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail(Error::from_errno("stat", name));
    bool is_dir = S_ISDIR(st.st_mode);
    std::string xpath = fd_path(dirfd, path);
    if (options.overlay_whiteouts) {
      bool char00 = S_ISCHR(st.st_mode) && st.st_rdev == 0;
      bool wh_xattr = S_ISREG(st.st_mode) && st.st_size == 0 &&
                      (get_xattr(xpath, "user.overlay.whiteout") || get_xattr(xpath, "trusted.overlay.whiteout"));
      std::optional<std::string> opaque;
      if (is_dir) {
        opaque = get_xattr(xpath, "user.overlay.opaque");
        if (!opaque) opaque = get_xattr(xpath, "trusted.overlay.opaque");
      }
      OverlayKind kind = classify_overlay_entry(is_dir, char00, wh_xattr, opaque);
      if (kind == OverlayKind::Whiteout) {
        size_t slash = name.rfind('/');
        std::string wh = slash == std::string::npos ? whiteout_name(name)
                                                    : name.substr(0, slash + 1) + whiteout_name(name.substr(slash + 1));
        struct stat plain = st;
        plain.st_mode = S_IFREG | 0644;
        EntryPtr e = new_entry(wh, plain, options);
        ar.entry_set_filetype(e.get(), AE_IFREG);
        ar.entry_set_size(e.get(), 0);
        return write_header(e.get());
      }
      if (kind == OverlayKind::OpaqueDir) {
        NOOK_TRY_VOID(add_plain(dirfd, path, name, st, xpath, false, options));
        struct stat plain = st;
        plain.st_mode = S_IFREG | 0644;
        EntryPtr e = new_entry(name + "/.wh..wh..opq", plain, options);
        ar.entry_set_filetype(e.get(), AE_IFREG);
        ar.entry_set_size(e.get(), 0);
        NOOK_TRY_VOID(write_header(e.get()));
        return add_children(dirfd, path, name, options);
      }
    }
    NOOK_TRY_VOID(add_plain(dirfd, path, name, st, xpath, false, options));
    if (is_dir) return add_children(dirfd, path, name, options);
    return {};
  }

  // What `fd` (O_PATH is enough) is, through /proc/self/fd (so never a symlink).
  Result<void> add_fd(int fd, const std::string& name, const TreeTarOptions& options) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return fail(Error::from_errno("stat", name));
    std::string proc = fmt::format("/proc/self/fd/{}", fd);
    NOOK_TRY_VOID(add_plain(AT_FDCWD, proc, name, st, proc, true, options));
    if (S_ISDIR(st.st_mode)) return add_contents(fd, name + "/", options);
    return {};
  }

  Result<void> add_children(int dirfd, const std::string& path, const std::string& name, const TreeTarOptions& options) {
    sys::UniqueFd sub = NOOK_TRY(sys::openat_file(dirfd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW));
    return add_contents(sub.get(), name + "/", options);
  }

  Result<void> add_contents(int dirfd, const std::string& prefix, const TreeTarOptions& options) {
    std::vector<std::string> names = NOOK_TRY(sorted_names(dirfd));
    for (const std::string& child : names) NOOK_TRY_VOID(add_entry(dirfd, child, prefix + child, options));
    return {};
  }

  Result<void> add_plain(int dirfd, const std::string& path, const std::string& name, const struct stat& st,
                         const std::string& xpath, bool follow, const TreeTarOptions& options) {
    EntryPtr e = new_entry(S_ISDIR(st.st_mode) ? name + "/" : name, st, options);
    for (const auto& [key, value] : list_xattrs(xpath, follow)) {
      ar.entry_xattr_add_entry(e.get(), key.c_str(), value.data(), value.size());
    }
    switch (st.st_mode & S_IFMT) {
      case S_IFDIR:
        ar.entry_set_filetype(e.get(), AE_IFDIR);
        return write_header(e.get());
      case S_IFLNK: {
        std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 255) + 1, '\0');
        ssize_t n = ::readlinkat(dirfd, path.c_str(), target.data(), target.size());
        if (n < 0) return fail(Error::from_errno("readlink", name));
        target.resize(static_cast<size_t>(n));
        ar.entry_set_filetype(e.get(), AE_IFLNK);
        ar.entry_set_symlink(e.get(), target.c_str());
        return write_header(e.get());
      }
      case S_IFCHR:
      case S_IFBLK:
        ar.entry_set_filetype(e.get(), S_ISCHR(st.st_mode) ? AE_IFCHR : AE_IFBLK);
        ar.entry_set_rdev(e.get(), st.st_rdev);
        return write_header(e.get());
      case S_IFIFO:
        ar.entry_set_filetype(e.get(), AE_IFIFO);
        return write_header(e.get());
      case S_IFREG:
        break;
      default:
        return {};  // sockets
    }
    ar.entry_set_filetype(e.get(), AE_IFREG);
    if (st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto it = links.find(key);
      if (it != links.end()) {
        ar.entry_set_hardlink(e.get(), it->second.c_str());
        ar.entry_set_size(e.get(), 0);
        return write_header(e.get());
      }
      links.emplace(key, name);
    }
    sys::UniqueFd fd = NOOK_TRY(sys::openat_file(dirfd, path, O_RDONLY | (follow ? 0 : O_NOFOLLOW)));
    ar.entry_set_size(e.get(), st.st_size);
    NOOK_TRY_VOID(write_header(e.get()));
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buffer.data(), std::min<int64_t>(left, static_cast<int64_t>(buffer.size())));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(Error::from_errno("read", name));
      }
      if (n == 0) break;
      if (ar.write_data(a, buffer.data(), static_cast<size_t>(n)) < 0) return fail(write_error());
      left -= n;
    }
    if (left > 0) {
      // The file shrank while we read it: pad with zeros as the header promised.
      std::fill(buffer.begin(), buffer.end(), '\0');
      while (left > 0) {
        size_t n = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buffer.size())));
        if (ar.write_data(a, buffer.data(), n) < 0) return fail(write_error());
        left -= static_cast<int64_t>(n);
      }
    }
    if (ar.write_finish_entry(a) != ARCHIVE_OK) return fail(write_error());
    return {};
  }
};

TarWriter::TarWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TarWriter::TarWriter(TarWriter&&) noexcept = default;
TarWriter& TarWriter::operator=(TarWriter&&) noexcept = default;
TarWriter::~TarWriter() = default;

Result<TarWriter> TarWriter::create(TarSink sink) {
  const LibarchiveApi& ar = *NOOK_TRY(libarchive_api());
  auto impl = std::make_unique<Impl>(ar, std::move(sink));
  if (impl->a == nullptr) return fail(ErrorKind::System, "archive_write_new failed");
  ar.write_set_format_pax_restricted(impl->a);
  ar.write_set_bytes_per_block(impl->a, 10240);
  if (ar.write_open(impl->a, impl.get(), nullptr, &Impl::write_cb, nullptr) != ARCHIVE_OK) {
    return fail(impl->write_error());
  }
  return TarWriter(std::move(impl));
}

Result<void> TarWriter::add_tree(int dirfd, std::string_view path, std::string_view name,
                                 const TreeTarOptions& options) {
  return impl_->add_entry(dirfd, std::string(path), std::string(name), options);
}

Result<void> TarWriter::add_fd(int fd, std::string_view name, const TreeTarOptions& options) {
  return impl_->add_fd(fd, std::string(name), options);
}

Result<void> TarWriter::add_contents(int dirfd, std::string_view prefix, const TreeTarOptions& options) {
  return impl_->add_contents(dirfd, std::string(prefix), options);
}

Result<void> TarWriter::finish() {
  if (impl_->ar.write_close(impl_->a) != ARCHIVE_OK) return fail(impl_->write_error());
  return {};
}

}  // namespace nook::archive
