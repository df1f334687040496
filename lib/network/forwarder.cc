#include "lib/network/forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "lib/network/address.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::network {

namespace {

// Keys of the epoll events: the low two bits say what the rest indexes.
enum Tag : uint64_t { kClientSide = 0, kContainerSide = 1, kFlow = 2, kListener = 3 };
constexpr uint64_t key_of(uint64_t index, Tag tag) { return (index << 2) | tag; }

constexpr size_t kPipeSize = 1 << 20;          // per direction; the pipe max for unprivileged users
constexpr size_t kMaxFlowsPerPort = 256;       // UDP clients remembered per published port
constexpr auto kFlowIdle = std::chrono::seconds(60);

int unprivileged_port_start() {
  auto text = sys::read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start");
  if (!text) return 1024;
  int value = 0;
  std::string_view digits = strings::trim(*text);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc() && end == digits.data() + digits.size() ? value : 1024;
}

// The socket maker: a request is {family, type}, the reply a new socket's fd or -errno.
struct SocketRequest {
  int family = 0, type = 0;
};

void serve_sockets(int channel, int netns) {
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, nullptr);  // signals are the monitor thread's
  int entered = ::setns(netns, CLONE_NEWNET) == 0 ? 0 : -errno;
  for (;;) {
    SocketRequest request;
    ssize_t n = ::read(channel, &request, sizeof request);
    if (n < 0 && errno == EINTR) continue;
    if (n != sizeof request) return;  // the forwarder is gone
    int reply = entered;
    if (reply == 0) {
      reply = ::socket(request.family, request.type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (reply < 0) reply = -errno;
    }
    while (::write(channel, &reply, sizeof reply) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace

std::string privileged_port_advice(uint16_t port, int unprivileged_start) {
  return fmt::format(
      "cannot expose privileged port {}, you can add 'net.ipv4.ip_unprivileged_port_start={}' to /etc/sysctl.conf "
      "(currently {}), or choose a larger port number (>= {})",
      port, port, unprivileged_start, unprivileged_start);
}

struct Forwarder::Listener {
  sys::UniqueFd fd;
  int protocol = SOCK_STREAM;
  uint16_t container_port = 0;
  std::string description;  // "0.0.0.0:8080/tcp"
  // UDP: the flow of each client address.
  std::map<std::string, uint64_t> flows;
};

// One TCP connection: the client's socket, the one inside the container, and a pipe per direction.
struct Forwarder::Connection {
  struct Direction {
    int from = -1, to = -1;
    sys::UniqueFd pipe_read, pipe_write;
    size_t in_pipe = 0;
    bool eof = false;   // `from` said EOF
    bool done = false;  // EOF passed on (shutdown of `to`)
    bool wants_read = true, wants_write = false;
  };
  sys::UniqueFd client, inside;
  bool connecting = true;
  bool client_hung = false, inside_hung = false;  // EPOLLHUP/EPOLLERR seen: out of the epoll set
  Direction up, down;  // up: client -> container; down: container -> client
  uint32_t client_events = 0, inside_events = 0;
};

// One UDP client of a published port: a connected socket inside the container's namespace.
struct Forwarder::Flow {
  Listener* listener = nullptr;
  sys::UniqueFd inside;
  sockaddr_storage client{};
  socklen_t client_length = 0;
  std::string client_key;
  std::chrono::steady_clock::time_point last_used;
};

Result<std::unique_ptr<Forwarder>> Forwarder::listen(const std::vector<PortMapping>& mappings,
                                                     sys::UniqueFd container_netns, std::string target_ip) {
  std::unique_ptr<Forwarder> fw(new Forwarder());
  int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) return fail(Error::from_errno("epoll_create1"));
  fw->epoll_ = sys::UniqueFd(epoll);
  fw->container_netns_ = std::move(container_netns);
  int channel[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) != 0) return fail(Error::from_errno("socketpair"));
  fw->maker_ = sys::UniqueFd(channel[0]);
  fw->maker_thread_ = std::thread([theirs = channel[1], netns = fw->container_netns_.get()] {
    serve_sockets(theirs, netns);
    ::close(theirs);
  });
  fw->target_ip_ = std::move(target_ip);
  fw->target_family_ = fw->target_ip_.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  for (const PortMapping& mapping : mappings) {
    for (uint16_t offset = 0; offset < mapping.range; ++offset) {
      auto listener = std::make_unique<Listener>();
      uint16_t host_port = static_cast<uint16_t>(mapping.host_port + offset);
      listener->protocol = mapping.protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
      listener->container_port = static_cast<uint16_t>(mapping.container_port + offset);
      std::string shown_ip = mapping.host_ip.empty() ? "0.0.0.0" : mapping.host_ip;
      listener->description = fmt::format("{}:{}/{}", shown_ip, host_port, mapping.protocol);
      // Every address: a dual-stack IPv6 socket where the host has IPv6, else IPv4.
      int family = mapping.host_ip.find(':') != std::string::npos ? AF_INET6 : AF_INET;
      int fd = -1;
      if (mapping.host_ip.empty()) {
        fd = ::socket(AF_INET6, listener->protocol | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd >= 0) {
          int off = 0;
          ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
          family = AF_INET6;
        }
      }
      if (fd < 0) fd = ::socket(family, listener->protocol | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (fd < 0) return fail(Error::from_errno("socket"));
      listener->fd = sys::UniqueFd(fd);
      int on = 1;
      if (listener->protocol == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
      sockaddr_storage addr{};
      socklen_t length = socket_address(mapping.host_ip, host_port, family, &addr);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), length) != 0) {
        int err = errno;
        std::string what = fmt::format("listen {} {}:{}", mapping.protocol, shown_ip, host_port);
        int start = unprivileged_port_start();
        if (err == EACCES && host_port < start) {
          return fail(ErrorKind::Permission, fmt::format("{}: {}: bind: {}", privileged_port_advice(host_port, start), what,
                                                         std::strerror(err)), err);
        }
        return fail(ErrorKind::System, fmt::format("{}: bind: {}", what, std::strerror(err)), err);
      }
      if (listener->protocol == SOCK_STREAM && ::listen(fd, SOMAXCONN) != 0) {
        return fail(Error::from_errno("listen", listener->description));
      }
      uint64_t index = fw->listeners_.size();
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = key_of(index, kListener);
      if (::epoll_ctl(fw->epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) return fail(Error::from_errno("epoll_ctl"));
      fw->listeners_.push_back(std::move(listener));
    }
  }
  NOOK_DEBUG(Network, "forwarding {} port(s) to {}", fw->listeners_.size(), fw->target_ip_);
  return fw;
}

Forwarder::~Forwarder() {
  // Listeners and connections close with the members; the maker first sees EOF and ends.
  maker_.reset();
  if (maker_thread_.joinable()) maker_thread_.join();
}

size_t Forwarder::open_connections() const { return connections_.size() + flows_.size(); }

Result<sys::UniqueFd> Forwarder::socket_inside(int family, int type) {
  SocketRequest request{family, type};
  NOOK_TRY_VOID(sys::write_all(maker_.get(), std::string_view(reinterpret_cast<const char*>(&request), sizeof request)));
  int reply = 0;
  ssize_t n;
  do {
    n = ::read(maker_.get(), &reply, sizeof reply);
  } while (n < 0 && errno == EINTR);
  if (n != sizeof reply) return fail(ErrorKind::Internal, "the forwarder's socket maker is gone");
  if (reply < 0) return fail(Error::from_errno_value(-reply, "socket", "in the container's network namespace"));
  return sys::UniqueFd(reply);
}

void Forwarder::dispatch() {
  epoll_event events[32];
  int n = ::epoll_wait(epoll_.get(), events, 32, 0);
  for (int i = 0; i < n; ++i) {
    uint64_t key = events[i].data.u64;
    uint64_t index = key >> 2;
    switch (static_cast<Tag>(key & 3)) {
      case kListener: {
        Listener& listener = *listeners_[index];
        if (listener.protocol == SOCK_STREAM) {
          on_listener(listener);
        } else {
          on_udp_listener(listener);
        }
        break;
      }
      case kFlow: on_flow(index); break;
      default: on_connection(key, events[i].events); break;
    }
  }
}

void Forwarder::on_listener(Listener& listener) {
  for (;;) {
    int client = ::accept4(listener.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (client < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        NOOK_DEBUG(Network, "accept on {}: {}", listener.description, std::strerror(errno));
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    auto connection = std::make_unique<Connection>();
    connection->client = sys::UniqueFd(client);
    auto inside = socket_inside(target_family_, SOCK_STREAM);
    if (!inside) {
      NOOK_DEBUG(Network, "{}", inside.error().message());
      continue;  // the client sees its connection closed
    }
    connection->inside = std::move(*inside);
    auto pipes_ok = [&]() -> bool {
      for (Connection::Direction* dir : {&connection->up, &connection->down}) {
        auto pipe = sys::Pipe::create(O_NONBLOCK);
        if (!pipe) return false;
        (void)::fcntl(pipe->write.get(), F_SETPIPE_SZ, static_cast<int>(kPipeSize));
        dir->pipe_read = std::move(pipe->read);
        dir->pipe_write = std::move(pipe->write);
      }
      return true;
    };
    if (!pipes_ok()) continue;
    connection->up.from = connection->client.get();
    connection->up.to = connection->inside.get();
    connection->down.from = connection->inside.get();
    connection->down.to = connection->client.get();
    sockaddr_storage target{};
    socklen_t length = socket_address(target_ip_, listener.container_port, target_family_, &target);
    int rc = ::connect(connection->inside.get(), reinterpret_cast<sockaddr*>(&target), length);
    if (rc != 0 && errno != EINPROGRESS) {
      NOOK_DEBUG(Network, "connecting to {}:{}: {}", target_ip_, listener.container_port, std::strerror(errno));
      continue;
    }
    uint64_t index = next_key_++;
    Connection& c = *connection;
    connections_.emplace(index, std::move(connection));
    // Until the connect completes, only its writability matters.
    c.connecting = true;
    epoll_event event{};
    event.events = EPOLLOUT;
    event.data.u64 = key_of(index, kContainerSide);
    c.inside_events = EPOLLOUT;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.inside.get(), &event) != 0) {
      connections_.erase(index);
      continue;
    }
    event.events = 0;
    event.data.u64 = key_of(index, kClientSide);
    c.client_events = 0;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.client.get(), &event) != 0) {
      close_connection(index);
      continue;
    }
  }
}

namespace {

// Moves what it can in one direction; false on an error that ends the connection.
bool pump(int pipe_read, int pipe_write, size_t& in_pipe, int from, int to, bool& eof,
          bool& done, bool& wants_read, bool& wants_write) {
  wants_read = wants_write = false;
  if (done) return true;
  for (;;) {
    if (in_pipe > 0) {
      ssize_t n = ::splice(pipe_read, nullptr, to, nullptr, in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        in_pipe -= static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        wants_write = true;
        return true;
      }
      return false;  // EPIPE, ECONNRESET: the peer is gone
    }
    if (eof) {
      ::shutdown(to, SHUT_WR);
      done = true;
      return true;
    }
    ssize_t n = ::splice(from, nullptr, pipe_write, nullptr, kPipeSize, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) {
      in_pipe += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) {
      eof = true;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      wants_read = true;
      return true;
    }
    return false;
  }
}

}  // namespace

void Forwarder::on_connection(uint64_t key, uint32_t events) {
  uint64_t index = key >> 2;
  auto it = connections_.find(index);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  if (c.connecting) {
    if ((key & 3) != kContainerSide) return;
    int err = 0;
    socklen_t length = sizeof err;
    ::getsockopt(c.inside.get(), SOL_SOCKET, SO_ERROR, &err, &length);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP)) != 0) {
      NOOK_DEBUG(Network, "connecting inside the container: {}", std::strerror(err != 0 ? err : ECONNREFUSED));
      // Reset the client, as a refused connection would have.
      struct linger reset {1, 0};
      ::setsockopt(c.client.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      close_connection(index);
      return;
    }
    c.connecting = false;
  }
  for (Connection::Direction* dir : {&c.up, &c.down}) {
    if (!pump(dir->pipe_read.get(), dir->pipe_write.get(), dir->in_pipe, dir->from, dir->to, dir->eof, dir->done,
              dir->wants_read, dir->wants_write)) {
      close_connection(index);
      return;
    }
  }
  if (c.up.done && c.down.done) {
    close_connection(index);
    return;
  }
  // EPOLLHUP and EPOLLERR come whatever the mask says: a side that hung up leaves the epoll set
  // (its reads return EOF and its writes fail at once, so it never needs waiting for again).
  if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
    bool inside_side = (key & 3) == kContainerSide;
    bool& hung = inside_side ? c.inside_hung : c.client_hung;
    if (!hung) {
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, inside_side ? c.inside.get() : c.client.get(), nullptr);
      hung = true;
    }
  }
  update_interest(c, index);
}

void Forwarder::update_interest(Connection& c, uint64_t index) {
  uint32_t client = (c.up.wants_read ? EPOLLIN : 0u) | (c.down.wants_write ? EPOLLOUT : 0u);
  uint32_t inside = (c.down.wants_read ? EPOLLIN : 0u) | (c.up.wants_write ? EPOLLOUT : 0u);
  // No EPOLLRDHUP: a read reports the EOF, and once it is passed on a pending RDHUP would wake
  // the loop for ever (it is level-triggered) while the other direction waits.
  if (client != c.client_events && !c.client_hung) {
    epoll_event event{client, {.u64 = key_of(index, kClientSide)}};
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.client.get(), &event);
    c.client_events = client;
  }
  if (inside != c.inside_events && !c.inside_hung) {
    epoll_event event{inside, {.u64 = key_of(index, kContainerSide)}};
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.inside.get(), &event);
    c.inside_events = inside;
  }
}

void Forwarder::close_connection(uint64_t index) { connections_.erase(index); }

void Forwarder::on_udp_listener(Listener& listener) {
  char buffer[65536];
  for (;;) {
    sockaddr_storage client{};
    socklen_t length = sizeof client;
    ssize_t n = ::recvfrom(listener.fd.get(), buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&client), &length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    std::string client_key(reinterpret_cast<const char*>(&client), length);
    Flow* flow = nullptr;
    if (auto found = listener.flows.find(client_key); found != listener.flows.end()) {
      flow = flows_[found->second].get();
    } else {
      expire_flows(listener);
      auto inside = socket_inside(target_family_, SOCK_DGRAM);
      if (!inside) {
        NOOK_DEBUG(Network, "{}", inside.error().message());
        continue;
      }
      sockaddr_storage target{};
      socklen_t target_length = socket_address(target_ip_, listener.container_port, target_family_, &target);
      if (::connect(inside->get(), reinterpret_cast<sockaddr*>(&target), target_length) != 0) {
        NOOK_DEBUG(Network, "connecting a UDP flow: {}", std::strerror(errno));
        continue;
      }
      auto made = std::make_unique<Flow>();
      made->listener = &listener;
      made->inside = std::move(*inside);
      made->client = client;
      made->client_length = length;
      made->client_key = client_key;
      uint64_t index = next_key_++;
      epoll_event event{EPOLLIN, {.u64 = key_of(index, kFlow)}};
      if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, made->inside.get(), &event) != 0) continue;
      flow = made.get();
      flows_.emplace(index, std::move(made));
      listener.flows.emplace(client_key, index);
    }
    flow->last_used = std::chrono::steady_clock::now();
    (void)::send(flow->inside.get(), buffer, static_cast<size_t>(n), MSG_DONTWAIT);
  }
}

void Forwarder::on_flow(uint64_t index) {
  auto it = flows_.find(index);
  if (it == flows_.end()) return;
  Flow& flow = *it->second;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::recv(flow.inside.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        // ECONNREFUSED: nothing listens in the container (yet); the flow stays for the next try.
        NOOK_TRACE(Network, "UDP flow: {}", std::strerror(errno));
      }
      return;
    }
    flow.last_used = std::chrono::steady_clock::now();
    (void)::sendto(flow.listener->fd.get(), buffer, static_cast<size_t>(n), MSG_DONTWAIT,
                   reinterpret_cast<sockaddr*>(&flow.client), flow.client_length);
  }
}

void Forwarder::expire_flows(Listener& listener) {
  auto now = std::chrono::steady_clock::now();
  uint64_t oldest = UINT64_MAX;
  auto oldest_time = now;
  for (auto it = listener.flows.begin(); it != listener.flows.end();) {
    Flow& flow = *flows_[it->second];
    if (now - flow.last_used > kFlowIdle) {
      flows_.erase(it->second);
      it = listener.flows.erase(it);
      continue;
    }
    if (flow.last_used <= oldest_time) {
      oldest_time = flow.last_used;
      oldest = it->second;
    }
    ++it;
  }
  if (listener.flows.size() >= kMaxFlowsPerPort && oldest != UINT64_MAX) {
    listener.flows.erase(flows_[oldest]->client_key);
    flows_.erase(oldest);
  }
}

}  // namespace nook::network
