// Shared fixtures for the lib/config unit tests: a real temp dir (ninja's ScopedTempDir) and fake
// Environments rooted in it.
#pragma once

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "lib/config/environment.h"
#include "lib/config/file_io.h"

namespace nook::config::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/nook-config-test-XXXXXX";
    char* made = mkdtemp(pattern.data());
    if (made == nullptr) std::abort();
    path_ = made;
  }
  ~TempDir() {
    nftw(path_.c_str(), [](const char* p, const struct stat*, int, struct FTW*) { return remove(p); }, 16,
         FTW_DEPTH | FTW_PHYS);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(std::string_view rel) const { return join_path(path_, rel); }

 private:
  std::string path_;
};

// Writes `content` to `path`, creating parent directories.
inline void write_file(const std::string& path, std::string_view content) {
  ASSERT_TRUE(make_dirs(parent_dir(path), 0755).has_value()) << path;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

inline void make_dir(const std::string& path, mode_t mode = 0755) {
  ASSERT_TRUE(make_dirs(path, mode).has_value()) << path;
}

inline mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// A uid the tests can act as a rootless user with: our own when we are not root, else 1000 (and
// directories that must belong to the user are chowned to it).
inline uid_t rootless_uid() { return geteuid() == 0 ? 1000 : geteuid(); }

inline void give_to(const std::string& path, uid_t uid) {
  if (geteuid() == 0) {
    ASSERT_EQ(chown(path.c_str(), uid, static_cast<gid_t>(-1)), 0) << path;
  }
}

// A rootless user whose HOME, XDG_RUNTIME_DIR (mode 0700, owned by the user), TMPDIR and system
// paths all live under `dir`. No XDG_CONFIG_HOME/XDG_DATA_HOME: the ~/.config defaults apply.
inline Environment rootless_env(const TempDir& dir) {
  Environment env;
  env.uid = rootless_uid();
  env.euid = env.uid;
  env.home = dir / "home/user";
  env.user_name = "user";
  env.system_root = dir / "sys";
  std::string run = dir / "run/user";
  make_dir(env.home);
  make_dir(env.system_root);
  make_dir(dir / "tmp", 0777);
  make_dir(run, 0700);
  give_to(run, env.uid);
  env.vars = {{"HOME", env.home}, {"XDG_RUNTIME_DIR", run}, {"TMPDIR", dir / "tmp"}, {"USER", "user"}};
  return env;
}

// Root with system paths under `dir` and no XDG_RUNTIME_DIR.
inline Environment root_env(const TempDir& dir) {
  Environment env;
  env.uid = 0;
  env.euid = 0;
  env.home = dir / "root";
  env.user_name = "root";
  env.system_root = dir / "sys";
  make_dir(env.home);
  make_dir(env.system_root);
  env.vars = {{"HOME", env.home}};
  return env;
}

}  // namespace nook::config::testing
