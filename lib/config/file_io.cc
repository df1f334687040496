#include "lib/config/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

namespace nook::config {

namespace {

// Closes an fd on scope exit (lib/sys may not exist yet; this file stays on plain libc).
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

std::string quote_path(std::string_view path) { return fmt::format("\"{}\"", path); }

}  // namespace

std::string parent_dir(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string join_path(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string result(a);
  while (result.size() > 1 && result.back() == '/') result.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (result.back() != '/') result += '/';
  result += b;
  return result;
}

Result<std::string> read_text_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(Error::from_errno("open", quote_path(path)));
  FdCloser closer(fd);
  struct stat st {};
  if (fstat(fd, &st) != 0) return fail(Error::from_errno("stat", quote_path(path)));
  if (S_ISDIR(st.st_mode)) {
    return fail(ErrorKind::InvalidArgument, fmt::format("{} is a directory, not a file", quote_path(path)),
                EISDIR);
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("read", quote_path(path)));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

Result<bool> path_exists(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return fail(Error::from_errno("stat", quote_path(path)));
}

Result<std::vector<std::string>> list_drop_ins(const std::string& dir) {
  std::vector<std::string> names;
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return names;
    return fail(Error::from_errno("opendir", quote_path(dir)));
  }
  for (;;) {
    errno = 0;
    struct dirent* entry = readdir(handle);
    if (entry == nullptr) {
      if (errno != 0) {
        Error error = Error::from_errno("readdir", quote_path(dir));
        closedir(handle);
        return fail(std::move(error));
      }
      break;
    }
    std::string_view name(entry->d_name);
    if (name == "." || name == ".." || !name.ends_with(".conf")) continue;
    bool is_dir = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN || entry->d_type == DT_LNK) {
      struct stat st {};
      is_dir = fstatat(dirfd(handle), entry->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
    }
    if (!is_dir) names.emplace_back(name);
  }
  closedir(handle);
  std::sort(names.begin(), names.end());
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const std::string& name : names) paths.push_back(join_path(dir, name));
  return paths;
}

Result<void> make_dirs(const std::string& dir, mode_t mode) {
  if (dir.empty()) return {};
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return fail(ErrorKind::Exists, fmt::format("{} exists and is not a directory", quote_path(dir)),
                ENOTDIR);
  }
  std::string parent = parent_dir(dir);
  if (parent != dir) NOOK_TRY_VOID(make_dirs(parent, mode));
  if (mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return fail(Error::from_errno("mkdir", quote_path(dir)));
  }
  return {};
}

Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
  std::string dir = parent_dir(path);
  NOOK_TRY_VOID(make_dirs(dir, 0700));
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string temp = join_path(dir, "." + base + ".tmp-XXXXXX");
  int fd = mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return fail(Error::from_errno("mkstemp", quote_path(temp)));
  FdCloser closer(fd);
  auto abandon = [&](Error error) -> Result<void> {
    unlink(temp.c_str());
    return fail(std::move(error));
  };
  if (fchmod(fd, mode) != 0) return abandon(Error::from_errno("chmod", quote_path(temp)));
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return abandon(Error::from_errno("write", quote_path(temp)));
    }
    written += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return abandon(Error::from_errno("fsync", quote_path(temp)));
  if (close(closer.release()) != 0) return abandon(Error::from_errno("close", quote_path(temp)));
  if (rename(temp.c_str(), path.c_str()) != 0) {
    return abandon(Error::from_errno("rename", fmt::format("{} to {}", quote_path(temp), quote_path(path))));
  }
  // Make the rename durable; a failure here does not undo the write, so it is not reported.
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return {};
}

}  // namespace nook::config
