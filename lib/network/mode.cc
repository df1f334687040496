#include "lib/network/mode.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>

#include <charconv>

#include "lib/util/strings.h"

namespace nook::network {

namespace {

Result<bool> parse_bool(std::string_view option, std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return fail(ErrorKind::InvalidArgument, fmt::format("invalid value of {} for slirp4netns: {:?}", option, value));
}

Result<SlirpOptions> parse_slirp_options(std::string_view text) {
  SlirpOptions options;
  if (text.empty()) return options;
  for (const std::string& item : strings::split(text, ',')) {
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    if (eq == std::string::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("unknown option for slirp4netns: {:?}", item));
    }
    if (key == "allow_host_loopback") {
      options.allow_host_loopback = NOOK_TRY(parse_bool(key, value));
    } else if (key == "enable_ipv6") {
      options.enable_ipv6 = NOOK_TRY(parse_bool(key, value));
    } else if (key == "cidr") {
      NOOK_TRY(slirp_addresses(value));
      options.cidr = value;
    } else if (key == "mtu") {
      int mtu = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), mtu);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || mtu < 68 || mtu > 65521) {
        return fail(ErrorKind::InvalidArgument, fmt::format("invalid mtu for slirp4netns: {:?}", value));
      }
      options.mtu = mtu;
    } else if (key == "port_handler") {
      if (value != "rootlesskit" && value != "slirp4netns") {
        return fail(ErrorKind::InvalidArgument, fmt::format("unknown port_handler for slirp4netns: {:?}", value));
      }
      options.port_handler = value;
    } else if (key == "outbound_addr") {
      options.outbound_addr = value;
    } else if (key == "outbound_addr6") {
      options.outbound_addr6 = value;
    } else {
      return fail(ErrorKind::InvalidArgument, fmt::format("unknown option for slirp4netns: {:?}", item));
    }
  }
  return options;
}

}  // namespace

Result<NetworkMode> parse_network_mode(std::string_view text) {
  NetworkMode mode;
  mode.text = std::string(text);
  std::string_view name = text.substr(0, text.find(':'));
  std::string_view rest = name.size() < text.size() ? text.substr(name.size() + 1) : std::string_view();
  bool has_options = name.size() < text.size();
  auto no_options = [&](ModeKind kind) -> Result<NetworkMode> {
    if (has_options) {
      return fail(ErrorKind::InvalidArgument, fmt::format("network mode {:?} takes no options: {:?}", name, text));
    }
    mode.kind = kind;
    return mode;
  };
  if (name == "none") return no_options(ModeKind::None);
  if (name == "host") return no_options(ModeKind::Host);
  if (name == "private") return no_options(ModeKind::Private);
  if (name == "bridge") {
    mode.kind = ModeKind::Bridge;
    mode.value = std::string(rest);
    return mode;
  }
  if (name == "slirp4netns") {
    mode.kind = ModeKind::Slirp4netns;
    mode.slirp = NOOK_TRY(parse_slirp_options(rest));
    return mode;
  }
  if (name == "pasta") {
    mode.kind = ModeKind::Pasta;
    mode.value = std::string(rest);
    return mode;
  }
  if (name == "container" || name == "ns") {
    if (rest.empty()) {
      return fail(ErrorKind::InvalidArgument, fmt::format("network mode {:?} needs a {} after the colon", text,
                                                          name == "ns" ? "path" : "container name or ID"));
    }
    mode.kind = name == "ns" ? ModeKind::Ns : ModeKind::Container;
    mode.value = std::string(rest);
    return mode;
  }
  if (text.empty()) return fail(ErrorKind::InvalidArgument, "the network mode is empty");
  mode.kind = ModeKind::Named;
  mode.value = std::string(text);
  return mode;
}

std::string default_network_mode(bool rootless, std::string_view default_rootless_network_cmd) {
  if (!rootless) return "none";
  return default_rootless_network_cmd.empty() ? "slirp4netns" : std::string(default_rootless_network_cmd);
}

Result<SlirpAddresses> slirp_addresses(std::string_view cidr) {
  size_t slash = cidr.find('/');
  std::string ip(cidr.substr(0, slash));
  int prefix = -1;
  if (slash != std::string_view::npos) {
    std::string_view bits = cidr.substr(slash + 1);
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (bits.empty() || ec != std::errc() || end != bits.data() + bits.size()) prefix = -1;
  }
  in_addr addr{};
  // slirp4netns needs room for .2, .3 and .100 (and refuses a prefix above 25).
  if (slash == std::string_view::npos || ::inet_pton(AF_INET, ip.c_str(), &addr) != 1 || prefix < 1 || prefix > 25) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid cidr for slirp4netns: {:?}", cidr));
  }
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  uint32_t network = ntohl(addr.s_addr) & mask;
  auto host = [&](uint32_t n) {
    in_addr out{htonl(network + n)};
    char buffer[INET_ADDRSTRLEN];
    return std::string(::inet_ntop(AF_INET, &out, buffer, sizeof buffer));
  };
  return SlirpAddresses{host(100), host(2), host(3), prefix};
}

}  // namespace nook::network
