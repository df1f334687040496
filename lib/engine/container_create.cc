// `nook create` (and the first half of `run`): image lookup with the --pull policy, the
// container record, its directories, the files it gets bind-mounted (/etc/hosts, /etc/hostname,
// /etc/resolv.conf) and the OCI bundle.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <algorithm>

#include "lib/container/container.h"
#include "lib/engine/container_cgroups.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/container_network.h"
#include "lib/engine/container_run_flags.h"
#include "lib/engine/engine.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/engine/volume_internal.h"
#include "lib/image/json_adapter.h"
#include "lib/image/manifest.h"
#include "lib/network/etc_files.h"
#include "lib/oci/spec_builder.h"
#include "lib/oci/user.h"
#include "lib/storage/layer_file.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/scope_exit.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

// The bundle and the files bound into the container are rewritten on every create: atomic, not
// durable (lib/sys/file.h).
constexpr sys::Durability kStateWrite = sys::Durability::AtomicOnly;

// KEY=VALUE lists (--label, --annotation); a KEY alone maps to "".
Result<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& items, std::string_view flag) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    if (key.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("invalid {} {:?}: empty key", flag, item));
    out[key] = eq == std::string::npos ? "" : item.substr(eq + 1);
  }
  return out;
}

}  // namespace

// -e NAME=value, or NAME alone (taken from our environment when set; podman skips it otherwise),
// or NAME* (every variable with that prefix).
std::vector<std::string> expand_env(const std::vector<std::string>& items, const config::Environment& env) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    if (item.find('=') != std::string::npos) {
      out.push_back(item);
    } else if (item.ends_with('*')) {
      std::string prefix = item.substr(0, item.size() - 1);
      for (const auto& [name, value] : env.vars) {
        if (name.starts_with(prefix)) out.push_back(name + "=" + value);
      }
    } else if (auto value = env.get(item)) {
      out.push_back(item + "=" + *value);
    }
  }
  return out;
}

// --env-file: one NAME=value or NAME per line; blank lines and '#' comments skipped.
Result<std::vector<std::string>> read_env_files(const std::vector<std::string>& files, const config::Environment& env) {
  std::vector<std::string> items;
  for (const std::string& file : files) {
    std::string text = NOOK_TRY(sys::read_file(file));
    for (std::string_view line : strings::split(text, '\n')) {
      std::string_view trimmed = strings::trim(line);
      if (trimmed.empty() || trimmed.front() == '#') continue;
      items.emplace_back(trimmed);
    }
  }
  return expand_env(items, env);
}

namespace {

// --entrypoint: a JSON array, or a string used as the single program.
Result<std::vector<std::string>> parse_entrypoint(const std::string& text) {
  if (text.starts_with('[')) {
    auto parsed = image::parse_json(text, "--entrypoint");
    if (parsed && parsed->is_array()) {
      std::vector<std::string> out;
      for (const auto& item : *parsed) {
        if (!item.is_string()) return fail(ErrorKind::InvalidArgument, "--entrypoint: the JSON array must hold strings");
        out.push_back(item.get<std::string>());
      }
      return out;
    }
  }
  if (text.empty()) return std::vector<std::string>{};
  return std::vector<std::string>{text};
}

}  // namespace

Result<std::vector<std::string>> read_image_files(const Settings& settings, const storage::Store& store,
                                                  const container::Container& record,
                                                  const container::ContainerPaths& paths,
                                                  std::initializer_list<std::string_view> files) {
  std::vector<std::string> contents;
  if (record.driver != "vfs") {
    // Straight from the layers (the container's upper directory on top), where their form answers.
    std::vector<std::string> stack{paths.upper};
    for (auto it = record.layers.rbegin(); it != record.layers.rend(); ++it) stack.push_back(store.layer_dir(*it));
    for (std::string_view file : files) {
      storage::LayerFile found = NOOK_TRY(storage::read_layer_file(stack, file));
      if (found.kind == storage::LayerFile::Kind::NeedsMount) break;
      contents.push_back(std::move(found.content));  // empty when Absent
    }
    if (contents.size() == files.size()) return contents;
    contents.clear();
  }
  NOOK_TRY_VOID(mount_rootfs(settings, store, record, paths));
  ScopeExit unmount([&] { unmount_rootfs(paths); });
  sys::UniqueFd root = NOOK_TRY(sys::open_file(rootfs_dir(record, paths), O_PATH | O_DIRECTORY));
  for (std::string_view file : files) contents.push_back(NOOK_TRY(oci::read_in_root(root.get(), file)));
  return contents;
}

Result<oci::ResolvedUser> resolve_container_user(const Settings& settings, const storage::Store& store,
                                                 const container::Container& record,
                                                 const container::ContainerPaths& paths) {
  std::vector<std::string> files = NOOK_TRY(read_image_files(settings, store, record, paths, {"etc/passwd", "etc/group"}));
  return oci::resolve_user_from_files(record.user, record.group_add, files[0], files[1]);
}

bool rootless_has_subordinate_ids(const Settings&) {
  // Called inside the user namespace: more than one line in gid_map means the subordinate range
  // is mapped too.
  auto map = sys::read_file("/proc/self/gid_map");
  return map && std::count(map->begin(), map->end(), '\n') > 1;
}

void fill_host_facts(const Settings& settings, oci::SpecOptions& options) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) options.host_nofile = oci::Rlimit{"RLIMIT_NOFILE", limit.rlim_max, limit.rlim_cur};
  if (::getrlimit(RLIMIT_NPROC, &limit) == 0) options.host_nproc = oci::Rlimit{"RLIMIT_NPROC", limit.rlim_max, limit.rlim_cur};
  // CapEff bit 24 (CAP_SYS_RESOURCE): a root without it cannot raise hard limits either.
  if (auto status = sys::read_file("/proc/self/status")) {
    size_t at = status->find("CapEff:\t");
    if (at != std::string::npos) {
      uint64_t caps = std::strtoull(status->c_str() + at + 8, nullptr, 16);
      options.can_raise_rlimits = (caps >> 24) & 1;
    }
  }
  struct utsname uts {};
  if (::uname(&uts) == 0) options.kernel_version = uts.release;
  options.sysctls = settings.config.containers_conf.containers.default_sysctls;
  // Rootless with a single-id mapping has no gid 5 for devpts.
  options.gid5_available = !settings.config.rootless || rootless_has_subordinate_ids(settings);
}

Result<storage::ImageRecord> image_for_container(const Settings& settings, storage::Store& store,
                                                 const ContainerCreateOptions& options, PullProgress* progress,
                                                 std::string* resolved_name) {
  const std::string& policy = options.pull;
  if (policy != "missing" && policy != "always" && policy != "never" && policy != "newer") {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("invalid pull policy {:?}: must be one of always, missing, never, newer", policy));
  }
  if (policy != "always" && policy != "newer") {
    auto found = find_local_image(store, settings, options.image);
    if (found) {
      *resolved_name = found->resolved;
      return found->record;
    }
    if (found.error().kind() != ErrorKind::NotFound || policy == "never") return fail(found.error());
  }
  PullOptions pull = options.pull_options;
  pull.policy = "always";
  std::vector<PulledImage> pulled = NOOK_TRY(pull_image(settings, options.image, pull, progress));
  if (pulled.empty()) return fail(ErrorKind::NotFound, fmt::format("{}: image not known", options.image));
  *resolved_name = pulled.front().reference;
  return store.find_image(pulled.front().id);
}

Result<std::string> create_container(const Settings& settings, const ContainerCreateOptions& options,
                                     PullProgress* progress) {
  if (options.image.empty()) return fail(ErrorKind::InvalidArgument, "an image name is required");
  CgroupPlan cgroup_plan = NOOK_TRY(plan_container_cgroup(settings, options));  // limit flags (container_cgroups.h)
  network::NetworkMode network_mode = NOOK_TRY(container_network_mode(settings, options));
  network::NameFlags name_flags = NOOK_TRY(network::check_name_flags(
      {.add_hosts = options.add_hosts,
       .no_hosts = options.no_hosts || settings.config.containers_conf.containers.no_hosts,
       .dns_servers = options.dns_servers,
       .dns_search = options.dns_search,
       .dns_options = options.dns_options},
      network_mode.kind));
  storage::Store store = NOOK_TRY(open_store(settings));
  container::ContainerStore containers = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  NOOK_TRY_VOID(resolve_network_container(containers, network_mode));
  if (options.replace && !options.name.empty()) {
    auto existing = containers.find(options.name);
    if (existing && existing->name == options.name) {
      RemoveOptions remove;
      remove.force = true;
      NOOK_TRY(remove_containers(settings, {existing->id}, remove));
    }
  }

  std::string resolved;
  storage::ImageRecord image = NOOK_TRY(image_for_container(settings, store, options, progress, &resolved));
  std::string config_bytes = NOOK_TRY(store.read_config(image.id));
  image::ImageConfig image_config = NOOK_TRY(image::parse_image_config(config_bytes));

  container::Container record;
  record.name = options.name;
  record.image_id = image.id;
  record.image_name = resolved.empty() ? image.id : resolved;
  record.created = format_rfc3339_nano(now());
  record.layers = image.layers;
  record.driver = store.options().driver;
  record.labels = image_config.config.labels;
  for (auto& [key, value] : NOOK_TRY(parse_key_values(options.labels, "label"))) record.labels[key] = value;
  record.interactive = options.interactive;
  record.tty = options.tty;
  record.auto_remove = options.rm;
  record.network_mode = network_mode.text;
  ContainerPorts ports = NOOK_TRY(resolve_container_ports(options, image_config.config, network_mode));
  record.ports = std::move(ports.published);
  record.exposed = std::move(ports.exposed);
  record.publish_all = options.publish_all;
  record.dns_servers = std::move(name_flags.dns_servers);
  record.dns_search = std::move(name_flags.dns_search);
  record.dns_options = std::move(name_flags.dns_options);
  record.add_hosts = std::move(name_flags.add_hosts);
  record.no_hosts = name_flags.no_hosts;
  record.dns_none = name_flags.dns_none;
  record.runtime = options.runtime;
  record.user = options.user;
  record.group_add = options.group_add;
  record.log_driver = options.log_driver.empty() ? "k8s-file" : options.log_driver;
  if (record.log_driver != "k8s-file" && record.log_driver != "none" && record.log_driver != "passthrough") {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid log driver {:?}: use k8s-file, none or passthrough",
                                                        record.log_driver));
  }
  for (const std::string& opt : options.log_opts) {
    if (opt.starts_with("max-size=")) {
      record.log_max_size = NOOK_TRY(parse_size(opt.substr(9)));
    } else if (!opt.starts_with("path=") && !opt.starts_with("tag=")) {
      return fail(ErrorKind::InvalidArgument, fmt::format("invalid log option {:?}", opt));
    }
  }
  NOOK_TRY_VOID(parse_restart_policy(options.restart, &record.restart_policy, &record.restart_max_retries));
  if (options.rm && record.restart_policy != "no") {
    return fail(ErrorKind::InvalidArgument, "the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"");
  }
  std::string stop_signal = options.stop_signal.value_or(image_config.config.stop_signal);
  if (!stop_signal.empty()) {
    record.stop_signal = signal_name(NOOK_TRY(parse_signal(stop_signal)));
  }
  if (options.stop_timeout) record.stop_timeout = *options.stop_timeout;

  oci::SpecOptions spec_options;
  spec_options.command = options.command;
  if (options.entrypoint) spec_options.entrypoint = NOOK_TRY(parse_entrypoint(*options.entrypoint));
  spec_options.default_env = settings.config.containers_conf.containers.env;
  std::vector<std::string> env;
  if (options.env_host) {
    for (const auto& [name, value] : settings.env.vars) env.push_back(name + "=" + value);
  }
  for (std::string& item : NOOK_TRY(read_env_files(options.env_files, settings.env))) env.push_back(std::move(item));
  for (std::string& item : expand_env(options.env, settings.env)) env.push_back(std::move(item));
  spec_options.env = std::move(env);
  spec_options.workdir = options.workdir;
  spec_options.terminal = options.tty;
  spec_options.annotations = NOOK_TRY(parse_key_values(options.annotations, "annotation"));
  spec_options.default_capabilities = settings.config.containers_conf.containers.default_capabilities;
  spec_options.cap_add = options.cap_add;
  spec_options.cap_drop = options.cap_drop;
  spec_options.privileged = options.privileged;
  spec_options.read_only = options.read_only;
  spec_options.read_only_tmpfs = options.read_only_tmpfs;
  spec_options.ulimits = settings.config.containers_conf.containers.default_ulimits;
  spec_options.ulimits.insert(spec_options.ulimits.end(), options.ulimits.begin(), options.ulimits.end());
  spec_options.shm_size = options.shm_size.empty() ? settings.config.containers_conf.containers.shm_size : options.shm_size;
  // The spec's view: a network namespace of its own unless host or a given one (container:'s path
  // is only known at start: join_network_container).
  spec_options.network_mode = network_mode.kind == network::ModeKind::Host ? "host"
                              : network_mode.kind == network::ModeKind::Ns ? "ns:" + network_mode.value
                                                                           : "private";
  spec_options.rootless = settings.config.rootless;
  spec_options.umask = options.umask.empty() ? settings.config.containers_conf.containers.umask : options.umask;
  NOOK_TRY_VOID(apply_security_options(options.security_opt, spec_options));
  fill_host_facts(settings, spec_options);
  RunFlagsState run_flags;
  NOOK_TRY_VOID(apply_run_flags(settings, options, record, run_flags));

  // The record exists from here on: every later failure removes it again.
  record = NOOK_TRY(containers.add(std::move(record)));
  run_flags.auto_lock.reset();  // the record holds its auto range now
  auto undo = [&](Error error) -> std::unexpected<Error> {
    unshare_network_files(containers, record);
    (void)containers.remove(record.id);
    remove_anonymous_volumes(settings.config.graph_root, record);
    return std::unexpected(std::move(error));
  };
  container::ContainerPaths paths = containers.paths(record.id);
  spec_options.hostname = options.hostname.empty() ? record.id.substr(0, 12) : options.hostname;
  spec_options.rootfs = rootfs_dir(record, paths);
  if (auto made = prepare_rootfs_dirs(store, record, paths); !made) return undo(made.error());
  if (auto files = write_container_files(settings, store, record, paths, spec_options.hostname, network_mode); !files) {
    return undo(files.error());
  }
  // The user is resolved in the image's own /etc/passwd and /etc/group, as podman does.
  auto user = resolve_container_user(settings, store, record, paths);
  if (!user) return undo(user.error());
  spec_options.user.uid = user->uid;
  spec_options.user.gid = user->gid;
  spec_options.user.additional_gids = user->additional_gids;
  spec_options.root_user = user->root_user;
  spec_options.user_home = user->home;
  auto user_mounts = resolve_container_mounts(settings, store, options, image_config.config, record, paths, user->uid, user->gid);
  if (!user_mounts) return undo(user_mounts.error());
  spec_options.extra_mounts = std::move(*user_mounts);
  auto shared = share_network_files(containers, record, spec_options.hostname);
  if (!shared) return undo(shared.error());
  for (const auto& [file, source] : {std::pair{"hosts", shared->hosts}, std::pair{"hostname", paths.userdata + "/hostname"},
                                     std::pair{"resolv.conf", shared->resolv}}) {
    // --no-hosts and --dns none: the image's own file stays.
    if ((record.no_hosts && file == std::string_view("hosts")) || (record.dns_none && file == std::string_view("resolv.conf"))) continue;
    spec_options.extra_mounts.push_back(oci::Mount{.destination = fmt::format("/etc/{}", file),
                                                   .type = "bind",
                                                   .source = source,
                                                   .options = {"bind", "rprivate"}});
  }
  if (auto added = add_run_flag_mounts(settings, store, record, paths, run_flags, spec_options); !added) {
    return undo(added.error());
  }
  apply_cgroup_plan(cgroup_plan, record.id, spec_options);
  auto spec = oci::build_spec(image_config.config, spec_options);
  if (!spec) return undo(spec.error());
  if (auto limits = finish_cgroup_spec(cgroup_plan, *spec, paths.userdata); !limits) return undo(limits.error());
  record.command = spec->process.args;  // what ps and commit show: without --init's prefix
  if (auto finished = finish_run_flags_spec(record, *spec); !finished) return undo(finished.error());
  if (auto updated = containers.update(record); !updated) return undo(updated.error());
  std::string bundle = oci::to_json(*spec).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (auto written = sys::write_file_atomic(paths.userdata + "/config.json", bundle, 0600, kStateWrite); !written) {
    return undo(written.error());
  }
  NOOK_DEBUG(Store, "created container {} ({}) from {}", record.id, record.name, record.image_name);
  return record.id;
}

namespace {

// The base of the hosts file (containers.conf base_hosts_file, etchosts.GetBaseHostFile): the
// host's /etc/hosts (missing: none), "none", "image" (the image's /etc/hosts), or a file.
Result<std::string> base_hosts_text(const Settings& settings, const storage::Store& store,
                                    const container::Container& record, const container::ContainerPaths& paths) {
  const std::string& base = settings.config.containers_conf.containers.base_hosts_file;
  if (base == "none") return std::string();
  if (base == "image") {
    std::vector<std::string> files = NOOK_TRY(read_image_files(settings, store, record, paths, {"etc/hosts"}));
    return files[0];
  }
  std::string path = base.empty() ? "/etc/hosts" : base;
  auto text = sys::read_file(path);
  if (!text && base.empty() && text.error().kind() == ErrorKind::NotFound) return std::string();
  if (!text) {
    int err = text.error().sys_errno();
    if (err == 0) return fail(text.error().context("failed to create new hosts file"));
    return fail(text.error().kind(), fmt::format("failed to create new hosts file: open {}: {}", path, errno_text(err)));
  }
  return std::move(*text);
}

// The resolv.conf the container's own is built from: the host's, or what an `ip netns` namespace
// or a host with a local stub resolver has instead (resolvconf's getDefaultResolvConf).
std::string base_resolv_text(const network::NetworkMode& network) {
  Result<std::string> text = fail(ErrorKind::NotFound, "");
  if (network.kind == network::ModeKind::Ns) {
    std::string netns_path = network::netns_resolv_conf_path(network.value);
    if (!netns_path.empty()) text = sys::read_file(netns_path);
  }
  if (!text) text = sys::read_file("/etc/resolv.conf");
  std::string resolv = text ? std::move(*text) : std::string();  // none on the host: empty
  if (network.kind == network::ModeKind::Host) return resolv;
  std::string alternative = network::local_resolver_alternative(resolv);
  if (!alternative.empty()) {
    if (auto real = sys::read_file(alternative)) {
      NOOK_DEBUG(Network, "found a local resolver, using {} for the nameservers", alternative);
      return std::move(*real);
    }
  }
  return resolv;
}

}  // namespace

Result<void> write_container_files(const Settings& settings, const storage::Store& store,
                                   const container::Container& record, const container::ContainerPaths& paths,
                                   const std::string& hostname, const network::NetworkMode& network) {
  const config::ContainersConf::Containers& conf = settings.config.containers_conf.containers;
  network::SlirpAddresses slirp;
  if (network.kind == network::ModeKind::Slirp4netns) slirp = NOOK_TRY(network::slirp_addresses(network.slirp.cidr));
  if (!record.no_hosts) {
    network::HostsInputs hosts;
    hosts.mode = network.kind;
    hosts.hostname = hostname;
    hosts.name = record.name;
    hosts.container_ip = slirp.container_ip;
    hosts.base = NOOK_TRY(base_hosts_text(settings, store, record, paths));
    hosts.add_hosts = record.add_hosts;
    hosts.host_containers_internal_ip =
        network::host_containers_internal_ip(network, slirp.gateway, network::host_local_ip());
    std::string text = NOOK_TRY(network::hosts_file(hosts));
    NOOK_TRY_VOID(sys::write_file_atomic(paths.userdata + "/hosts", text, 0644, kStateWrite));
  }
  NOOK_TRY_VOID(sys::write_file_atomic(paths.userdata + "/hostname", hostname + "\n", 0644, kStateWrite));
  if (!record.dns_none) {
    network::ResolvInputs resolv;
    resolv.mode = network.kind;
    resolv.host_resolv = base_resolv_text(network);
    resolv.servers = conf.dns_servers;
    resolv.servers.insert(resolv.servers.end(), record.dns_servers.begin(), record.dns_servers.end());
    resolv.searches = conf.dns_searches;
    resolv.searches.insert(resolv.searches.end(), record.dns_search.begin(), record.dns_search.end());
    resolv.options = conf.dns_options;
    resolv.options.insert(resolv.options.end(), record.dns_options.begin(), record.dns_options.end());
    resolv.slirp_dns = slirp.dns;
    resolv.ipv6 = network.kind == network::ModeKind::Slirp4netns && network.slirp.enable_ipv6;
    NOOK_TRY_VOID(sys::write_file_atomic(paths.userdata + "/resolv.conf", network::resolv_conf(resolv), 0644, kStateWrite));
  }
  return {};
}

}  // namespace nook::engine
