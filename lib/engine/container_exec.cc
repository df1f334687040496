// `nook exec`: a process in a running container, created from the host side (lib/runtime
// exec(): setns into the init's namespaces, the user namespace first), with the container's
// config.json as its template: env merged with -e/--env-file, the user resolved against the
// container's own /etc/passwd (through /proc/PID/root), its capabilities, rlimits and seccomp.
// Without -t the process gets our fds directly (nothing to relay); with -t we relay its pty.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "lib/container/container.h"
#include "lib/engine/container_exec.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/container_terminal.h"
#include "lib/monitor/attach.h"
#include "lib/oci/capabilities.h"
#include "lib/oci/spec.h"
#include "lib/oci/user.h"
#include "lib/runtime/runtime.h"
#include "lib/runtime/terminal.h"
#include "lib/sys/file.h"
#include "lib/sys/random.h"
#include "lib/util/log.h"

namespace nook::engine {
namespace {

// NAME=value items set or replace the variable in `env`, in place.
void merge_env(std::vector<std::string>& env, const std::vector<std::string>& items) {
  for (const std::string& item : items) {
    std::string_view name = std::string_view(item).substr(0, item.find('='));
    auto same = [&](const std::string& e) { return e.size() > name.size() && e.starts_with(name) && e[name.size()] == '='; };
    auto it = std::find_if(env.begin(), env.end(), same);
    if (it != env.end()) {
      *it = item;
    } else {
      env.push_back(item);
    }
  }
}

bool has_env(const std::vector<std::string>& env, std::string_view name) {
  return std::any_of(env.begin(), env.end(), [&](const std::string& e) {
    return e.size() > name.size() && e.starts_with(name) && e[name.size()] == '=';
  });
}

// The exec session's own errors (podman: exit 255, or 126/127 from the runtime).
ExecResult session_failure(Error error) {
  ExecResult result;
  result.session_error = std::move(error);
  return result;
}

// podman's prepareProcessExec: --privileged widens the bounding set to every capability; root
// gets the bounding set as effective and permitted; the container's own user keeps the
// container's sets; another user gets none but the bounding set.
void exec_capabilities(oci::Process& process, bool privileged, bool other_user) {
  if (!process.capabilities) process.capabilities = oci::Capabilities{};
  oci::Capabilities& caps = *process.capabilities;
  if (privileged) caps.bounding = oci::all_capabilities();
  if (process.user.uid == 0) {
    caps.effective = caps.bounding;
    caps.permitted = caps.bounding;
    if (privileged) caps.inheritable.clear();
  } else if (other_user) {
    caps.effective.clear();
    caps.permitted.clear();
    caps.inheritable.clear();
    caps.ambient.clear();
  }
}

// Relays our terminal and the process's pty until it exits (its exit code) or the user types the
// detach keys (0, the process goes on).
Result<int> relay_terminal(sys::ChildProcess& child, sys::UniqueFd master, bool interactive, const std::string& keys,
                           const std::function<void()>& on_terminal) {
  SignalReader signals = NOOK_TRY(SignalReader::open());
  NOOK_TRY_VOID(sys::set_nonblocking(master.get(), true));
  if (interactive && on_terminal && ::isatty(0) == 1) on_terminal();
  monitor::DetachMatcher matcher(interactive ? keys : std::string());
  static char buffer[64 * 1024];
  bool stdin_open = interactive;
  bool master_open = true;
  int pidfd = child.pidfd();
  auto drain = [&] {
    while (master_open) {
      ssize_t n = ::read(master.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      (void)sys::write_all(1, std::string_view(buffer, static_cast<size_t>(n)));
    }
  };
  for (;;) {
    struct pollfd fds[4] = {{master_open ? master.get() : -1, POLLIN, 0},
                            {signals.fd(), POLLIN, 0},
                            {stdin_open ? 0 : -1, POLLIN, 0},
                            {pidfd, POLLIN, 0}};
    int rc = ::poll(fds, 4, pidfd >= 0 || master_open ? -1 : 100);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("poll"));
    }
    if ((fds[1].revents & POLLIN) != 0) {
      for (int sig : signals.take()) {
        if (sig == SIGWINCH) {
          if (auto size = our_window_size()) (void)runtime::set_window_size(master.get(), *size);
        } else {
          (void)child.signal(sig);
        }
      }
    }
    if (fds[2].revents != 0) {
      ssize_t n = ::read(0, buffer, sizeof buffer - 64);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        stdin_open = false;
      } else {
        std::string forward;
        bool detach = matcher.feed(std::string_view(buffer, static_cast<size_t>(n)), forward);
        std::string_view rest = forward;
        while (!rest.empty()) {
          ssize_t w = ::write(master.get(), rest.data(), rest.size());
          if (w < 0 && errno == EAGAIN) {
            struct pollfd p {master.get(), POLLOUT, 0};
            ::poll(&p, 1, 1000);
            continue;
          }
          if (w < 0 && errno == EINTR) continue;
          if (w <= 0) break;
          rest.remove_prefix(static_cast<size_t>(w));
        }
        if (detach) {
          (void)child.release();
          return 0;
        }
      }
    }
    if (fds[0].revents != 0) {
      ssize_t n = ::read(master.get(), buffer, sizeof buffer);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        master_open = false;  // EIO: no slave is open any more
      } else {
        (void)sys::write_all(1, std::string_view(buffer, static_cast<size_t>(n)));
      }
    }
    if (pidfd < 0 || (fds[3].revents & POLLIN) != 0) {
      auto status = child.try_wait();
      if (!status) return fail(status.error());
      if (*status) {
        drain();
        return (*status)->shell_code();
      }
    }
  }
}

}  // namespace

Result<ExecResult> exec_container(const Settings& settings, std::string_view key, const ExecOptions& options) {
  std::string keys;
  if (options.tty && !options.detach) keys = NOOK_TRY(detach_sequence(options.detach_keys));
  else if (options.detach_keys) NOOK_TRY(monitor::parse_detach_keys(*options.detach_keys));
  std::vector<std::string> env_items;
  for (std::string& item : NOOK_TRY(read_env_files(options.env_files, settings.env))) env_items.push_back(std::move(item));
  for (std::string& item : expand_env(options.env, settings.env)) env_items.push_back(std::move(item));
  for (const std::string& item : env_items) {
    if (item.empty() || item[0] == '=') {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("parsing environment variables: invalid environment variable: {:?}", item));
    }
  }

  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  container::Container record = NOOK_TRY(find_for_attach(store, key, options.latest));
  if (options.command.empty()) {
    return session_failure(Error(ErrorKind::InvalidArgument,
                                 "must provide a non-empty command to start an exec session: invalid argument"));
  }
  if (record.state.status != container::Status::Running || record.state.pid <= 0) {
    return session_failure(Error(ErrorKind::InvalidState,
                                 "can only create exec sessions on running containers: container state improper"));
  }
  container::ContainerPaths paths = store.paths(record.id);
  oci::Spec spec = NOOK_TRY(oci::load_spec(paths.userdata));

  oci::Process process = spec.process;
  process.args = options.command;
  process.terminal = options.tty;
  process.console_size = options.tty ? our_window_size() : std::nullopt;
  if (!options.workdir.empty()) process.cwd = options.workdir;
  bool other_user = false;
  if (!options.user.empty()) {
    // The container's /etc/passwd, as the init sees it.
    auto root = sys::open_file(fmt::format("/proc/{}/root", record.state.pid), O_PATH | O_DIRECTORY);
    if (!root) return session_failure(root.error().context("opening the container's root"));
    auto user = oci::resolve_user(root->get(), options.user, {});
    if (!user) return session_failure(user.error());
    other_user = options.user != record.user;
    process.user.uid = user->uid;
    process.user.gid = user->gid;
    process.user.additional_gids = user->additional_gids;
    if (user->home && !has_env(env_items, "HOME")) merge_env(process.env, {"HOME=" + *user->home});
  }
  merge_env(process.env, env_items);
  if (options.tty && !has_env(process.env, "TERM")) process.env.push_back("TERM=xterm");
  exec_capabilities(process, options.privileged, other_user);

  runtime::ExecOptions exec;
  exec.container_pid = record.state.pid;
  exec.process = std::move(process);
  exec.seccomp = spec.linux_.seccomp;
  exec.seccomp_cache = runtime::seccomp_cache_dir(settings.config.run_root + "/runtime");
  exec.detach = options.detach || options.tty;
  exec.cgroups_path = spec.linux_.cgroups_path;
  if (!options.detach) {
    exec.stdio.in = options.interactive && !options.tty ? 0 : -1;
    exec.stdio.out = 1;
    exec.stdio.err = 2;
  }
  sys::SocketPair console;
  if (options.tty) {
    console = NOOK_TRY(sys::SocketPair::create(SOCK_STREAM));
    exec.console_socket = console.second.get();
  }
  auto created = runtime::exec(exec);
  if (!created) return session_failure(created.error());
  sys::ChildProcess child = std::move(*created);
  NOOK_DEBUG(Runtime, "exec in {}: pid {}", record.id.substr(0, 12), child.pid());

  ExecResult result;
  if (options.tty) {
    console.second.reset();
    auto master = runtime::receive_fd(console.first.get());
    if (!master) {
      (void)child.signal(SIGKILL);
      return session_failure(master.error());
    }
    if (options.detach) {
      (void)child.release();
    } else {
      result.exit_code = NOOK_TRY(relay_terminal(child, std::move(*master), options.interactive, keys, options.on_terminal));
      return result;
    }
  }
  if (options.detach) {
    (void)child.release();
    result.session_id = NOOK_TRY(sys::random_hex(32));
    return result;
  }
  // Our fds are the process's: wait, forwarding the signals we get.
  SignalReader signals = NOOK_TRY(SignalReader::open());
  for (;;) {
    struct pollfd fds[2] = {{child.pidfd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    int rc = ::poll(fds, child.pidfd() >= 0 ? 2 : 0, child.pidfd() >= 0 ? -1 : 50);
    if (rc < 0 && errno != EINTR) return fail(Error::from_errno("poll"));
    for (int sig : signals.take()) {
      if (sig != SIGWINCH) (void)child.signal(sig);
    }
    auto status = child.try_wait();
    if (!status) return fail(status.error());
    if (*status) {
      result.exit_code = (*status)->shell_code();
      return result;
    }
  }
}

}  // namespace nook::engine
