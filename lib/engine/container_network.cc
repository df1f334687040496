#include "lib/engine/container_network.h"

#include <fmt/format.h>

#include <algorithm>

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
    case ModeKind::Container:
      return fail(ErrorKind::Unsupported, "--network container: is not supported yet");
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

}  // namespace nook::engine
