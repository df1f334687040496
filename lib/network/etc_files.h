// A container's /etc/hosts and /etc/resolv.conf, as podman 4.3 writes them (containers/common
// libnetwork/etchosts and libnetwork/resolvconf, libpod's createHosts and generateResolvConf), and
// the flags that shape them: --add-host, --no-hosts, --dns, --dns-search, --dns-option.
//
// Everything here but host_local_ip() is a pure function of its inputs: the engine reads the
// host's files (or the image's, or containers.conf's base_hosts_file) and passes their text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/network/mode.h"
#include "lib/util/error.h"

namespace nook::network {

// The flags as given (each occurrence may be a comma list, as podman's string slices), checked
// and split by check_name_flags().
struct NameFlags {
  std::vector<std::string> add_hosts;    // --add-host NAME:IP or NAME:host-gateway
  bool no_hosts = false;                 // --no-hosts, or containers.conf no_hosts
  std::vector<std::string> dns_servers;  // --dns IP, or "none" alone (the image's resolv.conf)
  std::vector<std::string> dns_search;   // --dns-search DOMAIN, or "." alone (no search line)
  std::vector<std::string> dns_options;  // --dns-option OPT (--dns-opt)
  bool dns_none = false;                 // set by check_name_flags() for --dns none
};

// Splits the comma lists and checks the flags as podman's create does, for the network mode they
// are used with. InvalidArgument with podman's messages:
//   "--no-hosts and --add-host cannot be set together"
//   "conflicting options: dns and the network mode: none" (none and container:, any --dns* flag)
//   "bad format for add-host: \"x\"", "invalid IP address in add-host: \"x\""
//   "x is not an ip address", "none is not allowed to be specified with other DNS ip addresses"
//   "x is not a valid domain", "cannot pass additional search domains when also specifying '.'"
//   "cannot configure DNS options if using image's resolv.conf: invalid argument" (--dns none with
//   --dns-search or --dns-option)
// On success the lists are split and dns_none is set (dns_servers is then empty).
[[nodiscard]] Result<NameFlags> check_name_flags(const NameFlags& flags, ModeKind mode);

// One line of a hosts file: an address and its names.
struct HostEntry {
  std::string ip;
  std::vector<std::string> names;
  friend bool operator==(const HostEntry&, const HostEntry&) = default;
};

// The entries of a hosts file: comments ('#' to the end of the line) dropped, lines with an
// address but no name skipped (etchosts parseHostsFile).
std::vector<HostEntry> parse_hosts(std::string_view text);

// The address host.containers.internal names, "" for no entry: slirp4netns with
// allow_host_loopback=true reaches the host's loopback through its gateway (10.0.2.2 for the
// default cidr); otherwise podman 4.3's rule, the host's first global unicast address
// (`local_ip`, from host_local_ip(); "" when the host has none).
std::string host_containers_internal_ip(const NetworkMode& mode, std::string_view slirp_gateway,
                                        std::string_view local_ip);

// The host's first global unicast address, IPv4 preferred, as podman's getLocalIP(): not loopback,
// link-local, multicast or unspecified. "" when there is none or the interfaces cannot be read.
std::string host_local_ip();
// The choice host_local_ip() makes among `addresses` (in the host's interface order).
std::string pick_local_ip(const std::vector<std::string>& addresses);

// One line of a hosts file as podman writes it: `IP<tab>NAME NAME...`.
std::string format_line(const std::string& ip, const std::vector<std::string>& names);
// `text` without the lines that are exactly `entry` (etchosts.Remove); comments and other lines
// stay as they are.
std::string remove_hosts_line(std::string_view text, const HostEntry& entry);

struct HostsInputs {
  ModeKind mode = ModeKind::None;
  std::string hostname;
  std::string name;                 // the container's name
  std::string container_ip;         // slirp4netns: the container's address (10.0.2.100)
  std::string base;                 // the base file's text (host's /etc/hosts by default; "" for none)
  std::vector<std::string> add_hosts;  // checked NAME:IP entries (check_name_flags)
  std::string host_containers_internal_ip;  // "" = no entry
};

// The hosts file (etchosts.New): the --add-host entries first, then the base file's entries, then
// `127.0.0.1 localhost`, `::1 localhost`, `IP host.containers.internal` and the container's own
// line (`IP HOSTNAME NAME`: its slirp4netns address, 127.0.0.1 for none and private, no line for
// host, ns: and container:), each with only the names no earlier line has.
// InvalidArgument for NAME:host-gateway when there is no host.containers.internal address.
[[nodiscard]] Result<std::string> hosts_file(const HostsInputs& inputs);

struct ResolvInputs {
  ModeKind mode = ModeKind::None;
  std::string host_resolv;  // the host's resolv.conf text (see local_resolver_alternative())
  // containers.conf's dns_servers/dns_searches/dns_options followed by the flags'.
  std::vector<std::string> servers, searches, options;
  std::string slirp_dns;  // slirp4netns: its DNS forwarder (10.0.2.3), first of the nameservers
  bool ipv6 = false;      // the container has IPv6 (slirp4netns enable_ipv6): keep IPv6 servers
};

// The resolv.conf (resolvconf.New): with a network namespace of its own the host's loopback
// nameservers are dropped (and its IPv6 ones without ipv6; none left: 8.8.8.8 and 8.8.4.4, as
// podman); given servers replace the host's; slirp4netns' forwarder comes first, the host's after
// it; given searches replace the host's ("." = none); given options replace the host's. Written
// as `search ...`, `nameserver ...` lines, `options ...`.
std::string resolv_conf(const ResolvInputs& inputs);

// A host whose resolv.conf names only a local stub resolver keeps the real servers elsewhere:
// "/run/systemd/resolve/resolv.conf" for 127.0.0.53 (systemd-resolved),
// "/run/NetworkManager/no-stub-resolv.conf" for 127.0.0.1; "" otherwise. Read that file instead
// when it exists, for a container with a network namespace of its own.
std::string local_resolver_alternative(std::string_view host_resolv);

// ns:PATH made by `ip netns add NAME` may have its own /etc/netns/NAME/resolv.conf (read it
// instead of the host's when it exists); "" for a path under /proc/.
std::string netns_resolv_conf_path(std::string_view ns_path);

// The nameservers, search domains and options a resolv.conf text names (the last search and
// options lines win), as podman reads them.
std::vector<std::string> resolv_nameservers(std::string_view text);
std::vector<std::string> resolv_searches(std::string_view text);
std::vector<std::string> resolv_options(std::string_view text);

}  // namespace nook::network
