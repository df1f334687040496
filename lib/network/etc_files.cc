#include "lib/network/etc_files.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "lib/util/strings.h"

namespace nook::network {

namespace {

constexpr std::string_view kHostGateway = "host-gateway";
constexpr std::string_view kHostContainersInternal = "host.containers.internal";

bool is_ipv4(std::string_view text) {
  in_addr addr{};
  return ::inet_pton(AF_INET, std::string(text).c_str(), &addr) == 1;
}

bool is_ipv6(std::string_view text) {
  in6_addr addr{};
  return ::inet_pton(AF_INET6, std::string(text).c_str(), &addr) == 1;
}

// net.ParseIP: an IPv4 or IPv6 address, no zone.
bool is_ip(std::string_view text) { return is_ipv4(text) || is_ipv6(text); }

// pflag's string slices: every occurrence is a comma list.
std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& value : values) {
    for (std::string& part : strings::split(value, ',')) {
      if (!part.empty()) out.push_back(std::move(part));
    }
  }
  return out;
}

// One label of a domain: letters, digits and '-', not at either end.
bool valid_label(std::string_view label) {
  if (label.empty()) return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(label.front()) || !alnum(label.back())) return false;
  return std::all_of(label.begin(), label.end(), [&](char c) { return alnum(c) || c == '-'; });
}

// podman's parse.ValidateDomain: labels joined by dots, one trailing dot allowed, at least one
// letter, shorter than 255.
bool valid_domain(std::string_view domain) {
  if (std::none_of(domain.begin(), domain.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
    return false;
  }
  while (!domain.empty() && std::isspace(static_cast<unsigned char>(domain.back()))) domain.remove_suffix(1);
  if (domain.ends_with('.')) domain.remove_suffix(1);
  if (domain.empty() || domain.size() >= 255) return false;
  for (const std::string& label : strings::split(domain, '.')) {
    if (!valid_label(label)) return false;
  }
  return true;
}

std::string_view mode_name(ModeKind mode) { return mode == ModeKind::Container ? "container" : "none"; }

// The lines of a resolv.conf with '#' comments cut off, split into fields.
std::vector<std::vector<std::string>> resolv_lines(std::string_view text) {
  std::vector<std::vector<std::string>> out;
  for (std::string_view line : strings::split(text, '\n')) {
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string> fields;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      size_t start = i;
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (i > start) fields.emplace_back(line.substr(start, i - start));
    }
    if (!fields.empty()) out.push_back(std::move(fields));
  }
  return out;
}

// A nameserver address as the resolvconf package matches it: IPv4, or IPv6 with an optional zone.
bool nameserver_address(std::string_view text) {
  if (is_ipv4(text)) return true;
  return is_ipv6(text.substr(0, text.find('%')));
}

// The fields after the last line that starts with `keyword`.
std::vector<std::string> last_line_fields(std::string_view text, std::string_view keyword) {
  std::vector<std::string> out;
  for (std::vector<std::string>& fields : resolv_lines(text)) {
    if (fields.front() == keyword) out.assign(fields.begin() + 1, fields.end());
  }
  return out;
}

bool loopback_nameserver(std::string_view ip) { return ip == "::1" || (ip.starts_with("127.") && is_ipv4(ip)); }

}  // namespace

std::string format_line(const std::string& ip, const std::vector<std::string>& names) {
  return fmt::format("{}\t{}\n", ip, strings::join(names, " "));
}

std::string remove_hosts_line(std::string_view text, const HostEntry& entry) {
  std::string out;
  for (std::string_view rest = text; !rest.empty();) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end == std::string_view::npos ? rest.size() : end + 1);
    rest.remove_prefix(line.size());
    std::vector<HostEntry> parsed = parse_hosts(line);
    if (parsed.size() == 1 && parsed[0] == entry) continue;
    out += line;
  }
  return out;
}

Result<NameFlags> check_name_flags(const NameFlags& flags, ModeKind mode) {
  NameFlags out;
  out.no_hosts = flags.no_hosts;
  out.add_hosts = split_commas(flags.add_hosts);
  out.dns_servers = split_commas(flags.dns_servers);
  out.dns_search = split_commas(flags.dns_search);
  out.dns_options = split_commas(flags.dns_options);
  // The order of podman's checks: create's flag conflicts, then the values, then libpod's.
  bool any_dns = !flags.dns_servers.empty() || !flags.dns_search.empty() || !flags.dns_options.empty();
  if (any_dns && (mode == ModeKind::None || mode == ModeKind::Container)) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("conflicting options: dns and the network mode: {}", mode_name(mode)));
  }
  if (out.no_hosts && !flags.add_hosts.empty()) {
    return fail(ErrorKind::InvalidArgument, "--no-hosts and --add-host cannot be set together");
  }
  for (const std::string& server : out.dns_servers) {
    if (server == "none") {
      if (out.dns_servers.size() > 1) {
        return fail(ErrorKind::InvalidArgument, "none is not allowed to be specified with other DNS ip addresses");
      }
      out.dns_none = true;
      continue;
    }
    if (!is_ip(server)) return fail(ErrorKind::InvalidArgument, fmt::format("{} is not an ip address", server));
  }
  if (out.dns_none) out.dns_servers.clear();
  for (const std::string& domain : out.dns_search) {
    if (domain == ".") {
      if (out.dns_search.size() > 1) {
        return fail(ErrorKind::InvalidArgument, "cannot pass additional search domains when also specifying '.'");
      }
      continue;
    }
    if (!valid_domain(domain)) return fail(ErrorKind::InvalidArgument, fmt::format("{} is not a valid domain", domain));
  }
  for (const std::string& entry : out.add_hosts) {
    size_t colon = entry.find(':');  // the first: an IPv6 address has more
    if (colon == std::string::npos || colon == 0) {
      return fail(ErrorKind::InvalidArgument, fmt::format("bad format for add-host: {:?}", entry));
    }
    std::string_view ip = std::string_view(entry).substr(colon + 1);
    if (ip != kHostGateway && !is_ip(strings::trim(ip))) {
      return fail(ErrorKind::InvalidArgument, fmt::format("invalid IP address in add-host: {:?}", ip));
    }
  }
  if (out.dns_none && (!out.dns_search.empty() || !out.dns_options.empty())) {
    return fail(ErrorKind::InvalidArgument, "cannot configure DNS options if using image's resolv.conf: invalid argument");
  }
  return out;
}

std::vector<HostEntry> parse_hosts(std::string_view text) {
  std::vector<HostEntry> entries;
  for (std::vector<std::string>& fields : resolv_lines(text)) {
    if (fields.size() < 2) continue;
    HostEntry entry{std::move(fields.front()), {}};
    entry.names.assign(std::make_move_iterator(fields.begin() + 1), std::make_move_iterator(fields.end()));
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string host_containers_internal_ip(const NetworkMode& mode, std::string_view slirp_gateway,
                                        std::string_view local_ip) {
  if (mode.kind == ModeKind::Slirp4netns && mode.slirp.allow_host_loopback && !slirp_gateway.empty()) {
    return std::string(slirp_gateway);
  }
  return std::string(local_ip);
}

std::string pick_local_ip(const std::vector<std::string>& addresses) {
  std::string ipv6;
  for (const std::string& address : addresses) {
    in_addr v4{};
    in6_addr v6{};
    if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) {
      uint32_t ip = ntohl(v4.s_addr);
      bool global = ip != 0 && (ip >> 24) != 127 && (ip >> 16) != 0xa9fe /* 169.254/16 */ &&
                    (ip >> 28) != 0xe /* multicast */ && ip != 0xffffffff;
      if (global) return address;
    } else if (::inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
      bool global = !IN6_IS_ADDR_UNSPECIFIED(&v6) && !IN6_IS_ADDR_LOOPBACK(&v6) && !IN6_IS_ADDR_LINKLOCAL(&v6) &&
                    !IN6_IS_ADDR_MULTICAST(&v6);
      if (global) ipv6 = address;  // keep looking for an IPv4 address
    }
  }
  return ipv6;
}

std::string host_local_ip() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::vector<std::string> addresses;
  for (const ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    char buffer[INET6_ADDRSTRLEN] = {};
    if (it->ifa_addr->sa_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
      if (::inet_ntop(AF_INET, &in->sin_addr, buffer, sizeof buffer) != nullptr) addresses.emplace_back(buffer);
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(it->ifa_addr);
      if (::inet_ntop(AF_INET6, &in6->sin6_addr, buffer, sizeof buffer) != nullptr) addresses.emplace_back(buffer);
    }
  }
  ::freeifaddrs(list);
  return pick_local_ip(addresses);
}

Result<std::string> hosts_file(const HostsInputs& inputs) {
  std::vector<HostEntry> entries;
  for (const std::string& add : inputs.add_hosts) {
    size_t colon = add.find(':');
    if (colon == std::string::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("unable to parse host entry {:?}: incorrect format", add));
    }
    std::string ip = add.substr(colon + 1);
    if (ip == kHostGateway) {
      if (inputs.host_containers_internal_ip.empty()) {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("unable to replace \"host-gateway\" of host entry {:?}: host containers internal IP "
                                "address is empty",
                                add));
      }
      ip = inputs.host_containers_internal_ip;
    }
    entries.push_back(HostEntry{ip, {add.substr(0, colon)}});
  }
  for (HostEntry& entry : parse_hosts(inputs.base)) entries.push_back(std::move(entry));

  std::vector<HostEntry> ours{{"127.0.0.1", {"localhost"}}, {"::1", {"localhost"}}};
  if (!inputs.host_containers_internal_ip.empty()) {
    ours.push_back({inputs.host_containers_internal_ip, {std::string(kHostContainersInternal)}});
  }
  std::vector<std::string> own_names{inputs.hostname, inputs.name};
  switch (inputs.mode) {
    case ModeKind::Slirp4netns:
      if (!inputs.container_ip.empty()) ours.push_back({inputs.container_ip, own_names});
      break;
    case ModeKind::None:
    case ModeKind::Private:
      ours.push_back({"127.0.0.1", own_names});
      break;
    default:  // host, ns:, container:: no address of the container's own to name
      break;
  }

  std::string text;
  std::set<std::string> taken;
  for (const HostEntry& entry : entries) {
    taken.insert(entry.names.begin(), entry.names.end());
    text += format_line(entry.ip, entry.names);
  }
  // Only the names nobody set yet: a user's entry is never overridden.
  for (const HostEntry& entry : ours) {
    std::vector<std::string> free;
    for (const std::string& name : entry.names) {
      if (!name.empty() && !taken.contains(name)) free.push_back(name);
    }
    if (!free.empty()) text += format_line(entry.ip, free);
  }
  return text;
}

std::vector<std::string> resolv_nameservers(std::string_view text) {
  std::vector<std::string> out;
  for (std::vector<std::string>& fields : resolv_lines(text)) {
    if (fields.size() == 2 && fields[0] == "nameserver" && nameserver_address(fields[1])) out.push_back(std::move(fields[1]));
  }
  return out;
}

std::vector<std::string> resolv_searches(std::string_view text) { return last_line_fields(text, "search"); }

std::vector<std::string> resolv_options(std::string_view text) { return last_line_fields(text, "options"); }

std::string resolv_conf(const ResolvInputs& inputs) {
  bool own_netns = inputs.mode != ModeKind::Host;
  std::vector<std::string> host_servers = resolv_nameservers(inputs.host_resolv);
  if (own_netns) {
    // The host's loopback is not the container's; nor is IPv6 reachable without it.
    std::erase_if(host_servers, [&](const std::string& ip) {
      return loopback_nameserver(ip) || (!inputs.ipv6 && ip.find(':') != std::string::npos);
    });
    if (host_servers.empty()) {
      host_servers = {"8.8.8.8", "8.8.4.4"};
      if (inputs.ipv6) host_servers.insert(host_servers.end(), {"2001:4860:4860::8888", "2001:4860:4860::8844"});
    }
  }
  std::vector<std::string> servers = inputs.servers;
  if (servers.empty()) {
    if (!inputs.slirp_dns.empty()) servers.push_back(inputs.slirp_dns);
    servers.insert(servers.end(), host_servers.begin(), host_servers.end());
  }
  std::vector<std::string> searches = inputs.searches;
  if (searches.empty()) {
    searches = resolv_searches(inputs.host_resolv);
  } else if (std::find(searches.begin(), searches.end(), ".") != searches.end()) {
    searches.clear();
  }
  std::vector<std::string> options = inputs.options.empty() ? resolv_options(inputs.host_resolv) : inputs.options;

  std::string text;
  if (!searches.empty()) text += fmt::format("search {}\n", strings::join(searches, " "));
  for (const std::string& server : servers) text += fmt::format("nameserver {}\n", server);
  if (!options.empty()) text += fmt::format("options {}\n", strings::join(options, " "));
  return text;
}

std::string local_resolver_alternative(std::string_view host_resolv) {
  std::vector<std::string> servers = resolv_nameservers(host_resolv);
  if (servers.size() != 1) return "";
  if (servers[0] == "127.0.0.53") return "/run/systemd/resolve/resolv.conf";
  if (servers[0] == "127.0.0.1") return "/run/NetworkManager/no-stub-resolv.conf";
  return "";
}

std::string netns_resolv_conf_path(std::string_view ns_path) {
  if (ns_path.empty() || ns_path.starts_with("/proc/")) return "";
  std::string_view base = ns_path;
  while (base.size() > 1 && base.ends_with('/')) base.remove_suffix(1);
  if (size_t slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
  if (base.empty() || base == "/" || base == "." || base == "..") return "";
  return fmt::format("/etc/netns/{}/resolv.conf", base);
}

}  // namespace nook::network
