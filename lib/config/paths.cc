#include "lib/config/paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "lib/config/file_io.h"

namespace nook::config {

namespace {

std::string home_subdir(const Environment& env, std::string_view var, std::string_view fallback) {
  if (auto value = env.get_nonempty(var)) return *value;
  return join_path(env.home, fallback);
}

// A directory owned by `uid` with at least rwx for its owner (step 2 of resolve_runtime_dir).
bool usable_run_user_dir(const std::string& path, uid_t uid) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid &&
         (st.st_mode & 0700) == 0700;
}

Result<std::string> private_fallback_dir(const Environment& env) {
  std::string base = env.get_nonempty("TMPDIR").value_or(env.system_path("/tmp"));
  std::string dir = join_path(base, fmt::format("nook-run-{}", env.uid));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(Error::from_errno("mkdir", fmt::format("\"{}\"", dir)).context("creating the runtime directory"));
  }
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) {
    return fail(Error::from_errno("stat", fmt::format("\"{}\"", dir)).context("checking the runtime directory"));
  }
  if (!S_ISDIR(st.st_mode)) {
    return fail(ErrorKind::Permission,
                fmt::format("runtime directory \"{}\" is not a directory (a symlink or file is in the way)", dir));
  }
  if (st.st_uid != env.uid) {
    return fail(ErrorKind::Permission, fmt::format("runtime directory \"{}\" is owned by uid {}, not by uid {}",
                                                   dir, st.st_uid, env.uid));
  }
  if ((st.st_mode & 07777) != 0700 && chmod(dir.c_str(), 0700) != 0) {
    return fail(Error::from_errno("chmod", fmt::format("\"{}\"", dir)).context("securing the runtime directory"));
  }
  return dir;
}

Result<void> append_with_drop_ins(std::vector<ConfigFile>& files, const std::string& file) {
  files.push_back({file, false});
  std::vector<std::string> drop_ins = NOOK_TRY(list_drop_ins(file + ".d"));
  for (std::string& path : drop_ins) files.push_back({std::move(path), false});
  return {};
}

Result<void> append_drop_ins(std::vector<ConfigFile>& files, const std::string& dir) {
  std::vector<std::string> drop_ins = NOOK_TRY(list_drop_ins(dir));
  for (std::string& path : drop_ins) files.push_back({std::move(path), false});
  return {};
}

}  // namespace

std::string xdg_config_home(const Environment& env) { return home_subdir(env, "XDG_CONFIG_HOME", ".config"); }
std::string xdg_data_home(const Environment& env) { return home_subdir(env, "XDG_DATA_HOME", ".local/share"); }
std::string xdg_cache_home(const Environment& env) { return home_subdir(env, "XDG_CACHE_HOME", ".cache"); }

Result<std::string> resolve_runtime_dir(const Environment& env) {
  if (auto xdg = env.get_nonempty("XDG_RUNTIME_DIR")) {
    struct stat st {};
    if (stat(xdg->c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == env.uid) return *xdg;
    // Unset, missing or someone else's (su/sudo keep the caller's): fall back as podman does.
  }
  std::string run_user = env.system_path(fmt::format("/run/user/{}", env.uid));
  if (usable_run_user_dir(run_user, env.uid)) return run_user;
  return private_fallback_dir(env);
}

std::string default_graph_root(const Environment& env) {
  if (!env.rootless()) return env.system_path("/var/lib/nook");
  return join_path(xdg_data_home(env), "nook");
}

std::string default_run_root(const Environment& env, std::string_view runtime_dir) {
  if (!env.rootless()) return env.system_path("/run/nook");
  return join_path(runtime_dir, "nook");
}

Result<std::vector<ConfigFile>> containers_conf_files(const Environment& env) {
  std::vector<ConfigFile> files;
  if (auto path = env.get_nonempty("CONTAINERS_CONF")) {
    files.push_back({*path, true});
  } else {
    files.push_back({env.system_path("/usr/share/containers/containers.conf"), false});
    NOOK_TRY_VOID(append_with_drop_ins(files, env.system_path("/etc/containers/containers.conf")));
    if (env.rootless()) {
      NOOK_TRY_VOID(append_with_drop_ins(files, join_path(xdg_config_home(env), "containers/containers.conf")));
    }
  }
  if (auto path = env.get_nonempty("CONTAINERS_CONF_OVERRIDE")) files.push_back({*path, true});
  return files;
}

Result<std::vector<ConfigFile>> registries_conf_files(const Environment& env) {
  std::vector<ConfigFile> files;
  std::string system_dir = env.system_path("/etc/containers/registries.conf.d");
  std::string user_file = join_path(xdg_config_home(env), "containers/registries.conf");
  std::string user_dir = user_file + ".d";
  if (auto path = env.get_nonempty("CONTAINERS_REGISTRIES_CONF")) {
    files.push_back({*path, true});
  } else if (NOOK_TRY(path_exists(user_file))) {
    // containers-registries.conf.d(5): with the user's file, only the user's drop-ins apply.
    files.push_back({user_file, false});
    NOOK_TRY_VOID(append_drop_ins(files, user_dir));
    return files;
  } else {
    files.push_back({env.system_path("/etc/containers/registries.conf"), false});
  }
  NOOK_TRY_VOID(append_drop_ins(files, system_dir));
  NOOK_TRY_VOID(append_drop_ins(files, user_dir));
  return files;
}

std::string short_name_alias_cache_path(const Environment& env) {
  if (!env.rootless()) return env.system_path("/var/cache/containers/short-name-aliases.conf");
  return join_path(xdg_cache_home(env), "containers/short-name-aliases.conf");
}

Result<std::optional<ConfigFile>> storage_conf_file(const Environment& env) {
  if (auto path = env.get_nonempty("CONTAINERS_STORAGE_CONF")) return ConfigFile{*path, true};
  std::vector<std::string> candidates;
  if (env.rootless()) candidates.push_back(join_path(xdg_config_home(env), "containers/storage.conf"));
  candidates.push_back(env.system_path("/etc/containers/storage.conf"));
  candidates.push_back(env.system_path("/usr/share/containers/storage.conf"));
  for (std::string& candidate : candidates) {
    if (NOOK_TRY(path_exists(candidate))) return ConfigFile{std::move(candidate), false};
  }
  return std::nullopt;
}

Result<std::optional<std::string>> policy_json_path(const Environment& env) {
  std::string user = join_path(env.home, ".config/containers/policy.json");
  if (!env.home.empty() && NOOK_TRY(path_exists(user))) return user;
  std::string system = env.system_path("/etc/containers/policy.json");
  if (NOOK_TRY(path_exists(system))) return system;
  return std::nullopt;
}

std::vector<std::string> nook_conf_files(const Environment& env) {
  return {env.system_path("/etc/nook/nook.conf"), join_path(xdg_config_home(env), "nook/nook.conf")};
}

AuthPaths auth_file_paths(const Environment& env, std::string_view runtime_dir) {
  AuthPaths paths;
  if (auto file = env.get_nonempty("REGISTRY_AUTH_FILE")) {
    paths.write_path = *file;
    paths.read_paths = {*file};
    paths.user_specified = true;
    return paths;
  }
  paths.write_path = runtime_dir.empty() ? env.system_path(fmt::format("/run/containers/{}/auth.json", env.uid))
                                         : join_path(runtime_dir, "containers/auth.json");
  paths.read_paths.push_back(paths.write_path);
  paths.read_paths.push_back(join_path(xdg_config_home(env), "containers/auth.json"));
  if (auto docker = env.get_nonempty("DOCKER_CONFIG")) {
    paths.read_paths.push_back(join_path(*docker, "config.json"));
  } else {
    paths.read_paths.push_back(join_path(env.home, ".docker/config.json"));
  }
  return paths;
}

}  // namespace nook::config
