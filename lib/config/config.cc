#include "lib/config/config.h"

#include <sys/stat.h>

#include <array>

#include <fmt/format.h>

#include "lib/config/toml_adapter.h"

namespace nook::config {

namespace {

constexpr std::array kLogLevels = {"trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"};

std::string normalize_driver(std::string_view driver) {
  if (driver == "overlay2") return "overlay";
  return std::string(driver);
}

Result<std::string> checked_log_level(std::string_view level, std::string_view source) {
  for (std::string_view known : kLogLevels) {
    if (level == known) return std::string(level == "warning" ? "warn" : level);
  }
  return fail(ErrorKind::InvalidArgument,
              fmt::format("{}: invalid log level \"{}\": expected one of trace, debug, info, warn, error, fatal, panic",
                          source, level));
}

Result<std::string> checked_driver(std::string_view driver, std::string_view source) {
  if (supported_storage_driver(driver)) return normalize_driver(driver);
  return fail(ErrorKind::InvalidArgument,
              fmt::format("{}: unsupported storage driver \"{}\": nook supports \"overlay\", \"fuse-overlayfs\" and \"vfs\"", source, driver));
}

Result<std::string> checked_path(std::string_view path, std::string_view source) {
  if (!path.starts_with('/')) {
    return fail(ErrorKind::InvalidArgument, fmt::format("{}: \"{}\" must be an absolute path", source, path));
  }
  return std::string(path);
}

// The runtime directory as root: $XDG_RUNTIME_DIR when it names a directory, else "".
std::string root_runtime_dir(const Environment& env) {
  auto xdg = env.get_nonempty("XDG_RUNTIME_DIR");
  struct stat st {};
  if (xdg && stat(xdg->c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return *xdg;
  return "";
}

}  // namespace

bool supported_storage_driver(std::string_view driver) {
  return driver == "overlay" || driver == "overlay2" || driver == "fuse-overlayfs" || driver == "vfs";
}

Result<void> merge_nook_conf(const toml::table& file, std::string_view path, Config& config) {
  NOOK_TRY_VOID(merge_containers_conf(file, path, config.containers_conf));
  TomlSection root(file, path);
  auto storage = NOOK_TRY(root.table("storage"));
  if (!storage) return {};
  if (auto driver = NOOK_TRY(storage->string("driver"))) {
    if (!supported_storage_driver(*driver)) {
      return fail(storage->error_at("driver", fmt::format("unsupported storage driver \"{}\": nook supports \"overlay\", \"fuse-overlayfs\" and \"vfs\"", *driver)));
    }
    config.storage_driver = normalize_driver(*driver);
    config.storage_driver_source = std::string(path);
  }
  if (auto graphroot = NOOK_TRY(storage->string("graphroot"))) {
    if (!graphroot->starts_with('/')) return fail(storage->error_at("graphroot", "must be an absolute path"));
    config.graph_root = *graphroot;
    config.graph_root_source = std::string(path);
  }
  if (auto runroot = NOOK_TRY(storage->string("runroot"))) {
    if (!runroot->starts_with('/')) return fail(storage->error_at("runroot", "must be an absolute path"));
    config.run_root = *runroot;
    config.run_root_source = std::string(path);
  }
  return {};
}

Result<Config> load_config(const Environment& env, const ConfigOverrides& overrides) {
  Config config;
  config.rootless = env.rootless();

  // Built-in defaults for the roots.
  if (config.rootless) {
    Result<std::string> runtime_dir = resolve_runtime_dir(env);
    if (!runtime_dir) return fail(runtime_dir.error().context("resolving the runtime directory"));
    config.runtime_dir = std::move(*runtime_dir);
  } else {
    config.runtime_dir = root_runtime_dir(env);
  }
  config.graph_root = default_graph_root(env);
  config.run_root = default_run_root(env, config.runtime_dir);

  // podman's files.
  config.containers_conf = NOOK_TRY(load_containers_conf(env, &config.files_read));
  config.registries = NOOK_TRY(load_registries_conf(env, &config.files_read));
  config.storage_conf = NOOK_TRY(load_storage_conf(env, &config.files_read));
  if (!config.storage_conf.driver.empty() && supported_storage_driver(config.storage_conf.driver)) {
    // Honoured when nook implements it; anything else (btrfs, zfs) stays podman's business.
    config.storage_driver = normalize_driver(config.storage_conf.driver);
    config.storage_driver_source = config.storage_conf.path;
  }
  if (auto policy_path = NOOK_TRY(policy_json_path(env))) {
    Result<Policy> policy = load_policy(*policy_path);
    if (!policy) return fail(policy.error().context("loading the signature policy"));
    config.policy = std::move(*policy);
    config.files_read.push_back(*policy_path);
  } else {
    config.policy = default_policy();
  }

  // nook's own files.
  for (const std::string& path : nook_conf_files(env)) {
    Result<toml::table> table = read_toml_file(path);
    if (!table) {
      if (table.error().kind() == ErrorKind::NotFound) continue;
      return fail(table.error().context("loading nook.conf"));
    }
    Result<void> merged = merge_nook_conf(*table, path, config);
    if (!merged) return fail(merged.error().context("loading nook.conf"));
    config.files_read.push_back(path);
  }

  // NOOK_* environment variables.
  if (auto root = env.get_nonempty("NOOK_ROOT")) {
    config.graph_root = NOOK_TRY(checked_path(*root, "NOOK_ROOT"));
    config.graph_root_source = "NOOK_ROOT";
  }
  if (auto runroot = env.get_nonempty("NOOK_RUNROOT")) {
    config.run_root = NOOK_TRY(checked_path(*runroot, "NOOK_RUNROOT"));
    config.run_root_source = "NOOK_RUNROOT";
  }
  if (auto driver = env.get_nonempty("NOOK_STORAGE_DRIVER")) {
    config.storage_driver = NOOK_TRY(checked_driver(*driver, "NOOK_STORAGE_DRIVER"));
    config.storage_driver_source = "NOOK_STORAGE_DRIVER";
  }
  if (auto level = env.get_nonempty("NOOK_LOG_LEVEL")) {
    config.log_level = NOOK_TRY(checked_log_level(*level, "NOOK_LOG_LEVEL"));
    config.log_level_source = "NOOK_LOG_LEVEL";
  }

  // The command line.
  if (overrides.root) {
    config.graph_root = NOOK_TRY(checked_path(*overrides.root, "--root"));
    config.graph_root_source = "--root";
  }
  if (overrides.runroot) {
    config.run_root = NOOK_TRY(checked_path(*overrides.runroot, "--runroot"));
    config.run_root_source = "--runroot";
  }
  if (overrides.storage_driver) {
    config.storage_driver = NOOK_TRY(checked_driver(*overrides.storage_driver, "--storage-driver"));
    config.storage_driver_source = "--storage-driver";
  }
  if (overrides.log_level) {
    config.log_level = NOOK_TRY(checked_log_level(*overrides.log_level, "--log-level"));
    config.log_level_source = "--log-level";
  }

  if (overrides.cgroup_manager) {
    if (*overrides.cgroup_manager != "systemd" && *overrides.cgroup_manager != "cgroupfs") {
      return fail(ErrorKind::InvalidArgument,
                  "configuring runtime: cgroup manager must be one of cgroupfs and systemd: invalid argument");
    }
    config.containers_conf.engine.cgroup_manager = *overrides.cgroup_manager;
  }

  config.auth = auth_file_paths(env, config.runtime_dir);
  return config;
}

}  // namespace nook::config
