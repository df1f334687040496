// The socket address of an IP text and a port, for the sockets lib/network binds and connects.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace nook::network {

// Fills `out` for `family` (AF_INET or AF_INET6) with `ip` ("" = any address) and `port`; returns
// its length. An `ip` that does not parse is left as the any address: callers pass validated text.
inline socklen_t socket_address(const std::string& ip, uint16_t port, int family, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (family == AF_INET6) {
    auto* addr = reinterpret_cast<sockaddr_in6*>(out);
    addr->sin6_family = AF_INET6;
    addr->sin6_port = htons(port);
    if (!ip.empty()) ::inet_pton(AF_INET6, ip.c_str(), &addr->sin6_addr);
    return sizeof *addr;
  }
  auto* addr = reinterpret_cast<sockaddr_in*>(out);
  addr->sin_family = AF_INET;
  addr->sin_port = htons(port);
  if (!ip.empty()) ::inet_pton(AF_INET, ip.c_str(), &addr->sin_addr);
  return sizeof *addr;
}

// The port of an address socket_address() made (or getsockname() filled).
inline uint16_t socket_port(const sockaddr_storage& addr) {
  return ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port
                                          : reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
}

}  // namespace nook::network
