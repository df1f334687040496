// `--network MODE`: podman's network modes and the options of slirp4netns, parsed once at create
// and kept in the container record as the text the user gave (re-parsed by start and inspect).
#pragma once

#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook::network {

enum class ModeKind {
  None,         // a network namespace with only lo
  Host,         // the host's network namespace
  Private,      // a new network namespace with only lo, as None (podman: "private")
  Slirp4netns,  // a new network namespace wired to slirp4netns (the rootless default)
  Container,    // container:ID|NAME: that container's network namespace
  Ns,           // ns:PATH: that network namespace
  Bridge,       // as root: a bridge with veth pairs (not built yet)
  Pasta,        // pasta[:options] (not built yet)
  Named,        // a named network (not built yet)
};

// slirp4netns[:OPTS]: podman's options and defaults (containers.conf's defaults for slirp4netns).
struct SlirpOptions {
  int mtu = 65520;
  std::string cidr = "10.0.2.0/24";
  bool allow_host_loopback = false;
  bool enable_ipv6 = true;
  std::string outbound_addr, outbound_addr6;
  // "rootlesskit" (podman's name; the default): nook's forwarder, which listens on the host and
  // connects inside the container's namespace; the client's address is not kept.
  // "slirp4netns": slirp4netns forwards the port itself and keeps the client's address.
  std::string port_handler = "rootlesskit";
};

struct NetworkMode {
  ModeKind kind = ModeKind::None;
  std::string value;  // Container: the name or id; Ns: the path; Named: the network name
  SlirpOptions slirp;
  std::string text;   // as given, for the record and inspect's NetworkMode

  // A network namespace of the container's own, wired to a backend that leads out.
  bool has_backend() const { return kind == ModeKind::Slirp4netns; }
};

// InvalidArgument for an unknown slirp4netns option or value ("unknown option for slirp4netns:
// \"foo\""), an empty container: or ns: target; a named network is kind Named (the caller says it
// does not exist).
[[nodiscard]] Result<NetworkMode> parse_network_mode(std::string_view text);

// The mode a container gets without --network: slirp4netns rootless (containers.conf's
// default_rootless_network_cmd), none as root until the bridge lands.
std::string default_network_mode(bool rootless, std::string_view default_rootless_network_cmd);

// The addresses of slirp4netns' network for a cidr: the container is .100, the gateway (the host)
// .2 and the DNS forwarder .3 of it, as slirp4netns configures them.
struct SlirpAddresses {
  std::string container_ip;  // 10.0.2.100
  std::string gateway;       // 10.0.2.2
  std::string dns;           // 10.0.2.3
  int prefix_length = 24;
};
[[nodiscard]] Result<SlirpAddresses> slirp_addresses(std::string_view cidr);

}  // namespace nook::network
