#include "lib/engine/container_network.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>

#include "lib/engine/container_internal.h"
#include "lib/network/etc_files.h"
#include "lib/oci/spec.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::engine {

Result<network::NetworkMode> container_network_mode(const Settings& settings, const ContainerCreateOptions& options) {
  std::string text = options.network;
  if (text.empty()) {
    text = network::default_network_mode(settings.config.rootless,
                                         settings.config.containers_conf.network.default_rootless_network_cmd);
  }
  network::NetworkMode mode = NOOK_TRY(network::parse_network_mode(text));
  using network::ModeKind;
  switch (mode.kind) {
    case ModeKind::Bridge:
      return fail(ErrorKind::Unsupported, settings.config.rootless
                                              ? "bridge networking is not supported yet rootless: use slirp4netns"
                                              : "bridge networking is not supported yet: use slirp4netns, host or none");
    case ModeKind::Pasta:
      return fail(ErrorKind::Unsupported, "pasta networking is not supported yet: use slirp4netns");
    case ModeKind::Named:
      return fail(ErrorKind::NotFound,
                  fmt::format("unable to find network with name or ID {}: network not found", mode.value));
    default:
      break;
  }
  return mode;
}

Result<ContainerPorts> resolve_container_ports(const ContainerCreateOptions& options, const image::ContainerConfig& image_config,
                                       const network::NetworkMode& mode) {
  ContainerPorts ports;
  for (const std::string& spec : options.publish) {
    for (network::PortMapping& mapping : NOOK_TRY(network::parse_publish(spec))) ports.published.push_back(mapping);
  }
  auto add_exposed = [&](const std::vector<network::ExposedPort>& more) {
    for (const network::ExposedPort& port : more) {
      if (std::find(ports.exposed.begin(), ports.exposed.end(), port) == ports.exposed.end()) ports.exposed.push_back(port);
    }
  };
  for (const std::string& key : image_config.exposed_ports) {
    auto parsed = network::parse_expose(key);
    if (parsed) add_exposed(*parsed);  // an odd key in an image is not the user's error
  }
  for (const std::string& spec : options.expose) add_exposed(NOOK_TRY(network::parse_expose(spec)));
  // What -p publishes is exposed too (inspect lists it).
  for (const network::PortMapping& m : ports.published) {
    for (int i = 0; i < m.range; ++i) add_exposed({{static_cast<uint16_t>(m.container_port + i), m.protocol}});
  }
  if (options.publish_all) {
    for (network::PortMapping& m : network::publish_exposed(ports.exposed, ports.published)) ports.published.push_back(m);
  }
  if (!ports.published.empty() && !mode.has_backend()) {
    if (options.on_warning) {
      options.on_warning("Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use");
    }
    ports.published.clear();
    return ports;
  }
  for (const network::PortMapping& m : ports.published) {
    if (m.protocol == "sctp") return fail(ErrorKind::Unsupported, "sctp port mappings are not supported rootless");
    // slirp4netns answers UDP from the host's loopback address, and --disable-host-loopback
    // (the default) drops the container's replies to it.
    if (m.protocol == "udp" && mode.slirp.port_handler == "slirp4netns" && !mode.slirp.allow_host_loopback) {
      return fail(ErrorKind::InvalidArgument,
                  "UDP ports forwarded by slirp4netns need allow_host_loopback=true (slirp4netns drops the "
                  "container's answers otherwise): add it, or use the default port_handler");
    }
  }
  NOOK_TRY_VOID(network::allocate_host_ports(ports.published));
  return ports;
}

std::string_view network_container(std::string_view network_mode) {
  constexpr std::string_view kPrefix = "container:";
  return network_mode.starts_with(kPrefix) ? network_mode.substr(kPrefix.size()) : std::string_view();
}

Result<void> resolve_network_container(const container::ContainerStore& containers, network::NetworkMode& mode) {
  if (mode.kind != network::ModeKind::Container) return {};
  container::Container target = NOOK_TRY(containers.find(mode.value));
  mode.value = target.id;
  mode.text = "container:" + target.id;
  return {};
}

std::vector<std::string> network_dependents(const std::vector<container::Container>& containers, std::string_view id) {
  std::vector<std::string> ids;
  for (const container::Container& other : containers) {
    if (network_container(other.network_mode) == id) ids.push_back(other.id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<pid_t> userns_to_share(const Settings& settings, const std::vector<std::string>& network_flags,
                              const std::vector<std::string>& containers) {
  if (!settings.config.rootless) return 0;
  std::vector<std::string> targets;
  for (const std::string& flag : network_flags) {
    if (!network_container(flag).empty()) targets.emplace_back(network_container(flag));
  }
  if (targets.empty() && containers.empty()) return 0;
  auto store = container::ContainerStore::open(settings.config.graph_root, true);
  if (!store) return 0;  // no store yet, so nothing runs
  for (const std::string& key : containers) {
    auto record = store->find(key);
    if (record && !network_container(record->network_mode).empty()) targets.emplace_back(network_container(record->network_mode));
  }
  for (const std::string& key : targets) {
    auto target = store->find(key);
    if (!target) continue;
    reconcile_view(*store, *target);
    if (has_process(*target) && target->state.pid > 0) return target->state.pid;
  }
  return 0;
}

namespace {

// In place, not by rename: the file is bind-mounted into running containers.
Result<void> rewrite_in_place(const std::string& path, std::string_view text, int flags) {
  sys::UniqueFd fd = NOOK_TRY(sys::open_file(path, O_WRONLY | O_CLOEXEC | flags));
  return sys::write_all(fd.get(), text);
}

}  // namespace

Result<SharedNetworkFiles> share_network_files(const container::ContainerStore& store,
                                               const container::Container& record, const std::string& hostname) {
  container::ContainerPaths own = store.paths(record.id);
  SharedNetworkFiles files{.hosts = own.userdata + "/hosts", .resolv = own.userdata + "/resolv.conf"};
  if (network_container(record.network_mode).empty()) return files;
  container::Container target = NOOK_TRY(store.find(network_container(record.network_mode)));
  container::ContainerPaths theirs = store.paths(target.id);
  if (!target.no_hosts && !record.no_hosts) {
    files.hosts = theirs.userdata + "/hosts";
    NOOK_TRY_VOID(rewrite_in_place(files.hosts, network::format_line("127.0.0.1", {hostname, record.name}), O_APPEND));
  }
  if (!target.dns_none && !record.dns_none) files.resolv = theirs.userdata + "/resolv.conf";
  return files;
}

void unshare_network_files(const container::ContainerStore& store, const container::Container& record) {
  if (network_container(record.network_mode).empty() || record.no_hosts) return;
  auto target = store.find(network_container(record.network_mode));
  auto hostname = sys::read_file(store.paths(record.id).userdata + "/hostname");
  if (!target || !hostname) return;
  std::string path = store.paths(target->id).userdata + "/hosts";
  auto text = sys::read_file(path);
  if (!text) return;
  std::string kept = network::remove_hosts_line(
      *text, {"127.0.0.1", {std::string(strings::trim(*hostname)), record.name}});
  if (kept != *text) {
    if (auto written = rewrite_in_place(path, kept, O_TRUNC); !written) {
      NOOK_DEBUG(Store, "removing {}'s line from {}: {}", record.id, path, written.error().message());
    }
  }
}

Result<void> join_network_container(const Settings& settings, const container::ContainerStore& store,
                                    const container::Container& record, const container::ContainerPaths& paths) {
  if (network_container(record.network_mode).empty()) return {};
  container::Container target = NOOK_TRY(store.find(network_container(record.network_mode)));
  reconcile_view(store, target);
  if (!has_process(target)) {
    NOOK_DEBUG(Store, "container {}: starting {}, whose network namespace it shares", record.id, target.id);
    NOOK_TRY(start_container(settings, target.id, AttachOptions{}));
    target = NOOK_TRY(store.find(target.id));
  }
  if (target.state.pid <= 0) {
    return fail(ErrorKind::InvalidState, fmt::format("container {} has no process whose network namespace {} could join",
                                                     target.id, record.id));
  }
  oci::Spec spec = NOOK_TRY(oci::load_spec(paths.userdata));
  std::string netns = fmt::format("/proc/{}/ns/net", target.state.pid);
  bool found = false;
  for (oci::Namespace& ns : spec.linux_.namespaces) {
    if (ns.type == "network") {
      if (ns.path == netns) return {};
      ns.path = netns;
      found = true;
    }
  }
  if (!found) spec.linux_.namespaces.push_back({.type = "network", .path = netns});
  std::string text = oci::to_json(spec).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  return sys::write_file_atomic(paths.userdata + "/config.json", text, 0600, sys::Durability::AtomicOnly);
}

}  // namespace nook::engine
