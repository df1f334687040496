#include "lib/config/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "lib/sys/file.h"

namespace nook::config {

namespace {

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
  sys::UniqueFd fd = NOOK_TRY(sys::open_file(path, O_RDONLY | O_NOCTTY));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return fail(Error::from_errno("stat", quote_path(path)));
  if (S_ISDIR(st.st_mode)) {
    return fail(ErrorKind::InvalidArgument, fmt::format("{} is a directory, not a file", quote_path(path)),
                EISDIR);
  }
  auto content = sys::read_all(fd.get());
  if (!content) return fail(content.error().context(fmt::format("reading {}", quote_path(path))));
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
  return sys::make_dirs(dir, mode);
}

Result<void> write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
  NOOK_TRY_VOID(make_dirs(parent_dir(path), 0700));
  return sys::write_file_atomic(path, content, mode);
}

}  // namespace nook::config
