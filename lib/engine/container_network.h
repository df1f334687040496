// The network side of create and start: the mode a container gets, its published and exposed
// ports, and what the monitor is told to set up (lib/network).
#pragma once

#include <string>
#include <vector>

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

}  // namespace nook::engine
