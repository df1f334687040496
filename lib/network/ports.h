// Published and exposed ports: `-p`, `-P`, `--expose` as podman parses them, the record's JSON,
// and the shapes `ps`, `port` and `inspect` print.
//
// One PortMapping is podman's types.PortMapping with a single protocol: `-p 8080-8081:80-81/tcp,udp`
// becomes two mappings of range 2, one per protocol.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::network {

struct PortMapping {
  std::string host_ip;      // "" = every address of the host (podman leaves 0.0.0.0 empty too)
  uint16_t host_port = 0;   // 0 = any free port, chosen by allocate_host_ports() at create
  uint16_t container_port = 0;
  uint16_t range = 1;       // ports host_port.. and container_port.. of this many
  std::string protocol = "tcp";  // "tcp", "udp" or "sctp"
  friend bool operator==(const PortMapping&, const PortMapping&) = default;
};

// `-p [[ip:][hostPort]:]containerPort[/protocol]`, ports and ranges as podman's CreatePortBindings;
// the protocol may be a comma list ("tcp,udp"). InvalidArgument with podman's reasons
// ("host and container port ranges have different lengths: 2 vs 3").
[[nodiscard]] Result<std::vector<PortMapping>> parse_publish(std::string_view spec);

// One exposed container port (`--expose 80-81/udp`, the image's ExposedPorts "80/tcp").
struct ExposedPort {
  uint16_t port = 0;
  std::string protocol = "tcp";
  friend bool operator==(const ExposedPort&, const ExposedPort&) = default;
};
// `--expose PORT[-END][/protocol]`; also reads an image's "80/tcp" keys.
[[nodiscard]] Result<std::vector<ExposedPort>> parse_expose(std::string_view spec);

// `-P`: a mapping to a random host port for every exposed port that no mapping publishes yet.
std::vector<PortMapping> publish_exposed(const std::vector<ExposedPort>& exposed,
                                         const std::vector<PortMapping>& published);

// Chooses a free host port for every mapping with host_port 0 (a range gets consecutive free
// ports), by binding port 0 on its address and protocol, as podman does at create; and refuses
// two mappings of one host address, port and protocol ("host port 8080/tcp is published twice").
[[nodiscard]] Result<void> allocate_host_ports(std::vector<PortMapping>& mappings);

// The record's and `ps --format json`'s shape: {"host_ip", "container_port", "host_port", "range",
// "protocol"}.
nlohmann::json to_json(const PortMapping& mapping);
nlohmann::json to_json(const std::vector<PortMapping>& mappings);
[[nodiscard]] Result<std::vector<PortMapping>> parse_port_mappings(const nlohmann::json& json);

// `ps`'s PORTS column: "0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9001->90-91/udp"; "" for none.
std::string format_ports(const std::vector<PortMapping>& mappings);

// `port`'s lines: "80/tcp -> 0.0.0.0:8080", one per port of each range.
std::vector<std::string> port_lines(const std::vector<PortMapping>& mappings);
// `port CTR 80[/tcp]`: the host side ("0.0.0.0:8080") of the first mapping publishing that
// container port; NotFound `failed to find published port "80/tcp"`.
[[nodiscard]] Result<std::string> find_host_port(const std::vector<PortMapping>& mappings, std::string_view port);

// inspect's NetworkSettings.Ports and HostConfig.PortBindings: {"80/tcp": [{"HostIp": "",
// "HostPort": "8080"}]}, one key per container port; exposed ports that are not published map to
// null in NetworkSettings.Ports (with_exposed).
nlohmann::ordered_json inspect_ports(const std::vector<PortMapping>& mappings, const std::vector<ExposedPort>& exposed,
                                     bool with_exposed);

}  // namespace nook::network
