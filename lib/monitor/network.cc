#include "lib/monitor/network.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "lib/sys/file.h"
#include "lib/util/log.h"

namespace nook::monitor {

Result<std::optional<ContainerNetwork>> ContainerNetwork::prepare(const NetworkOptions& options) {
  if (options.mode.empty()) return std::nullopt;
  ContainerNetwork net;
  net.options_ = options;
  net.mode_ = NOOK_TRY(network::parse_network_mode(options.mode));
  if (!net.mode_.has_backend()) return std::nullopt;
  if (!options.ports.empty()) {
    nlohmann::json parsed = nlohmann::json::parse(options.ports, nullptr, false);
    if (parsed.is_discarded()) return fail(ErrorKind::InvalidArgument, "monitor: --ports is not JSON");
    net.ports_ = NOOK_TRY(network::parse_port_mappings(parsed));
  }
  net.container_ip_ = NOOK_TRY(network::slirp_addresses(net.mode_.slirp.cidr)).container_ip;
  net.slirp_forwards_ = net.mode_.slirp.port_handler == "slirp4netns" && !net.ports_.empty();
  return net;
}

Result<void> ContainerNetwork::attach(pid_t pid) {
  // The forwarder binds the host ports first: a port in use fails before anything else starts.
  if (!ports_.empty() && !slirp_forwards_) {
    sys::UniqueFd netns = NOOK_TRY(sys::open_file(fmt::format("/proc/{}/ns/net", pid), O_RDONLY));
    forwarder_ = NOOK_TRY(network::Forwarder::listen(ports_, std::move(netns), container_ip_));
  }
  if (slirp_forwards_) {
    NOOK_TRY_VOID(sys::make_dirs(options_.api_socket.substr(0, options_.api_socket.rfind('/')), 0700));
  }
  slirp_ = NOOK_TRY(network::Slirp4netns::launch({.slirp = mode_.slirp,
                                                   .pid = pid,
                                                   .api_socket = slirp_forwards_ ? options_.api_socket : "",
                                                   .log_path = options_.log_path}));
  return {};
}

Result<void> ContainerNetwork::finish() {
  if (!slirp_) return {};
  NOOK_TRY_VOID(slirp_->wait_ready());
  if (slirp_forwards_) {
    for (const network::PortMapping& mapping : ports_) NOOK_TRY_VOID(slirp_->add_forward(mapping, container_ip_));
  }
  return {};
}

std::string ContainerNetwork::backend_failure() const {
  std::string said = network::slirp_log_tail(options_.log_path);
  return fmt::format("slirp4netns exited while the container runs{}", said.empty() ? "" : ": " + said);
}

void ContainerNetwork::stop() {
  forwarder_.reset();
  if (slirp_) slirp_->stop();
  slirp_.reset();
}

}  // namespace nook::monitor
