// nook's fast port forwarder (podman's "rootlessport" handler): it listens on the host's ports
// and, for each client, opens a socket inside the container's network namespace (made by a thread
// that lives in that namespace) that connects to the container's address; TCP bytes then move
// between the two sockets with splice(2) through a pipe per direction, never through user memory.
// UDP datagrams are relayed per client address. The client's address is not kept: the container
// sees connections from its own address.
//
// It lives in the monitor, driven by the monitor's event loop through one epoll descriptor (fd()),
// and is gone with the monitor, so nothing outlives the container. The monitor's own thread stays
// in the host's network namespace: rootless it could enter the container's but never come back
// (no CAP_SYS_ADMIN over the host's namespace), so one more thread, with every signal blocked,
// enters it for good and makes the sockets there on request (the threads share the fd table).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <thread>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lib/network/ports.h"
#include "lib/sys/fd.h"
#include "lib/util/error.h"

namespace nook::network {

class Forwarder {
 public:
  // Binds and listens on every host port of `mappings` now, so that a port in use or a privileged
  // port fails here, before the container's program starts (Permission: "cannot expose privileged
  // port 80, ..."; Exists-like System errors name the address). `container_netns` is an open
  // /proc/PID/ns/net of the container; `target_ip` the address to connect to inside it.
  [[nodiscard]] static Result<std::unique_ptr<Forwarder>> listen(const std::vector<PortMapping>& mappings,
                                                                 sys::UniqueFd container_netns, std::string target_ip);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  // An epoll descriptor: readable when dispatch() has work.
  int fd() const { return epoll_.get(); }
  // Handles every event that is ready now; never blocks.
  void dispatch();

  // For tests and debugging: connections and UDP flows open now.
  size_t open_connections() const;

 private:
  struct Listener;
  struct Connection;
  struct Flow;
  Forwarder() = default;

  [[nodiscard]] Result<sys::UniqueFd> socket_inside(int family, int type);
  void on_listener(Listener& listener);
  void on_udp_listener(Listener& listener);
  void on_connection(uint64_t key, uint32_t events);
  void on_flow(uint64_t key);
  void close_connection(uint64_t key);
  void update_interest(Connection& connection, uint64_t key);
  void expire_flows(Listener& listener);

  sys::UniqueFd epoll_;
  sys::UniqueFd container_netns_;
  // The socket maker's end of the request channel, and the thread (joined by the destructor).
  sys::UniqueFd maker_;
  std::thread maker_thread_;
  std::string target_ip_;
  int target_family_ = AF_INET;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::map<uint64_t, std::unique_ptr<Flow>> flows_;
  uint64_t next_key_ = 0;
};

// "cannot expose privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to
// /etc/sysctl.conf (currently 1024), or choose a larger port number (>= 1024)" (podman's advice),
// for a bind that failed with EACCES on a port below the sysctl.
std::string privileged_port_advice(uint16_t port, int unprivileged_start);

}  // namespace nook::network
