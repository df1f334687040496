#include "lib/config/containers_conf.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "lib/config/paths.h"
#include "lib/config/toml_adapter.h"

namespace nook::config {

namespace {

Result<void> read_int(const TomlSection& section, std::string_view key, int64_t& out) {
  if (auto value = NOOK_TRY(section.integer(key))) out = *value;
  return {};
}

Result<void> read_array(const TomlSection& section, std::string_view key, std::vector<std::string>& out,
                        std::set<std::string>& append_keys) {
  auto array = NOOK_TRY(section.string_array(key, true));
  if (!array) return {};
  std::string dotted = section.dotted(key);
  if (array->append) {
    if (*array->append) {
      append_keys.insert(dotted);
    } else {
      append_keys.erase(dotted);
    }
  }
  if (append_keys.contains(dotted)) {
    out.insert(out.end(), std::make_move_iterator(array->values.begin()),
               std::make_move_iterator(array->values.end()));
  } else {
    out = std::move(array->values);
  }
  return {};
}

bool valid_umask(std::string_view umask) {
  return !umask.empty() && umask.size() <= 4 &&
         std::all_of(umask.begin(), umask.end(), [](char c) { return c >= '0' && c <= '7'; });
}

// "<number>[b|k|m|g]" with number > 0 (containers.conf(5) shm_size).
bool valid_size(std::string_view size) {
  if (size.empty()) return false;
  char last = static_cast<char>(std::tolower(static_cast<unsigned char>(size.back())));
  if (last == 'b' || last == 'k' || last == 'm' || last == 'g') size.remove_suffix(1);
  if (size.empty() || !std::all_of(size.begin(), size.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::any_of(size.begin(), size.end(), [](char c) { return c != '0'; });
}

Result<void> merge_containers(const TomlSection& s, ContainersConf& conf) {
  ContainersConf::Containers& c = conf.containers;
  std::set<std::string>& append = conf.append_keys;
  NOOK_TRY_VOID(read_array(s, "default_capabilities", c.default_capabilities, append));
  NOOK_TRY_VOID(read_array(s, "default_sysctls", c.default_sysctls, append));
  NOOK_TRY_VOID(read_array(s, "default_ulimits", c.default_ulimits, append));
  NOOK_TRY_VOID(read_array(s, "env", c.env, append));
  NOOK_TRY_VOID(read_string(s, "log_driver", c.log_driver));
  NOOK_TRY_VOID(read_int(s, "log_size_max", c.log_size_max));
  if (c.log_size_max >= 0 && c.log_size_max < 8192 && s.contains("log_size_max")) {
    return fail(s.error_at("log_size_max", "must be negative (no limit) or at least 8192"));
  }
  NOOK_TRY_VOID(read_int(s, "pids_limit", c.pids_limit));
  NOOK_TRY_VOID(read_string(s, "tz", c.tz));
  NOOK_TRY_VOID(read_string(s, "umask", c.umask));
  if (s.contains("umask") && !valid_umask(c.umask)) {
    return fail(s.error_at("umask", fmt::format("invalid umask \"{}\": expected up to 4 octal digits", c.umask)));
  }
  NOOK_TRY_VOID(read_string(s, "init_path", c.init_path));
  NOOK_TRY_VOID(read_string(s, "shm_size", c.shm_size));
  if (s.contains("shm_size") && !valid_size(c.shm_size)) {
    return fail(s.error_at("shm_size", fmt::format("invalid size \"{}\": expected <number>[b|k|m|g]", c.shm_size)));
  }
  NOOK_TRY_VOID(read_string(s, "userns", c.userns));
  NOOK_TRY_VOID(read_string(s, "cgroups", c.cgroups));
  NOOK_TRY_VOID(read_string(s, "netns", c.netns));
  NOOK_TRY_VOID(read_array(s, "dns_servers", c.dns_servers, append));
  NOOK_TRY_VOID(read_array(s, "dns_searches", c.dns_searches, append));
  NOOK_TRY_VOID(read_array(s, "dns_options", c.dns_options, append));
  if (auto no_hosts = NOOK_TRY(s.boolean("no_hosts"))) c.no_hosts = *no_hosts;
  NOOK_TRY_VOID(read_string(s, "base_hosts_file", c.base_hosts_file));
  return {};
}

Result<void> merge_engine(const TomlSection& s, ContainersConf& conf) {
  ContainersConf::Engine& e = conf.engine;
  NOOK_TRY_VOID(read_string(s, "cgroup_manager", e.cgroup_manager));
  if (s.contains("cgroup_manager") && e.cgroup_manager != "systemd" && e.cgroup_manager != "cgroupfs") {
    return fail(s.error_at("cgroup_manager",
                           fmt::format("invalid value \"{}\": expected \"systemd\" or \"cgroupfs\"", e.cgroup_manager)));
  }
  NOOK_TRY_VOID(read_string(s, "events_logger", e.events_logger));
  NOOK_TRY_VOID(read_string(s, "runtime", e.runtime));
  NOOK_TRY_VOID(read_array(s, "helper_binaries_dir", e.helper_binaries_dir, conf.append_keys));
  NOOK_TRY_VOID(read_string(s, "image_default_transport", e.image_default_transport));
  if (auto runtimes = NOOK_TRY(s.table("runtimes"))) {
    for (const std::string& name : runtimes->keys()) {
      auto paths = NOOK_TRY(runtimes->string_array(name));
      e.runtimes[name] = std::move(paths->values);
    }
  }
  // num_locks, active_service, conmon_path, ...: podman-only, ignored.
  return {};
}

Result<void> merge_network(const TomlSection& s, ContainersConf& conf) {
  ContainersConf::Network& n = conf.network;
  NOOK_TRY_VOID(read_string(s, "default_rootless_network_cmd", n.default_rootless_network_cmd));
  NOOK_TRY_VOID(read_string(s, "network_backend", n.network_backend));
  NOOK_TRY_VOID(read_string(s, "default_subnet", n.default_subnet));
  if (auto port = NOOK_TRY(s.integer("dns_bind_port"))) {
    if (*port < 0 || *port > 65535) {
      return fail(s.error_at("dns_bind_port", fmt::format("port {} is out of range 0-65535", *port)));
    }
    n.dns_bind_port = static_cast<uint16_t>(*port);
  }
  return {};
}

}  // namespace

Result<void> merge_containers_conf(const toml::table& file, std::string_view path, ContainersConf& conf) {
  TomlSection root(file, path);
  if (auto section = NOOK_TRY(root.table("containers"))) NOOK_TRY_VOID(merge_containers(*section, conf));
  if (auto section = NOOK_TRY(root.table("engine"))) NOOK_TRY_VOID(merge_engine(*section, conf));
  if (auto section = NOOK_TRY(root.table("network"))) NOOK_TRY_VOID(merge_network(*section, conf));
  return {};
}

Result<ContainersConf> load_containers_conf(const Environment& env, std::vector<std::string>* files_read) {
  ContainersConf conf;
  std::vector<ConfigFile> files = NOOK_TRY(containers_conf_files(env));
  for (const ConfigFile& file : files) {
    Result<toml::table> table = read_toml_file(file.path);
    if (!table) {
      if (table.error().kind() == ErrorKind::NotFound && !file.required) continue;
      return fail(table.error().context("loading containers.conf"));
    }
    Result<void> merged = merge_containers_conf(*table, file.path, conf);
    if (!merged) return fail(merged.error().context("loading containers.conf"));
    if (files_read != nullptr) files_read->push_back(file.path);
  }
  return conf;
}

}  // namespace nook::config
