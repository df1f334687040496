// Every path nook's configuration uses: nook's own directories (DESIGN.md "Storage layout") and the
// search lists of the podman configuration files (containers-config(5) and the per-file man pages).
// Only this file knows them; loaders take the lists it returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/environment.h"
#include "lib/util/error.h"

namespace nook::config {

// $XDG_CONFIG_HOME, else $HOME/.config (likewise XDG_DATA_HOME -> .local/share, XDG_CACHE_HOME -> .cache).
std::string xdg_config_home(const Environment& env);
std::string xdg_data_home(const Environment& env);
std::string xdg_cache_home(const Environment& env);

// The user's runtime directory, podman's way (containers/storage homedir.GetRuntimeDir):
//   1. $XDG_RUNTIME_DIR when it is set, is a directory and is owned by env.uid;
//   2. else /run/user/<uid> when it exists, is owned by the user and has mode rwx for the owner;
//   3. else ${TMPDIR:-/tmp}/nook-run-<uid>: created with mode 0700 if missing; it must then be a
//      real directory (not a symlink) owned by env.uid, else ErrorKind::Permission (someone else
//      may have planted it); a wrong mode is corrected to 0700.
// Used for rootless run roots and auth.json. Errors carry the path.
[[nodiscard]] Result<std::string> resolve_runtime_dir(const Environment& env);

// nook's own roots. Rootless: $XDG_DATA_HOME/nook (default ~/.local/share/nook) and
// <runtime_dir>/nook; root: /var/lib/nook and /run/nook. `runtime_dir` is what
// resolve_runtime_dir() returned (ignored as root).
std::string default_graph_root(const Environment& env);
std::string default_run_root(const Environment& env, std::string_view runtime_dir);

// One configuration file to read.
struct ConfigFile {
  std::string path;
  bool required = false;  // named by an environment variable: a missing file is an error
};

// containers.conf(5), in load order (later files override earlier keys):
//   CONTAINERS_CONF set: only that file (required);
//   else /usr/share/containers/containers.conf, /etc/containers/containers.conf,
//        /etc/containers/containers.conf.d/*.conf, and when rootless
//        $XDG_CONFIG_HOME/containers/containers.conf and its .d/*.conf;
//   CONTAINERS_CONF_OVERRIDE set: that file last (required), even with CONTAINERS_CONF.
// Drop-in directories are expanded (sorted by name, *.conf only); missing optional files are
// listed too and skipped by the loader.
[[nodiscard]] Result<std::vector<ConfigFile>> containers_conf_files(const Environment& env);

// containers-registries.conf(5) and .d(5), in load order:
//   main file: CONTAINERS_REGISTRIES_CONF (required), else $XDG_CONFIG_HOME/containers/
//   registries.conf when it exists, else /etc/containers/registries.conf;
//   drop-ins: when the user's main file is used, only its registries.conf.d; otherwise
//   /etc/containers/registries.conf.d then the user's registries.conf.d.
[[nodiscard]] Result<std::vector<ConfigFile>> registries_conf_files(const Environment& env);

// The machine-written short-name alias cache: $XDG_CACHE_HOME/containers/short-name-aliases.conf
// rootless, /var/cache/containers/short-name-aliases.conf as root (containers/image shortnames.go).
std::string short_name_alias_cache_path(const Environment& env);

// containers-storage.conf(5): exactly one file is read, the first that exists of
//   CONTAINERS_STORAGE_CONF (required), $XDG_CONFIG_HOME/containers/storage.conf (rootless only),
//   /etc/containers/storage.conf, /usr/share/containers/storage.conf.
// nullopt when none exists.
[[nodiscard]] Result<std::optional<ConfigFile>> storage_conf_file(const Environment& env);

// containers-policy.json(5): $HOME/.config/containers/policy.json if it exists, else
// /etc/containers/policy.json if it exists, else nullopt.
[[nodiscard]] Result<std::optional<std::string>> policy_json_path(const Environment& env);

// nook's own files, in load order: /etc/nook/nook.conf, $XDG_CONFIG_HOME/nook/nook.conf.
std::vector<std::string> nook_conf_files(const Environment& env);

// containers-auth.json(5) locations.
struct AuthPaths {
  std::string write_path;               // where login/logout edit credentials
  std::vector<std::string> read_paths;  // lookup order; write_path first
  bool user_specified = false;          // REGISTRY_AUTH_FILE: no fallbacks
};
// REGISTRY_AUTH_FILE if set; else <runtime_dir>/containers/auth.json, or
// /run/containers/<uid>/auth.json when runtime_dir is empty (root without XDG_RUNTIME_DIR); read
// fallbacks: $XDG_CONFIG_HOME/containers/auth.json, then $DOCKER_CONFIG/config.json or
// ~/.docker/config.json.
AuthPaths auth_file_paths(const Environment& env, std::string_view runtime_dir);

}  // namespace nook::config
