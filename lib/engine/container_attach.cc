// `nook attach` (a client of the monitor's attach socket) and the terminal helpers exec and
// start share (container_terminal.h).
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "lib/container/container.h"
#include "lib/engine/container_exec.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/container_terminal.h"
#include "lib/monitor/attach.h"
#include "lib/runtime/terminal.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"

namespace nook::engine {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

std::atomic<pid_t> g_winch_target{0};

void forward_winch(int) {
  pid_t pid = g_winch_target.load();
  if (pid > 0) ::kill(pid, SIGWINCH);
}

}  // namespace

std::optional<oci::ConsoleSize> our_window_size() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (auto size = runtime::window_size(fd)) return size;
  }
  return std::nullopt;
}

Result<std::string> detach_sequence(const std::optional<std::string>& keys) {
  std::string bytes = NOOK_TRY(monitor::parse_detach_keys(keys.value_or(std::string(monitor::kDefaultDetachKeys))));
  if (::isatty(0) != 1) return std::string();
  return bytes;
}

Result<void> check_detach_keys(std::string_view keys) {
  NOOK_TRY(monitor::parse_detach_keys(keys));
  return {};
}

Result<std::string> detach_sequence_text(const std::optional<std::string>& keys) {
  std::string text = keys.value_or(std::string(monitor::kDefaultDetachKeys));
  NOOK_TRY(monitor::parse_detach_keys(text));
  if (::isatty(0) != 1) return std::string();
  return text;
}

Result<SignalReader> SignalReader::open() {
  SignalReader reader;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  for (int sig : kForwarded) sigaddset(&set, sig);
  if (::sigprocmask(SIG_BLOCK, &set, &reader.old_) < 0) return fail(Error::from_errno("sigprocmask"));
  reader.restore_ = true;
  int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return fail(Error::from_errno("signalfd"));
  reader.fd_ = sys::UniqueFd(fd);
  return reader;
}

SignalReader::~SignalReader() {
  if (!restore_) return;
  fd_.reset();
  ::sigprocmask(SIG_SETMASK, &old_, nullptr);
}

std::vector<int> SignalReader::take() {
  std::vector<int> out;
  struct signalfd_siginfo info {};
  while (fd_ && ::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    out.push_back(static_cast<int>(info.ssi_signo));
  }
  return out;
}

WinchForwarder::WinchForwarder(pid_t pid) {
  g_winch_target = pid;
  struct sigaction action {};
  action.sa_handler = forward_winch;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGWINCH, &action, &old_);
}

WinchForwarder::~WinchForwarder() {
  ::sigaction(SIGWINCH, &old_, nullptr);
  g_winch_target = 0;
}

Result<container::Container> find_for_attach(const container::ContainerStore& store, std::string_view key,
                                             bool latest) {
  container::Container record;
  if (latest) {
    std::vector<container::Container> all = NOOK_TRY(store.list());
    if (all.empty()) return fail(ErrorKind::NotFound, "no containers to run against: no such container");
    record = *std::max_element(all.begin(), all.end(), [](const container::Container& a, const container::Container& b) {
      return a.created < b.created;
    });
  } else {
    record = NOOK_TRY(store.find(key));
  }
  reconcile_view(store, record);
  return record;
}

Result<int> attach_container(const Settings& settings, std::string_view key, const AttachClientOptions& options) {
  std::string keys = NOOK_TRY(detach_sequence(options.detach_keys));
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  container::Container record = NOOK_TRY(find_for_attach(store, key, options.latest));
  if (record.state.status != container::Status::Running) {
    return fail(ErrorKind::InvalidState, "you can only attach to running containers");
  }
  container::ContainerPaths paths = store.paths(record.id);
  auto socket = monitor::connect_attach_socket(paths.userdata);
  if (!socket) return fail(socket.error().context(fmt::format("attaching to container {}", record.id)));
  SignalReader signals = NOOK_TRY(SignalReader::open());
  bool send_stdin = !options.no_stdin && (record.interactive || record.tty);
  monitor::DetachMatcher matcher(send_stdin ? keys : std::string());
  if (record.tty) {
    if (auto size = our_window_size()) {
      std::string packet = monitor::encode_resize({static_cast<uint16_t>(size->height), static_cast<uint16_t>(size->width)});
      (void)::send(socket->get(), packet.data(), packet.size(), MSG_NOSIGNAL);
    }
    if (options.on_terminal && send_stdin && ::isatty(0) == 1) options.on_terminal();
  }
  NOOK_DEBUG(Monitor, "attached to {}", record.id);

  static char buffer[64 * 1024 + 1];
  bool stdin_open = send_stdin;
  for (;;) {
    struct pollfd fds[3] = {{socket->get(), POLLIN, 0}, {signals.fd(), POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    int rc = ::poll(fds, 3, -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("poll"));
    }
    if ((fds[1].revents & POLLIN) != 0) {
      for (int sig : signals.take()) {
        if (sig == SIGWINCH) {
          if (!record.tty) continue;
          if (auto size = our_window_size()) {
            std::string packet =
                monitor::encode_resize({static_cast<uint16_t>(size->height), static_cast<uint16_t>(size->width)});
            (void)::send(socket->get(), packet.data(), packet.size(), MSG_NOSIGNAL);
          }
        } else if (options.sig_proxy && record.state.pid > 0) {
          ::kill(record.state.pid, sig);
        } else if (!options.sig_proxy && (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)) {
          return 0;
        }
      }
    }
    if (fds[2].revents != 0) {
      ssize_t n = ::read(0, buffer, 64 * 1024 - 64);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        stdin_open = false;
        std::string packet = monitor::encode_attach(monitor::AttachType::StdinClose);
        (void)::send(socket->get(), packet.data(), packet.size(), MSG_NOSIGNAL);
      } else {
        std::string forward;
        bool detach = matcher.feed(std::string_view(buffer, static_cast<size_t>(n)), forward);
        if (!forward.empty()) {
          std::string packet = monitor::encode_attach(monitor::AttachType::Stdin, forward);
          if (::send(socket->get(), packet.data(), packet.size(), MSG_NOSIGNAL) < 0) return 0;
        }
        if (detach) return 0;
      }
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::recv(socket->get(), buffer, sizeof buffer, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return 0;  // the monitor is gone
      auto message = monitor::decode_attach(std::string_view(buffer, static_cast<size_t>(n)));
      if (!message) return fail(message.error());
      switch (message->type) {
        case monitor::AttachType::Stdout: (void)sys::write_all(1, message->payload); break;
        case monitor::AttachType::Stderr: (void)sys::write_all(2, message->payload); break;
        case monitor::AttachType::Exit: return 0;
        default: break;
      }
    }
  }
}

}  // namespace nook::engine
