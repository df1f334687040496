// A snapshot of the process facts configuration depends on.
//
// Environment::from_process() is the only place in lib/config that reads getenv(), getuid() or the
// password database. Everything else takes an Environment, so unit tests pass fakes (another HOME,
// XDG_* variables, a uid, a system_root) without touching the real process.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nook::config {

struct Environment {
  uid_t uid = 0;   // real uid of the user nook runs for
  uid_t euid = 0;  // effective uid
  std::string home;       // $HOME, else the passwd entry's directory, else ""
  std::string user_name;  // the passwd entry's name, else $USER, else ""
  std::map<std::string, std::string, std::less<>> vars;  // the environment variables

  // Prefix for the system-wide paths (/etc, /usr/share, /var, /run, /tmp default) that nook reads
  // or creates; empty in production. Tests point it at a temp dir (containers/image calls the same
  // seam RootForImplicitAbsolutePaths). Paths that come from variables or HOME are not prefixed.
  std::string system_root;

  // Takes the snapshot: getuid()/geteuid(), environ, getpwuid_r(). Call it before entering a user
  // namespace (inside one the uid reads 0). Never fails: missing facts are left empty.
  static Environment from_process();

  // The value of a variable, or nullopt when it is unset. Set-but-empty returns "".
  std::optional<std::string> get(std::string_view name) const;
  // The value of a variable, or nullopt when it is unset or empty (how XDG variables are read).
  std::optional<std::string> get_nonempty(std::string_view name) const;

  // Inside `nook unshare` (uid 0 in the rootless user namespace; _NOOK_ROOTLESS_UID was set by
  // unshare): still rootless, as podman inside `podman unshare` (_CONTAINERS_ROOTLESS_UID).
  bool in_rootless_userns = false;

  // podman's rule: rootless when the user is not uid 0.
  bool rootless() const { return uid != 0 || in_rootless_userns; }

  // system_root + path, for an absolute system path such as "/etc/containers".
  std::string system_path(std::string_view path) const;
};

}  // namespace nook::config
