#include "lib/network/slirp.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <csignal>

#include <nlohmann/json.hpp>

#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::network {

namespace {

constexpr int kExitFd = 3;
constexpr int kReadyFd = 4;
constexpr auto kReadyTimeout = std::chrono::seconds(10);

}  // namespace

std::vector<std::string> slirp_args(const SlirpOptions& options, pid_t pid, int exit_fd, int ready_fd,
                                    const std::string& api_socket) {
  std::vector<std::string> args = {"--configure", fmt::format("--mtu={}", options.mtu)};
  if (!options.allow_host_loopback) args.emplace_back("--disable-host-loopback");
  if (options.enable_ipv6) args.emplace_back("--enable-ipv6");
  args.push_back("--cidr=" + options.cidr);
  if (!options.outbound_addr.empty()) args.push_back("--outbound-addr=" + options.outbound_addr);
  if (!options.outbound_addr6.empty()) args.push_back("--outbound-addr6=" + options.outbound_addr6);
  // It parses what the container sends: keep it in a sandbox, as podman does.
  args.emplace_back("--enable-sandbox");
  args.emplace_back("--enable-seccomp");
  if (!api_socket.empty()) args.push_back("--api-socket=" + api_socket);
  args.push_back(fmt::format("--exit-fd={}", exit_fd));
  args.push_back(fmt::format("--ready-fd={}", ready_fd));
  args.push_back(std::to_string(pid));
  args.emplace_back("tap0");
  return args;
}

std::string add_hostfwd_request(const PortMapping& mapping, uint16_t offset, const std::string& guest_addr) {
  nlohmann::json request = {{"execute", "add_hostfwd"},
                            {"arguments",
                             {{"proto", mapping.protocol},
                              {"host_addr", mapping.host_ip.empty() ? "0.0.0.0" : mapping.host_ip},
                              {"host_port", mapping.host_port + offset},
                              {"guest_addr", guest_addr},
                              {"guest_port", mapping.container_port + offset}}}};
  return request.dump();
}

Result<void> check_api_reply(std::string_view reply) {
  nlohmann::json parsed = nlohmann::json::parse(reply, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return fail(ErrorKind::System, fmt::format("slirp4netns answered {:?}", strings::trim(reply)));
  }
  if (auto error = parsed.find("error"); error != parsed.end()) {
    std::string desc = error->is_object() ? error->value("desc", error->dump()) : error->dump();
    return fail(ErrorKind::System, fmt::format("slirp4netns: {}", desc));
  }
  if (!parsed.contains("return")) return fail(ErrorKind::System, fmt::format("slirp4netns answered {}", parsed.dump()));
  return {};
}

std::string slirp_log_tail(const std::string& log_path) {
  auto text = sys::read_file(log_path);
  if (!text) return "";
  std::vector<std::string> lines = strings::split(strings::trim(*text), '\n');
  size_t first = lines.size() > 3 ? lines.size() - 3 : 0;
  std::vector<std::string> tail(lines.begin() + static_cast<std::ptrdiff_t>(first), lines.end());
  return strings::join(tail, "; ");
}

Result<Slirp4netns> Slirp4netns::launch(const StartOptions& options) {
  sys::Pipe exit_pipe = NOOK_TRY(sys::Pipe::create());
  sys::Pipe ready = NOOK_TRY(sys::Pipe::create());
  sys::UniqueFd log = NOOK_TRY(sys::open_file(options.log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600));
  if (!options.api_socket.empty()) (void)::unlink(options.api_socket.c_str());
  std::vector<std::string> argv = {options.program};
  for (std::string& arg : slirp_args(options.slirp, options.pid, kExitFd, kReadyFd, options.api_socket)) {
    argv.push_back(std::move(arg));
  }
  NOOK_DEBUG(Network, "starting {}", strings::join(argv, " "));
  auto spawned = sys::spawn({.argv = argv,
                             .stdin_from = sys::Redirect::null(),
                             .stdout_to = sys::Redirect::to_fd(log.get()),
                             .stderr_to = sys::Redirect::to_fd(log.get()),
                             .keep_fds = {{exit_pipe.read.get(), kExitFd}, {ready.write.get(), kReadyFd}},
                             .new_session = true});
  if (!spawned) {
    if (spawned.error().kind() == ErrorKind::NotFound) {
      return fail(ErrorKind::NotFound,
                  fmt::format("could not find slirp4netns, the network namespace can't be configured: {}",
                              spawned.error().message()));
    }
    return fail(spawned.error().context("starting slirp4netns"));
  }
  Slirp4netns slirp;
  slirp.process_ = std::move(*spawned);
  slirp.exit_write_ = std::move(exit_pipe.write);
  slirp.api_socket_ = options.api_socket;
  slirp.log_path_ = options.log_path;
  ready.write.reset();
  exit_pipe.read.reset();
  slirp.ready_read_ = std::move(ready.read);
  return slirp;
}

Result<void> Slirp4netns::wait_ready() {
  if (!ready_read_) return {};
  sys::UniqueFd ready = std::move(ready_read_);
  auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return fail(ErrorKind::System, fmt::format("slirp4netns did not configure the network in {} s",
                                                 std::chrono::duration_cast<std::chrono::seconds>(kReadyTimeout).count()));
    }
    struct pollfd fds[1] = {{ready.get(), POLLIN, 0}};
    int rc = ::poll(fds, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return fail(Error::from_errno("poll", "slirp4netns' ready pipe"));
    if (rc == 0) continue;
    char byte = 0;
    ssize_t n = ::read(ready.get(), &byte, 1);
    if (n == 1 && byte == '1') break;
    if (n < 0 && errno == EINTR) continue;
    // EOF without the byte: it failed (its exit closed the pipe).
    auto status = process_.wait_for(std::chrono::seconds(1));
    std::string how = status && *status ? fmt::format("exit status {}", (*status)->shell_code()) : "no ready signal";
    std::string said = slirp_log_tail(log_path_);
    return fail(ErrorKind::System, fmt::format("slirp4netns failed ({}){}", how, said.empty() ? "" : ": " + said));
  }
  NOOK_DEBUG(Network, "slirp4netns (pid {}) configured tap0", process_.pid());
  return {};
}

Slirp4netns::~Slirp4netns() { stop(); }

Slirp4netns& Slirp4netns::operator=(Slirp4netns&& other) noexcept {
  if (this != &other) {
    stop();
    process_ = std::move(other.process_);
    exit_write_ = std::move(other.exit_write_);
    ready_read_ = std::move(other.ready_read_);
    api_socket_ = std::exchange(other.api_socket_, {});
    log_path_ = std::exchange(other.log_path_, {});
  }
  return *this;
}

void Slirp4netns::stop() {
  exit_write_.reset();
  if (process_) {
    (void)process_.signal(SIGKILL);
    // Its ports (port_handler=slirp4netns) are free once it is gone: then wait. Else its exit
    // (a few ms: it tears down its sandbox) need not delay ours; the zombie is reaped by whoever
    // inherits it.
    if (!api_socket_.empty()) {
      (void)process_.wait();
    } else {
      (void)process_.release();
    }
  }
  if (!api_socket_.empty()) {
    (void)::unlink(api_socket_.c_str());
    api_socket_.clear();
  }
}

Result<void> Slirp4netns::add_forward(const PortMapping& mapping, const std::string& guest_addr) {
  if (api_socket_.empty()) return fail(ErrorKind::Internal, "slirp4netns runs without an API socket");
  for (uint16_t offset = 0; offset < mapping.range; ++offset) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(Error::from_errno("socket"));
    sys::UniqueFd sock(fd);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (api_socket_.size() >= sizeof addr.sun_path) {
      return fail(ErrorKind::InvalidArgument, fmt::format("the API socket path {:?} is too long", api_socket_));
    }
    std::copy(api_socket_.begin(), api_socket_.end(), addr.sun_path);
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return fail(Error::from_errno("connect", "slirp4netns' API socket"));
    }
    std::string request = add_hostfwd_request(mapping, offset, guest_addr);
    NOOK_TRY_VOID(sys::write_all(sock.get(), request));
    ::shutdown(sock.get(), SHUT_WR);
    std::string reply;
    char buffer[512];
    for (;;) {
      ssize_t n = ::read(sock.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(Error::from_errno("read", "slirp4netns' API socket"));
      if (n == 0) break;
      reply.append(buffer, static_cast<size_t>(n));
    }
    auto checked = check_api_reply(reply);
    if (!checked) {
      return fail(checked.error().context(fmt::format("publishing {}:{}/{}", mapping.host_ip.empty() ? "0.0.0.0" : mapping.host_ip,
                                                      mapping.host_port + offset, mapping.protocol)));
    }
  }
  return {};
}

}  // namespace nook::network
