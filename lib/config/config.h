// The one Config nook runs with, built with a fixed precedence (STYLE.md 3.9):
//   built-in defaults
//   -> podman's files: containers.conf (+ .d, CONTAINERS_CONF, CONTAINERS_CONF_OVERRIDE),
//      registries.conf (+ .d, alias cache), storage.conf (driver only), policy.json
//   -> /etc/nook/nook.conf -> $XDG_CONFIG_HOME/nook/nook.conf
//      (nook's own TOML: [containers], [engine], [network] as in containers.conf, plus [storage]
//       driver, graphroot, runroot)
//   -> NOOK_ROOT, NOOK_RUNROOT, NOOK_STORAGE_DRIVER, NOOK_LOG_LEVEL
//   -> ConfigOverrides (the CLI's --root, --runroot, --storage-driver, --log-level).
// nook keeps its own storage root: storage.conf's graphroot/runroot never move it.
//
// Loading reads files and may create the rootless runtime directory (see resolve_runtime_dir);
// it uses no global state, so it is thread-safe, but it allocates: not for use after fork().
// A Config is plain data, safe to copy and to share read-only between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "lib/config/containers_conf.h"
#include "lib/config/environment.h"
#include "lib/config/paths.h"
#include "lib/config/policy.h"
#include "lib/config/registries_conf.h"
#include "lib/config/storage_conf.h"
#include "lib/util/error.h"

namespace nook::config {

// The global flags, filled by the CLI; nullopt = flag not given.
struct ConfigOverrides {
  std::optional<std::string> root;            // --root
  std::optional<std::string> runroot;         // --runroot
  std::optional<std::string> storage_driver;  // --storage-driver
  std::optional<std::string> log_level;       // --log-level
  std::optional<std::string> cgroup_manager;  // --cgroup-manager (systemd, cgroupfs)
};

struct Config {
  bool rootless = false;
  std::string graph_root;                 // nook's store
  std::string run_root;                   // nook's runtime state
  std::string storage_driver = "overlay";  // "overlay" or "vfs"
  std::string log_level = "warn";         // trace, debug, info, warn, error, fatal, panic
  // Where each of the four came from: "default", a file path, "NOOK_ROOT", "--root", ...
  std::string graph_root_source = "default";
  std::string run_root_source = "default";
  std::string storage_driver_source = "default";
  std::string log_level_source = "default";

  std::string runtime_dir;  // rootless: resolve_runtime_dir(); root: $XDG_RUNTIME_DIR if usable, else ""

  ContainersConf containers_conf;
  RegistriesConf registries;
  StorageConf storage_conf;  // as parsed; informational except the driver
  Policy policy;             // default_policy() when no policy.json exists (policy.path empty)
  AuthPaths auth;

  std::vector<std::string> files_read;  // every config file actually read, in order (for `nook info`)
};

// The storage drivers nook implements ("overlay2" is accepted as "overlay", as podman does).
bool supported_storage_driver(std::string_view driver);

// Merges one parsed nook.conf into `config` ([storage] keys and the containers.conf sections).
[[nodiscard]] Result<void> merge_nook_conf(const toml::table& file, std::string_view path, Config& config);

// Builds the Config. Errors (kind InvalidArgument for bad files and values, naming the file, line
// and key; Permission for an unsafe runtime directory) mean the caller should exit 125.
[[nodiscard]] Result<Config> load_config(const Environment& env, const ConfigOverrides& overrides);

}  // namespace nook::config
