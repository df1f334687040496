#include "lib/config/environment.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <vector>

extern char** environ;

namespace nook::config {

namespace {

struct PasswdFacts {
  std::string home;
  std::string name;
};

std::optional<PasswdFacts> passwd_for(uid_t uid) {
  long suggested = sysconf(_SC_GETPW_R_SIZE_MAX);
  size_t size = suggested > 0 ? static_cast<size_t>(suggested) : 4096;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<char> buffer(size);
    struct passwd entry {};
    struct passwd* found = nullptr;
    int err = getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
    if (err == ERANGE) {
      size *= 2;
      continue;
    }
    if (err != 0 || found == nullptr) return std::nullopt;
    PasswdFacts facts;
    if (entry.pw_dir != nullptr) facts.home = entry.pw_dir;
    if (entry.pw_name != nullptr) facts.name = entry.pw_name;
    return facts;
  }
  return std::nullopt;
}

}  // namespace

Environment Environment::from_process() {
  Environment env;
  env.uid = getuid();
  env.euid = geteuid();
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    // The first definition wins, as getenv() does.
    env.vars.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  if (env.uid == 0 && env.vars.contains("_NOOK_ROOTLESS_UID")) {
    // Only a user namespace that does not map uid 0 to the host's root counts (a stale variable
    // in a real root shell does not make root rootless).
    std::ifstream map("/proc/self/uid_map");
    unsigned long inside = 1, outside = 1;
    env.in_rootless_userns = static_cast<bool>(map >> inside >> outside) && inside == 0 && outside != 0;
  }
  std::optional<PasswdFacts> facts = passwd_for(env.uid);
  if (auto home = env.get_nonempty("HOME")) {
    env.home = *home;
  } else if (facts) {
    env.home = facts->home;
  }
  if (facts && !facts->name.empty()) {
    env.user_name = facts->name;
  } else if (auto user = env.get_nonempty("USER")) {
    env.user_name = *user;
  }
  return env;
}

std::optional<std::string> Environment::get(std::string_view name) const {
  auto it = vars.find(name);
  if (it == vars.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Environment::get_nonempty(std::string_view name) const {
  auto it = vars.find(name);
  if (it == vars.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string Environment::system_path(std::string_view path) const {
  if (system_root.empty()) return std::string(path);
  std::string result = system_root;
  while (!result.empty() && result.back() == '/') result.pop_back();
  if (path.empty() || path.front() != '/') result += '/';
  result += path;
  return result;
}

}  // namespace nook::config
