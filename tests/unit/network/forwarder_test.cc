#include "lib/network/forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "lib/sys/file.h"

namespace nook::network {
namespace {

// A socket bound to 127.0.0.1 on a free port.
sys::UniqueFd bound_socket(int type, uint16_t* port) {
  sys::UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t length = sizeof addr;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &length);
  *port = ntohs(addr.sin_port);
  return fd;
}

sys::UniqueFd connect_to(int type, uint16_t port) {
  sys::UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// Runs the forwarder's dispatch loop on a thread of its own until stopped.
class Pump {
 public:
  explicit Pump(Forwarder& forwarder) : thread_([this, &forwarder] {
      while (!stop_) {
        pollfd pfd{forwarder.fd(), POLLIN, 0};
        if (::poll(&pfd, 1, 20) > 0) forwarder.dispatch();
      }
    }) {}
  ~Pump() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The forwarder connects "inside" through setns into a network namespace: here our own, which
// needs CAP_SYS_ADMIN (the unit tests run as root in CI).
std::unique_ptr<Forwarder> make_forwarder(std::vector<PortMapping>& mappings) {
  EXPECT_TRUE(allocate_host_ports(mappings).has_value());
  auto netns = sys::open_file("/proc/self/ns/net", O_RDONLY);
  if (!netns || ::setns(netns->get(), CLONE_NEWNET) != 0) return nullptr;
  auto forwarder = Forwarder::listen(mappings, std::move(*netns), "127.0.0.1");
  EXPECT_TRUE(forwarder.has_value()) << forwarder.error().message();
  return forwarder ? std::move(*forwarder) : nullptr;
}

TEST(Forwarder, TcpBytesBothWaysWithHalfClose) {
  uint16_t server_port = 0;
  sys::UniqueFd server = bound_socket(SOCK_STREAM, &server_port);
  ASSERT_EQ(::listen(server.get(), 8), 0);
  std::vector<PortMapping> mappings = {{"127.0.0.1", 0, server_port, 1, "tcp"}};
  auto forwarder = make_forwarder(mappings);
  if (!forwarder) GTEST_SKIP() << "setns needs CAP_SYS_ADMIN";
  Pump pump(*forwarder);
  std::thread echo([&] {
    sys::UniqueFd peer(::accept(server.get(), nullptr, nullptr));
    std::string got = read_all(peer.get());  // until the client's shutdown arrives as EOF
    std::string answer = "got " + std::to_string(got.size()) + " bytes, last " + got.substr(got.size() - 3);
    (void)sys::write_all(peer.get(), answer);
  });
  sys::UniqueFd client = connect_to(SOCK_STREAM, mappings[0].host_port);
  std::string payload(3 << 20, 'x');
  payload.replace(payload.size() - 3, 3, "end");
  ASSERT_TRUE(sys::write_all(client.get(), payload).has_value());
  ::shutdown(client.get(), SHUT_WR);
  EXPECT_EQ(read_all(client.get()), "got 3145728 bytes, last end");
  echo.join();
  client.reset();
  for (int i = 0; i < 100 && forwarder->open_connections() != 0; ++i) ::usleep(10000);
  EXPECT_EQ(forwarder->open_connections(), 0u) << "the connection is closed on both sides";
}

TEST(Forwarder, RefusedInsideClosesTheClient) {
  uint16_t dead_port = 0;
  { sys::UniqueFd gone = bound_socket(SOCK_STREAM, &dead_port); }  // nothing listens there now
  std::vector<PortMapping> mappings = {{"127.0.0.1", 0, dead_port, 1, "tcp"}};
  auto forwarder = make_forwarder(mappings);
  if (!forwarder) GTEST_SKIP() << "setns needs CAP_SYS_ADMIN";
  Pump pump(*forwarder);
  sys::UniqueFd client = connect_to(SOCK_STREAM, mappings[0].host_port);
  char byte = 0;
  EXPECT_LE(::read(client.get(), &byte, 1), 0) << "EOF or reset, not a hang";
}

TEST(Forwarder, UdpRoundTrip) {
  uint16_t server_port = 0;
  sys::UniqueFd server = bound_socket(SOCK_DGRAM, &server_port);
  std::vector<PortMapping> mappings = {{"127.0.0.1", 0, server_port, 1, "udp"}};
  auto forwarder = make_forwarder(mappings);
  if (!forwarder) GTEST_SKIP() << "setns needs CAP_SYS_ADMIN";
  Pump pump(*forwarder);
  std::thread echo([&] {
    for (int i = 0; i < 2; ++i) {
      char buffer[100];
      sockaddr_storage from{};
      socklen_t length = sizeof from;
      ssize_t n = ::recvfrom(server.get(), buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &length);
      if (n > 0) ::sendto(server.get(), buffer, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), length);
    }
  });
  for (const char* text : {"ping", "pong"}) {
    sys::UniqueFd client = connect_to(SOCK_DGRAM, mappings[0].host_port);
    ASSERT_EQ(::send(client.get(), text, 4, 0), 4);
    pollfd pfd{client.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&pfd, 1, 5000), 1) << "no answer for " << text;
    char buffer[100] = {};
    EXPECT_EQ(::recv(client.get(), buffer, sizeof buffer, 0), 4);
    EXPECT_STREQ(buffer, text);
  }
  echo.join();
  EXPECT_EQ(forwarder->open_connections(), 2u) << "one flow per client address";
}

TEST(Forwarder, PortInUseAndPrivilegedAdvice) {
  uint16_t taken = 0;
  sys::UniqueFd holder = bound_socket(SOCK_STREAM, &taken);
  auto netns = sys::open_file("/proc/self/ns/net", O_RDONLY);
  ASSERT_TRUE(netns.has_value());
  auto refused = Forwarder::listen({{"127.0.0.1", taken, 80, 1, "tcp"}}, std::move(*netns), "10.0.2.100");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message(),
            "listen tcp 127.0.0.1:" + std::to_string(taken) + ": bind: Address already in use");
  EXPECT_EQ(privileged_port_advice(80, 1024),
            "cannot expose privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to "
            "/etc/sysctl.conf (currently 1024), or choose a larger port number (>= 1024)");
}

}  // namespace
}  // namespace nook::network
