#include "lib/network/ports.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "lib/network/address.h"
#include "lib/sys/fd.h"
#include "lib/util/strings.h"

namespace nook::network {

namespace {

Result<uint16_t> parse_port(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid port number {:?}", text));
  }
  if (value < 1 || value > 65535) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("port numbers must be between 1 and 65535 (inclusive), got {}", value));
  }
  return static_cast<uint16_t>(value);
}

struct PortRange {
  uint16_t start = 0;
  uint16_t length = 1;
};

// "80" or "80-90".
Result<PortRange> parse_range(std::string_view text) {
  std::vector<std::string> parts = strings::split(text, '-');
  if (parts.size() > 2) {
    return fail(ErrorKind::InvalidArgument, "invalid port format - port ranges are formatted as startPort-stopPort");
  }
  if (parts[0].empty()) return fail(ErrorKind::InvalidArgument, "port numbers cannot be negative");
  PortRange range{NOOK_TRY(parse_port(parts[0])), 1};
  if (parts.size() == 2) {
    if (parts[1].empty()) return fail(ErrorKind::InvalidArgument, "must provide ending number for port range");
    uint16_t end = NOOK_TRY(parse_port(parts[1]));
    if (end <= range.start) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("the end port of a range must be higher than the start port - {} is not higher than {}",
                              end, range.start));
    }
    range.length = static_cast<uint16_t>(end - range.start + 1);
  }
  return range;
}

Result<std::vector<std::string>> parse_protocols(std::string_view text) {
  std::vector<std::string> out;
  for (std::string& proto : strings::split(text, ',')) {
    std::string lower = strings::to_lower(proto);
    if (lower != "tcp" && lower != "udp" && lower != "sctp") {
      return fail(ErrorKind::InvalidArgument, fmt::format("unrecognized protocol {:?} in port mapping", proto));
    }
    if (std::find(out.begin(), out.end(), lower) == out.end()) out.push_back(lower);
  }
  return out;
}

// The address as the kernel would print it ("::1" for "0:0::1"); "" for 0.0.0.0.
Result<std::string> normalize_ip(std::string_view text) {
  if (text == "0.0.0.0") return std::string();
  std::string copy(text);
  char buffer[INET6_ADDRSTRLEN];
  in_addr v4{};
  if (::inet_pton(AF_INET, copy.c_str(), &v4) == 1) return std::string(::inet_ntop(AF_INET, &v4, buffer, sizeof buffer));
  in6_addr v6{};
  if (::inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
    return std::string(::inet_ntop(AF_INET6, &v6, buffer, sizeof buffer));
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("cannot parse {:?} as an IP address", text));
}

std::string shown_ip(const std::string& host_ip) {
  if (host_ip.empty()) return "0.0.0.0";
  return host_ip;
}

std::string host_address(const std::string& host_ip, uint16_t port) {
  std::string ip = shown_ip(host_ip);
  if (ip.find(':') != std::string::npos) return fmt::format("[{}]:{}", ip, port);
  return fmt::format("{}:{}", ip, port);
}

// A bound socket on (ip, port, protocol) of the host: the port is free while it is held.
Result<sys::UniqueFd> bind_host_port(const std::string& host_ip, uint16_t port, const std::string& protocol,
                                     uint16_t* bound) {
  bool v6 = host_ip.find(':') != std::string::npos;
  int type = protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(Error::from_errno("socket"));
  sys::UniqueFd sock(fd);
  sockaddr_storage storage{};
  socklen_t length = socket_address(host_ip, port, v6 ? AF_INET6 : AF_INET, &storage);
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    return fail(Error::from_errno("bind", host_address(host_ip, port)));
  }
  socklen_t got_length = sizeof storage;
  if (::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&storage), &got_length) != 0) {
    return fail(Error::from_errno("getsockname"));
  }
  *bound = socket_port(storage);
  return sock;
}

}  // namespace

Result<std::vector<PortMapping>> parse_publish(std::string_view spec) {
  std::vector<std::string> proto_split = strings::split(spec, '/');
  if (proto_split.size() > 2) {
    return fail(ErrorKind::InvalidArgument, "invalid port format - protocol can only be specified once");
  }
  std::vector<std::string> protocols = {"tcp"};
  if (proto_split.size() == 2) {
    if (proto_split[1].empty()) return fail(ErrorKind::InvalidArgument, "must provide a non-empty protocol to publish");
    protocols = NOOK_TRY(parse_protocols(proto_split[1]));
  }
  std::string remainder = proto_split[0];
  std::optional<std::string> host_ip, host_port;
  std::string container_port;
  bool have_v6 = false;
  if (size_t close = remainder.find(']'); close != std::string::npos) {
    if (remainder.find(']', close + 1) != std::string::npos) {
      return fail(ErrorKind::InvalidArgument, "invalid port format - at most one IPv6 address can be specified in a --publish");
    }
    if (!remainder.starts_with('[')) {
      return fail(ErrorKind::InvalidArgument, "invalid port format - IPv6 addresses must be enclosed by []");
    }
    if (remainder.compare(close + 1, 1, ":") != 0) {
      return fail(ErrorKind::InvalidArgument, "invalid port format - IPv6 address must be followed by a colon (':')");
    }
    have_v6 = true;
    host_ip = remainder.substr(1, close - 1);
    remainder = remainder.substr(close + 2);
  }
  std::vector<std::string> parts = strings::split(remainder, ':');
  switch (parts.size()) {
    case 1:
      if (have_v6) {
        return fail(ErrorKind::InvalidArgument,
                    "invalid port format - must provide host and destination port if specifying an IP");
      }
      container_port = parts[0];
      break;
    case 2:
      host_port = parts[0];
      container_port = parts[1];
      break;
    case 3:
      if (have_v6) {
        return fail(ErrorKind::InvalidArgument,
                    "invalid port format - when v6 address specified, must be [ipv6]:hostPort:ctrPort");
      }
      host_ip = parts[0];
      host_port = parts[1];
      container_port = parts[2];
      break;
    default:
      return fail(ErrorKind::InvalidArgument, "invalid port format - format is [[hostIP:]hostPort:]containerPort");
  }
  if (container_port.empty()) return fail(ErrorKind::InvalidArgument, "must provide a non-empty container port to publish");
  auto ctr = parse_range(container_port);
  if (!ctr) return fail(ctr.error().context("parsing container port"));
  PortMapping mapping;
  mapping.container_port = ctr->start;
  mapping.range = ctr->length;
  if (host_ip) {
    if (host_ip->empty()) return fail(ErrorKind::InvalidArgument, "must provide a non-empty container host IP to publish");
    mapping.host_ip = NOOK_TRY(normalize_ip(*host_ip));
  }
  if (host_port && !host_port->empty()) {
    auto host = parse_range(*host_port);
    if (!host) return fail(host.error().context("parsing host port"));
    if (host->length != ctr->length) {
      return fail(ErrorKind::InvalidArgument, fmt::format("host and container port ranges have different lengths: {} vs {}",
                                                          host->length, ctr->length));
    }
    if (static_cast<int>(host->start) + host->length - 1 > 65535) {
      return fail(ErrorKind::InvalidArgument, "the host port range ends above 65535");
    }
    mapping.host_port = host->start;
  }
  std::vector<PortMapping> out;
  for (const std::string& protocol : protocols) {
    mapping.protocol = protocol;
    out.push_back(mapping);
  }
  return out;
}

Result<std::vector<ExposedPort>> parse_expose(std::string_view spec) {
  std::vector<std::string> proto_split = strings::split(spec, '/');
  if (proto_split.size() > 2) {
    return fail(ErrorKind::InvalidArgument, "invalid expose format - protocol can only be specified once");
  }
  std::vector<std::string> protocols = {"tcp"};
  if (proto_split.size() == 2) protocols = NOOK_TRY(parse_protocols(proto_split[1]));
  auto range = parse_range(proto_split[0]);
  if (!range) return fail(range.error().context(fmt::format("invalid range format for --expose: {}", spec)));
  std::vector<ExposedPort> out;
  for (int i = 0; i < range->length; ++i) {
    for (const std::string& protocol : protocols) out.push_back({static_cast<uint16_t>(range->start + i), protocol});
  }
  return out;
}

std::vector<PortMapping> publish_exposed(const std::vector<ExposedPort>& exposed,
                                         const std::vector<PortMapping>& published) {
  std::vector<PortMapping> out;
  for (const ExposedPort& port : exposed) {
    bool covered = std::any_of(published.begin(), published.end(), [&](const PortMapping& m) {
      return m.protocol == port.protocol && port.port >= m.container_port && port.port < m.container_port + m.range;
    });
    bool added = std::any_of(out.begin(), out.end(), [&](const PortMapping& m) {
      return m.protocol == port.protocol && m.container_port == port.port;
    });
    if (!covered && !added) out.push_back(PortMapping{.container_port = port.port, .protocol = port.protocol});
  }
  return out;
}

Result<void> allocate_host_ports(std::vector<PortMapping>& mappings) {
  for (PortMapping& mapping : mappings) {
    if (mapping.host_port != 0) continue;
    // A single port: whatever the kernel picks. A range: the kernel's pick as the start, if the
    // ports after it are free too; a few tries.
    bool found = false;
    for (int attempt = 0; attempt < 20 && !found; ++attempt) {
      uint16_t start = 0;
      std::vector<sys::UniqueFd> held;
      held.push_back(NOOK_TRY(bind_host_port(mapping.host_ip, 0, mapping.protocol, &start)));
      if (static_cast<int>(start) + mapping.range - 1 > 65535) continue;
      found = true;
      for (uint16_t i = 1; i < mapping.range && found; ++i) {
        uint16_t bound = 0;
        auto next = bind_host_port(mapping.host_ip, static_cast<uint16_t>(start + i), mapping.protocol, &bound);
        if (next) {
          held.push_back(std::move(*next));
        } else {
          found = false;
        }
      }
      if (found) mapping.host_port = start;
    }
    if (!found) {
      return fail(ErrorKind::System, fmt::format("cannot find {} free consecutive host ports for {}/{}", mapping.range,
                                                 mapping.container_port, mapping.protocol));
    }
  }
  std::set<std::tuple<std::string, int, std::string>> seen;
  for (const PortMapping& mapping : mappings) {
    for (int i = 0; i < mapping.range; ++i) {
      if (!seen.emplace(mapping.host_ip, mapping.host_port + i, mapping.protocol).second) {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("host port {}/{} is published twice", mapping.host_port + i, mapping.protocol));
      }
    }
  }
  return {};
}

nlohmann::json to_json(const PortMapping& mapping) {
  return {{"host_ip", mapping.host_ip},
          {"container_port", mapping.container_port},
          {"host_port", mapping.host_port},
          {"range", mapping.range},
          {"protocol", mapping.protocol}};
}

nlohmann::json to_json(const std::vector<PortMapping>& mappings) {
  nlohmann::json out = nlohmann::json::array();
  for (const PortMapping& mapping : mappings) out.push_back(to_json(mapping));
  return out;
}

Result<std::vector<PortMapping>> parse_port_mappings(const nlohmann::json& json) {
  std::vector<PortMapping> out;
  if (json.is_null()) return out;
  if (!json.is_array()) return fail(ErrorKind::Corrupt, "port mappings: expected an array");
  for (const nlohmann::json& item : json) {
    if (!item.is_object()) return fail(ErrorKind::Corrupt, "port mappings: expected objects");
    PortMapping mapping;
    auto number = [&](const char* key, uint16_t fallback) -> Result<uint16_t> {
      auto it = item.find(key);
      if (it == item.end()) return fallback;
      if (!it->is_number_unsigned() || it->get<uint64_t>() > 65535) {
        return fail(ErrorKind::Corrupt, fmt::format("port mappings: {:?} is not a port number", key));
      }
      return static_cast<uint16_t>(it->get<uint64_t>());
    };
    mapping.host_ip = item.value("host_ip", "");
    mapping.container_port = NOOK_TRY(number("container_port", 0));
    mapping.host_port = NOOK_TRY(number("host_port", 0));
    mapping.range = NOOK_TRY(number("range", 1));
    mapping.protocol = item.value("protocol", "tcp");
    if (mapping.range == 0) mapping.range = 1;
    out.push_back(std::move(mapping));
  }
  return out;
}

std::string format_ports(const std::vector<PortMapping>& mappings) {
  std::vector<std::string> parts;
  for (const PortMapping& m : mappings) {
    std::string ip = shown_ip(m.host_ip);
    if (m.range > 1) {
      parts.push_back(fmt::format("{}:{}-{}->{}-{}/{}", ip, m.host_port, m.host_port + m.range - 1, m.container_port,
                                  m.container_port + m.range - 1, m.protocol));
    } else {
      parts.push_back(fmt::format("{}:{}->{}/{}", ip, m.host_port, m.container_port, m.protocol));
    }
  }
  return strings::join(parts, ", ");
}

std::vector<std::string> port_lines(const std::vector<PortMapping>& mappings) {
  std::vector<std::string> lines;
  for (const PortMapping& m : mappings) {
    for (int i = 0; i < m.range; ++i) {
      lines.push_back(fmt::format("{}/{} -> {}", m.container_port + i, m.protocol,
                                  host_address(m.host_ip, static_cast<uint16_t>(m.host_port + i))));
    }
  }
  return lines;
}

Result<std::string> find_host_port(const std::vector<PortMapping>& mappings, std::string_view port) {
  std::string_view number = port;
  std::string protocol = "tcp";
  if (size_t slash = port.find('/'); slash != std::string_view::npos) {
    number = port.substr(0, slash);
    protocol = strings::to_lower(port.substr(slash + 1));
  }
  auto wanted = parse_port(number);
  if (!wanted) return fail(ErrorKind::InvalidArgument, fmt::format("invalid port {:?}", port));
  for (const PortMapping& m : mappings) {
    if (m.protocol == protocol && *wanted >= m.container_port && *wanted < m.container_port + m.range) {
      return host_address(m.host_ip, static_cast<uint16_t>(m.host_port + (*wanted - m.container_port)));
    }
  }
  return fail(ErrorKind::NotFound, fmt::format("failed to find published port {:?}", fmt::format("{}/{}", *wanted, protocol)));
}

nlohmann::ordered_json inspect_ports(const std::vector<PortMapping>& mappings, const std::vector<ExposedPort>& exposed,
                                     bool with_exposed) {
  // Sorted by port number, then protocol, as Go's map printing sorts the keys as strings; we
  // keep numbers in order, which reads better and is what podman shows for common cases.
  std::map<std::pair<int, std::string>, nlohmann::ordered_json> ports;
  if (with_exposed) {
    for (const ExposedPort& port : exposed) ports.emplace(std::make_pair(port.port, port.protocol), nullptr);
  }
  for (const PortMapping& m : mappings) {
    for (int i = 0; i < m.range; ++i) {
      auto& slot = ports[{m.container_port + i, m.protocol}];
      if (!slot.is_array()) slot = nlohmann::ordered_json::array();
      slot.push_back({{"HostIp", m.host_ip}, {"HostPort", std::to_string(m.host_port + i)}});
    }
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (auto& [key, value] : ports) out[fmt::format("{}/{}", key.first, key.second)] = std::move(value);
  return out;
}

}  // namespace nook::network
