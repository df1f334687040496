// The network side of create and start: the mode a container gets, its published and exposed
// ports, and what the monitor is told to set up (lib/network).
#pragma once

#include <string>
#include <vector>

#include "lib/container/container.h"
#include "lib/engine/containers.h"
#include "lib/engine/engine.h"
#include "lib/image/manifest.h"
#include "lib/network/mode.h"
#include "lib/network/ports.h"
#include "lib/util/error.h"

namespace nook::engine {

// --network (or the default for rootless/root) parsed; Unsupported for the modes nook does not
// build yet (bridge, pasta), NotFound for a named network (none exist yet), as podman words it.
[[nodiscard]] Result<network::NetworkMode> container_network_mode(const Settings& settings,
                                                                  const ContainerCreateOptions& options);

// The container's published ports (-p, and -P for the exposed ones, with their random host ports
// chosen now) and its exposed ports (the image's ExposedPorts and --expose). A mode without a
// namespace of its own that leads out (host, none, container:, ns:) discards the mappings with
// podman's warning.
struct ContainerPorts {
  std::vector<network::PortMapping> published;
  std::vector<network::ExposedPort> exposed;
};
[[nodiscard]] Result<ContainerPorts> resolve_container_ports(const ContainerCreateOptions& options,
                                                     const image::ContainerConfig& image_config,
                                                     const network::NetworkMode& mode);

// --network container:NAME: names the container by its full id in `mode` (the record keeps
// "container:ID", as podman's inspect shows it). NotFound with podman's message when there is no
// such container.
[[nodiscard]] Result<void> resolve_network_container(const container::ContainerStore& containers,
                                                     network::NetworkMode& mode);

// The container whose network namespace `network_mode` (a --network value or a record's) names
// with container:NAME|ID; "" for every other mode.
std::string_view network_container(std::string_view network_mode);

// Of `containers` (the store's list), those whose network namespace is `id`'s (--network
// container:ID), by id.
std::vector<std::string> network_dependents(const std::vector<container::Container>& containers, std::string_view id);

// --network container:ID: ID's /etc/hosts and /etc/resolv.conf are the container's too (podman's
// bind mounts of the dependency's files), with a `127.0.0.1 HOSTNAME NAME` line for the container
// added to that hosts file in place, so that the running dependency sees it as well. The sources
// of the bind mounts; a file the dependency does not have (--no-hosts, --dns none) stays the
// container's own.
struct SharedNetworkFiles {
  std::string hosts, resolv;
};
[[nodiscard]] Result<SharedNetworkFiles> share_network_files(const container::ContainerStore& store,
                                                             const container::Container& record,
                                                             const std::string& hostname);
// rm of such a container: its line leaves the dependency's hosts file again.
void unshare_network_files(const container::ContainerStore& store, const container::Container& record);

// Start of a container with --network container:ID: starts that container first when it does not
// run (as podman starts dependencies), and points config.json's network namespace at its init's
// (/proc/PID/ns/net). Nothing to do for the other modes.
[[nodiscard]] Result<void> join_network_container(const Settings& settings, const container::ContainerStore& store,
                                                  const container::Container& record,
                                                  const container::ContainerPaths& paths);

}  // namespace nook::engine
