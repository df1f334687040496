// The container's network, which the monitor sets up between creating the container and starting
// its program (DESIGN.md "Networking"), and keeps for the container's life: slirp4netns attached
// to the container's network namespace, and the published ports, forwarded either by nook's own
// forwarder (lib/network/forwarder.h) or by slirp4netns (port_handler=slirp4netns).
//
// Both are the monitor's: slirp4netns quits when the monitor's end of its exit pipe closes, and
// the forwarder's sockets close with the monitor, so a SIGKILL of the monitor leaves nothing.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/network/forwarder.h"
#include "lib/network/mode.h"
#include "lib/network/slirp.h"
#include "lib/util/error.h"

namespace nook::monitor {

// Written in the bundle when the network's backend dies while the container runs; inspect shows
// it as State.Error.
inline constexpr std::string_view kNetworkErrorFile = "network.error";

struct NetworkOptions {
  std::string mode;        // --network as recorded ("" or a mode without a backend: nothing to do)
  std::string ports;       // the published ports, JSON (network::to_json)
  std::string api_socket;  // where slirp4netns' API socket goes (port_handler=slirp4netns)
  std::string log_path;    // slirp4netns' output
};

class ContainerNetwork {
 public:
  // Reads the options; starts nothing yet. nullopt when the mode needs nothing of the monitor
  // (no backend to start, so no ports either).
  [[nodiscard]] static Result<std::optional<ContainerNetwork>> prepare(const NetworkOptions& options);
  // The container whose init is `pid` has its namespaces (its program has not started): binds the
  // published ports (a port in use fails here) and launches slirp4netns, which configures the
  // namespace while the container's mounts are set up.
  [[nodiscard]] Result<void> attach(pid_t pid);
  // Waits until slirp4netns has configured the network and publishes the ports it forwards.
  [[nodiscard]] Result<void> finish();

  // An epoll fd to watch for EPOLLIN (then call dispatch()), or -1.
  int forwarder_fd() const { return forwarder_ ? forwarder_->fd() : -1; }
  void dispatch() {
    if (forwarder_) forwarder_->dispatch();
  }
  // Readable when slirp4netns has exited (it should not, while the container runs), or -1.
  int backend_exit_fd() const { return slirp_ ? slirp_->exit_watch_fd() : -1; }
  // What to say when the backend died: its log's last lines.
  std::string backend_failure() const;
  // Stops the backend and closes the ports (also done by the destructor).
  void stop();

 private:
  NetworkOptions options_;
  network::NetworkMode mode_;
  std::vector<network::PortMapping> ports_;
  std::string container_ip_;
  bool slirp_forwards_ = false;
  std::optional<network::Slirp4netns> slirp_;
  std::unique_ptr<network::Forwarder> forwarder_;
};

}  // namespace nook::monitor
