// The per-container monitor (conmon's job). run() reads top to bottom in the order things happen:
// detach, signals, stdio, create, report the pid, relay until the container exits, drain, record
// the exit. The detached process is single-threaded, allocates little (one 64 KiB static buffer
// per direction; the log writer writes straight from it) and ends in _exit().
#include "lib/monitor/monitor.h"

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>

#include "lib/monitor/attach.h"
#include "lib/monitor/log_file.h"
#include "lib/runtime/cgroups.h"
#include "lib/runtime/runtime.h"
#include "lib/runtime/terminal.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "lib/sys/syscall.h"
#include "lib/util/log.h"

namespace nook::monitor {
namespace {

constexpr std::array kForwardedSignals = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
constexpr size_t kChunk = 64 * 1024;
// After the container exited, output still buffered in the pipes is read, but no more than this
// (a leftover process of the container could write forever).
constexpr size_t kDrainLimit = 16 * 1024 * 1024;
constexpr std::chrono::milliseconds kRuntimeTimeout{60000};

// --- the JSON files and messages -------------------------------------------------------------

std::optional<int64_t> json_int(const nlohmann::json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

}  // namespace

nlohmann::json to_json(const ExitInfo& info) {
  return nlohmann::json{{"exitCode", info.exit_code},
                        {"exitedAt", format_rfc3339_nano(LogTime{info.exited_at_ns, 0})},
                        {"oomKilled", info.oom_killed}};
}

Result<ExitInfo> parse_exit_info(const nlohmann::json& json) {
  if (!json.is_object()) return fail(ErrorKind::Corrupt, "exit info is not a JSON object");
  ExitInfo info;
  auto code = json_int(json, "exitCode");
  if (!code) return fail(ErrorKind::Corrupt, "exit info has no integer \"exitCode\"");
  info.exit_code = static_cast<int>(*code);
  auto at = json.find("exitedAt");
  if (at != json.end()) {
    if (!at->is_string()) return fail(ErrorKind::Corrupt, "exit info: \"exitedAt\" is not a string");
    auto time = parse_rfc3339(at->get_ref<const std::string&>());
    if (!time) return fail(ErrorKind::Corrupt, fmt::format("exit info: {}", time.error().message()));
    info.exited_at_ns = time->ns;
  }
  auto oom = json.find("oomKilled");
  if (oom != json.end()) {
    if (!oom->is_boolean()) return fail(ErrorKind::Corrupt, "exit info: \"oomKilled\" is not a boolean");
    info.oom_killed = oom->get<bool>();
  }
  return info;
}

Result<ExitInfo> read_exit_file(const std::string& path) {
  std::string text = NOOK_TRY(sys::read_file(path));
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return fail(ErrorKind::Corrupt, fmt::format("exit file {:?} is not valid JSON", path));
  auto info = parse_exit_info(json);
  if (!info) return fail(info.error().context(fmt::format("exit file {:?}", path)));
  return info;
}

std::string format_sync_message(const SyncMessage& message) {
  nlohmann::json json;
  switch (message.type) {
    case SyncMessage::Type::Pid: json = {{"pid", message.value}}; break;
    case SyncMessage::Type::Exit: json = {{"exit", message.value}}; break;
    case SyncMessage::Type::Error: json = {{"error", message.error}, {"kind", message.error_kind}}; break;
    case SyncMessage::Type::Detached: json = {{"detached", true}}; break;
  }
  // Invalid UTF-8 in an error message (a path) is replaced rather than aborting the dump.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<SyncMessage> parse_sync_message(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return fail(ErrorKind::Corrupt, fmt::format("monitor message {:?} is not a JSON object", line));
  }
  SyncMessage message;
  if (auto pid = json_int(json, "pid")) {
    message.type = SyncMessage::Type::Pid;
    message.value = *pid;
    return message;
  }
  if (auto code = json_int(json, "exit")) {
    message.type = SyncMessage::Type::Exit;
    message.value = *code;
    return message;
  }
  if (json.contains("detached")) {
    message.type = SyncMessage::Type::Detached;
    return message;
  }
  auto error = json.find("error");
  if (error != json.end() && error->is_string()) {
    message.type = SyncMessage::Type::Error;
    message.error = error->get<std::string>();
    auto kind = json.find("kind");
    if (kind != json.end() && kind->is_string()) message.error_kind = kind->get<std::string>();
    return message;
  }
  return fail(ErrorKind::Corrupt,
              fmt::format("monitor message {:?} has no \"pid\", \"exit\", \"detached\" or \"error\"", line));
}

Error sync_error(const SyncMessage& message) {
  // error_kind_from_name gives Internal for an unknown name; a monitor that could not say is System.
  ErrorKind kind = error_kind_from_name(message.error_kind);
  if (kind == ErrorKind::Internal && message.error_kind != error_kind_name(ErrorKind::Internal)) kind = ErrorKind::System;
  return Error(kind, message.error.empty() ? std::string("the monitor failed without a message") : message.error);
}

// --- argv ------------------------------------------------------------------------------------

std::vector<std::string> to_args(const Options& options) {
  std::vector<std::string> args = {"--id", options.id, "--bundle", options.bundle};
  auto add = [&](const char* flag, const std::string& value) {
    if (value.empty()) return;
    args.emplace_back(flag);
    args.push_back(value);
  };
  add("--runtime-root", options.runtime_state_root);
  add("--runtime", options.runtime);
  add("--log-driver", options.log_driver);
  add("--log-path", options.log_path);
  if (options.log_max_size > 0) add("--log-max-size", std::to_string(options.log_max_size));
  add("--exit-file", options.exit_file);
  add("--pid-file", options.pid_file);
  add("--detach-keys", options.detach_keys);
  add("--network", options.network.mode);
  add("--ports", options.network.ports);
  add("--network-api-socket", options.network.api_socket);
  add("--network-log", options.network.log_path);
  if (options.sync_fd >= 0) add("--sync-fd", std::to_string(options.sync_fd));
  if (options.interactive) args.emplace_back("--interactive");
  if (options.keep_stdin) args.emplace_back("--keep-stdin");
  if (options.terminal) args.emplace_back("--terminal");
  if (options.attached) args.emplace_back("--attached");
  if (options.wait_for_start) args.emplace_back("--wait-for-start");
  return args;
}

Result<Options> from_args(const std::vector<std::string>& args) {
  Options options;
  options.log_driver.clear();
  auto integer = [](std::string_view flag, std::string_view text) -> Result<int64_t> {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return fail(ErrorKind::InvalidArgument, fmt::format("monitor: {}: invalid number {:?}", flag, text));
    }
    return value;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--interactive") {
      options.interactive = true;
      continue;
    }
    if (arg == "--keep-stdin") {
      options.keep_stdin = true;
      continue;
    }
    if (arg == "--terminal") {
      options.terminal = true;
      continue;
    }
    if (arg == "--attached") {
      options.attached = true;
      continue;
    }
    if (arg == "--wait-for-start") {
      options.wait_for_start = true;
      continue;
    }
    std::string_view flag = arg;
    std::string value;
    if (size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    } else {
      if (i + 1 >= args.size()) {
        return fail(ErrorKind::InvalidArgument, fmt::format("monitor: {:?} needs a value or is unknown", arg));
      }
      value = args[++i];
    }
    if (flag == "--id") {
      options.id = value;
    } else if (flag == "--bundle") {
      options.bundle = value;
    } else if (flag == "--runtime-root") {
      options.runtime_state_root = value;
    } else if (flag == "--runtime") {
      options.runtime = value;
    } else if (flag == "--log-driver") {
      options.log_driver = value;
    } else if (flag == "--log-path") {
      options.log_path = value;
    } else if (flag == "--log-max-size") {
      options.log_max_size = NOOK_TRY(integer(flag, value));
    } else if (flag == "--exit-file") {
      options.exit_file = value;
    } else if (flag == "--pid-file") {
      options.pid_file = value;
    } else if (flag == "--detach-keys") {
      options.detach_keys = value;
    } else if (flag == "--network") {
      options.network.mode = value;
    } else if (flag == "--ports") {
      options.network.ports = value;
    } else if (flag == "--network-api-socket") {
      options.network.api_socket = value;
    } else if (flag == "--network-log") {
      options.network.log_path = value;
    } else if (flag == "--sync-fd") {
      options.sync_fd = static_cast<int>(NOOK_TRY(integer(flag, value)));
    } else {
      return fail(ErrorKind::InvalidArgument, fmt::format("monitor: unknown flag {:?}", flag));
    }
  }
  if (options.log_driver.empty()) options.log_driver = "k8s-file";
  return options;
}

namespace {

Result<void> validate(const Options& options) {
  auto bad = [](std::string message) { return fail(ErrorKind::InvalidArgument, "monitor: " + message); };
  if (options.id.empty()) return bad("no container id");
  auto absolute = [](const std::string& path) { return path.empty() || path.starts_with('/'); };
  if (options.bundle.empty() || !absolute(options.bundle)) {
    return bad(fmt::format("the bundle must be an absolute path, not {:?}", options.bundle));
  }
  for (const std::string* path : {&options.log_path, &options.exit_file, &options.pid_file,
                                  &options.runtime_state_root}) {
    if (!absolute(*path)) return bad(fmt::format("{:?} is not an absolute path", *path));
  }
  if (options.log_driver != "k8s-file" && options.log_driver != "none" && options.log_driver != "passthrough") {
    return bad(fmt::format("unknown log driver {:?}", options.log_driver));
  }
  if (options.log_driver == "k8s-file" && options.log_path.empty()) return bad("k8s-file needs a log path");
  if (options.exit_file.empty()) return bad("no exit file");
  if (options.runtime.empty() && options.runtime_state_root.empty()) return bad("no runtime state root");
  if (options.terminal && !options.runtime.empty()) {
    return fail(ErrorKind::Unsupported, "monitor: a terminal with an external OCI runtime is not supported yet");
  }
  if (options.terminal && options.log_driver == "passthrough") {
    return bad("the passthrough log driver cannot be used with a terminal");
  }
  NOOK_TRY(parse_detach_keys(options.detach_keys));
  return {};
}

// Writes one line on the sync fd; the reader may be gone (EPIPE with SIGPIPE ignored): not an error
// for the monitor, which goes on with its job.
void send_sync(int sync_fd, const SyncMessage& message) {
  if (sync_fd < 0) return;
  auto written = sys::write_all(sync_fd, format_sync_message(message));
  if (!written) NOOK_DEBUG(Monitor, "sync message not delivered: {}", written.error().message());
}

// A closed fd 0, 1 or 2 would be handed out by the next open/pipe and then be mistaken for the
// monitor's stdio: point any closed one at /dev/null (not O_CLOEXEC: it is ours for good).
void ensure_stdio_open() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0 && null != fd) {
      ::dup2(null, fd);
      ::close(null);
    }
  }
}

// The monitor's own process attributes: session leader, subreaper, hard to OOM-kill.
void detach_attributes() {
  if (::setsid() < 0) NOOK_DEBUG(Monitor, "setsid: {}", std::strerror(errno));
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) NOOK_DEBUG(Monitor, "subreaper: {}", std::strerror(errno));
  // Rootless, lowering the score needs CAP_SYS_RESOURCE in the initial namespace: best effort.
  auto oom = sys::open_file("/proc/self/oom_score_adj", O_WRONLY);
  if (!oom || !sys::write_all(oom->get(), "-1000")) NOOK_DEBUG(Monitor, "oom_score_adj -1000 not allowed");
  if (::chdir("/") < 0) NOOK_DEBUG(Monitor, "chdir /: {}", std::strerror(errno));
}

// Blocks SIGCHLD and the forwarded signals and returns a signalfd for them; SIGPIPE is ignored
// (a closed reader is an EPIPE to handle, not a reason to die).
Result<sys::UniqueFd> make_signalfd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGWINCH);
  for (int sig : kForwardedSignals) sigaddset(&set, sig);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return fail(Error::from_errno("sigprocmask"));
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);
  int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return fail(Error::from_errno("signalfd"));
  return sys::UniqueFd(fd);
}

// The container's stdio as the monitor holds it. The *_child ends go to the runtime and are closed
// once the container runs.
struct Stdio {
  sys::UniqueFd in_child, out_child, err_child;  // the container's ends
  sys::UniqueFd in, out, err;                    // ours: write to in, read out/err
  sys::UniqueFd console_ours, console_theirs;    // terminal: the console socket pair
  runtime::Stdio for_runtime() const {
    return {in_child ? in_child.get() : -1, out_child ? out_child.get() : -1, err_child ? err_child.get() : -1};
  }
};

Result<Stdio> make_stdio(const Options& options) {
  Stdio stdio;
  if (options.terminal) {
    auto pair = NOOK_TRY(sys::SocketPair::create(SOCK_STREAM));
    stdio.console_ours = std::move(pair.first);
    stdio.console_theirs = std::move(pair.second);
    return stdio;
  }
  if (options.log_driver == "passthrough") {
    // The container writes to the monitor's own stdio; nothing to relay.
    if (options.interactive) stdio.in_child = NOOK_TRY(sys::dup_fd(0));
    stdio.out_child = NOOK_TRY(sys::dup_fd(1));
    stdio.err_child = NOOK_TRY(sys::dup_fd(2));
    return stdio;
  }
  if (options.interactive || options.keep_stdin) {
    auto pipe = NOOK_TRY(sys::Pipe::create());
    stdio.in_child = std::move(pipe.read);
    stdio.in = std::move(pipe.write);
    NOOK_TRY_VOID(sys::set_nonblocking(stdio.in.get(), true));
  }
  auto out = NOOK_TRY(sys::Pipe::create());
  auto err = NOOK_TRY(sys::Pipe::create());
  stdio.out_child = std::move(out.write);
  stdio.out = std::move(out.read);
  stdio.err_child = std::move(err.write);
  stdio.err = std::move(err.read);
  NOOK_TRY_VOID(sys::set_nonblocking(stdio.out.get(), true));
  NOOK_TRY_VOID(sys::set_nonblocking(stdio.err.get(), true));
  return stdio;
}

// What a failed runtime process left on the container's stderr pipe, for the error message.
std::string pending_output(int fd) {
  if (fd < 0) return {};
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n <= 0) return {};
  std::string text(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Result<pid_t> read_pid_file(const std::string& path) {
  std::string text = NOOK_TRY(sys::read_file(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid <= 0) {
    return fail(ErrorKind::Corrupt, fmt::format("pid file {:?} holds {:?}, not a pid", path, text));
  }
  return pid;
}

std::vector<std::string> external_base(const Options& options) {
  std::vector<std::string> base = {options.runtime};
  if (!options.runtime_state_root.empty()) {
    base.emplace_back("--root");
    base.push_back(options.runtime_state_root);
  }
  return base;
}

// `RUNTIME [--root R] create --bundle B --pid-file F ID`. The container's init is then our
// grandchild, reparented to us (the subreaper) when `create` exits.
Result<sys::ChildProcess> create_external(const Options& options, const Stdio& stdio) {
  std::string pid_file = options.pid_file.empty() ? options.bundle + "/.monitor-pid" : options.pid_file;
  auto fd_or_null = [](const sys::UniqueFd& fd) {
    return fd ? sys::Redirect::to_fd(fd.get()) : sys::Redirect::null();
  };
  std::vector<std::string> create = external_base(options);
  create.insert(create.end(), {"create", "--bundle", options.bundle, "--pid-file", pid_file, options.id});
  auto runner = NOOK_TRY(sys::spawn({.argv = create,
                                     .stdin_from = fd_or_null(stdio.in_child),
                                     .stdout_to = fd_or_null(stdio.out_child),
                                     .stderr_to = fd_or_null(stdio.err_child),
                                     .parent_death_signal = SIGKILL}));
  auto status = NOOK_TRY(runner.wait_for(kRuntimeTimeout));
  if (!status || !status->success()) {
    std::string said = pending_output(stdio.err.get());
    return fail(ErrorKind::System, fmt::format("{} create: {}{}", options.runtime,
                                               status ? fmt::format("exit status {}", status->shell_code())
                                                      : std::string("timed out"),
                                               said.empty() ? "" : ": " + said));
  }
  pid_t pid = NOOK_TRY(read_pid_file(pid_file));
  if (options.pid_file.empty()) ::unlink(pid_file.c_str());
  // Our child now; own it so that an error below kills it.
  auto pidfd = sys::pidfd_open(pid);
  return sys::ChildProcess(pid, pidfd ? std::move(*pidfd) : sys::UniqueFd());
}

// OCI start of a container created held: `RUNTIME [--root R] start ID`, or the built-in runtime's.
Result<void> start_held(const Options& options) {
  if (options.runtime.empty()) return runtime::start(options.runtime_state_root, options.id);
  std::vector<std::string> start = external_base(options);
  start.insert(start.end(), {"start", options.id});
  auto capture = NOOK_TRY(sys::run_capture(sys::SpawnOptions{.argv = start, .parent_death_signal = SIGKILL},
                                           kRuntimeTimeout));
  if (!capture.status.success()) {
    std::string said = capture.stderr_data;
    while (!said.empty() && said.back() == '\n') said.pop_back();
    return fail(ErrorKind::System, fmt::format("{} start: exit status {}{}", options.runtime,
                                               capture.status.shell_code(), said.empty() ? "" : ": " + said));
  }
  return {};
}

// The size of the terminal the foreground command attached us to (its fd 0, else 1 or 2).
std::optional<oci::ConsoleSize> attached_window_size() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (auto size = runtime::window_size(fd)) return size;
  }
  return std::nullopt;
}

// Creates the container; `held`: its program waits for start_held(). `network` (when set) is
// attached to the container's namespaces as soon as they exist.
Result<sys::ChildProcess> create_container(const Options& options, const Stdio& stdio, bool held,
                                           ContainerNetwork* network) {
  if (!options.runtime.empty()) {
    sys::ChildProcess container = NOOK_TRY(create_external(options, stdio));
    if (network) NOOK_TRY_VOID(network->attach(container.pid()));
    return container;
  }
  runtime::CreateOptions create;
  if (network) {
    create.on_namespaces = [network](pid_t pid) { return network->attach(pid); };
    create.on_ready = [network] { return network->finish(); };
  }
  create.id = options.id;
  create.bundle = options.bundle;
  create.state_root = options.runtime_state_root;
  create.stdio = stdio.for_runtime();
  create.console_socket = stdio.console_theirs ? stdio.console_theirs.get() : -1;
  create.wait_for_start = held;
  create.pid_file = options.pid_file;
  if (options.terminal && options.attached) create.console_size = attached_window_size();
  return runtime::create(create);
}

// --- the relay -------------------------------------------------------------------------------

// Buffers in static storage: the detached monitor has one of each, and untouched pages cost nothing.
char g_out_buffer[kChunk];
char g_in_buffer[kChunk];
char g_client_buffer[kChunk];

enum Token : uint64_t {
  kSignal, kOut, kErr, kStdin, kStdinWritable, kAttachListen, kForwarder, kBackendExit, kClientBase = 1000
};
constexpr size_t kMaxClients = 16;

class Relay {
 public:
  Relay(const Options& options, int epoll_fd, std::optional<LogWriter> writer)
      : options_(options), epoll_(epoll_fd), writer_(std::move(writer)), attached_(options.attached),
        matcher_(parse_detach_keys(options.detach_keys).value_or("")) {}

  sys::UniqueFd out, err;     // container output (err empty with a terminal)
  sys::UniqueFd in;           // container input (for a terminal: a dup of the master)
  bool stdin_open = false;    // fd 0 still relayed
  int master = -1;            // terminal: the pty master (borrowed from `out`)
  sys::UniqueFd listener;     // the attach socket
  std::function<void()> on_detach;
  std::function<void(int)> on_signal;  // a client asked for a signal to the container

  Result<void> watch(int fd, uint64_t token, uint32_t events) {
    struct epoll_event ev {};
    ev.events = events;
    ev.data.u64 = token;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) < 0) return fail(Error::from_errno("epoll_ctl"));
    return {};
  }
  void unwatch(int fd) { ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr); }
  void modify(int fd, Token token, uint32_t events) {
    struct epoll_event ev {};
    ev.events = events;
    ev.data.u64 = token;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
  }

  Result<void> start_stdin() {
    if (!options_.interactive || !in) return {};
    stdin_open = true;
    // Detach keys only from a terminal: a pipe's bytes reach the container unchanged.
    if (matcher_.enabled() && attached_ && ::isatty(0) == 1) {
      detach_active_ = true;
      use_splice_ = false;
    }
    auto watched = watch(0, kStdin, EPOLLIN);
    if (!watched) {
      // A regular file (or /dev/null) cannot be polled: it is always readable, so pump it
      // whenever the container's stdin has room.
      if (watched.error().sys_errno() == EBADF) {  // no fd 0 at all: the container sees EOF
        close_stdin("no standard input");
        return {};
      }
      if (watched.error().sys_errno() != EPERM) return watched;
      stdin_always_ready_ = true;
    }
    return watch(in.get(), kStdinWritable, stdin_always_ready_ ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  }

  // Moves what fd 0 has into the container's stdin: splice(2) when both allow it (fd 0 a pipe or
  // a file), else read/write through a buffer. Stops polling fd 0 while the container's pipe is full.
  void pump_stdin() {
    if (!stdin_open) return;
    for (int round = 0; round < 16; ++round) {
      if (in_pending_ == 0 && use_splice_) {
        ssize_t n = ::splice(0, nullptr, in.get(), nullptr, kChunk, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
        if (n > 0) {
          stdin_bytes_ += static_cast<uint64_t>(n);
          continue;
        }
        if (n == 0) return close_stdin("end of input");
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return wait_or_resume();
        if (errno == EPIPE) return close_stdin("the container closed its stdin");
        // EINVAL: a terminal or socket on one side; copy by hand from now on.
        NOOK_DEBUG(Monitor, "stdin: splice: {}; copying instead", std::strerror(errno));
        use_splice_ = false;
      }
      if (in_pending_ == 0) {
        if (!stdin_always_ready_ && round > 0 && !readable(0)) return;
        // Room for the held-back bytes of a partial detach sequence.
        ssize_t n = ::read(0, g_in_buffer, sizeof g_in_buffer - 64);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN) return;
          return close_stdin(std::strerror(errno));
        }
        if (n == 0) return close_stdin("end of input");
        in_offset_ = 0;
        in_pending_ = static_cast<size_t>(n);
        if (detach_active_) {
          filtered_.clear();
          bool typed = matcher_.feed(std::string_view(g_in_buffer, static_cast<size_t>(n)), filtered_);
          std::memcpy(g_in_buffer, filtered_.data(), filtered_.size());
          in_pending_ = filtered_.size();
          if (typed) {
            if (in_pending_ > 0) (void)write_blocking(in.get(), std::string_view(g_in_buffer, in_pending_));
            in_pending_ = 0;
            return detach();
          }
          if (in_pending_ == 0) return;
        }
      }
      ssize_t w = ::write(in.get(), g_in_buffer + in_offset_, in_pending_);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return block_stdin();
        return close_stdin(errno == EPIPE ? "the container closed its stdin" : std::strerror(errno));
      }
      stdin_bytes_ += static_cast<uint64_t>(w);
      in_offset_ += static_cast<size_t>(w);
      in_pending_ -= static_cast<size_t>(w);
      if (in_pending_ > 0) return block_stdin();
      if (!stdin_always_ready_) return;  // wait for the next EPOLLIN
    }
  }

  // Relays what the container wrote on `fd`. Returns false at EOF. With `drain`, reads until the
  // pipe is empty (the container has exited).
  bool relay_output(sys::UniqueFd& fd, LogStream stream, bool drain) {
    size_t total = 0;
    while (fd) {
      ssize_t n = ::read(fd.get(), g_out_buffer, sizeof g_out_buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return true;
        // EIO: the pty's last slave is closed.
        if (errno != EIO) NOOK_DEBUG(Monitor, "reading the container's {}: {}", log_stream_name(stream), std::strerror(errno));
        n = 0;
      }
      if (n == 0) {
        unwatch(fd.get());
        fd.reset();
        return false;
      }
      std::string_view data(g_out_buffer, static_cast<size_t>(n));
      if (writer_) {
        auto logged = writer_->write(stream, data);
        if (!logged) NOOK_WARN(Monitor, "container log: {}", logged.error().message());
      }
      broadcast(stream == LogStream::Stdout ? AttachType::Stdout : AttachType::Stderr, data);
      int target = stream == LogStream::Stdout ? 1 : 2;
      if (attached_ && !attached_broken_[target - 1]) {
        auto copied = sys::write_all(target, data);
        if (!copied) {
          NOOK_DEBUG(Monitor, "fd {} gone: {}", target, copied.error().message());
          attached_broken_[target - 1] = true;
        }
      }
      total += static_cast<size_t>(n);
      if (!drain || total > kDrainLimit) return true;
    }
    return false;
  }

  // An event on the container's stdin: room again (EPOLLOUT), or its reader is gone (EPOLLERR).
  void on_stdin_writable(uint32_t events) {
    if (!stdin_open) return;
    if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
      return close_stdin("the container closed its stdin");
    }
    if (!stdin_always_ready_) {
      modify(in.get(), kStdinWritable, 0);
      modify(0, kStdin, EPOLLIN);
    }
    pump_stdin();
  }

  // --- the attach socket
  void accept_clients() {
    for (;;) {
      int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        if (errno == EINTR) continue;
        return;
      }
      sys::UniqueFd client(fd);
      if (clients_.size() >= kMaxClients || !watch(fd, kClientBase + static_cast<uint64_t>(fd), EPOLLIN)) {
        NOOK_DEBUG(Monitor, "attach: refusing a client");
        continue;
      }
      NOOK_DEBUG(Monitor, "attach: client on fd {}", fd);
      int size = 1 << 20;
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
      clients_.push_back(std::move(client));
    }
  }

  void on_client(int fd) {
    for (;;) {
      ssize_t n = ::recv(fd, g_client_buffer, sizeof g_client_buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) return remove_client(fd);
      auto message = decode_attach(std::string_view(g_client_buffer, static_cast<size_t>(n)));
      if (!message) {
        NOOK_DEBUG(Monitor, "{}", message.error().message());
        return remove_client(fd);
      }
      switch (message->type) {
        case AttachType::Stdin:
          if (in && !write_blocking(in.get(), message->payload)) close_stdin("the container closed its stdin");
          break;
        case AttachType::StdinClose:
          if (in && !options_.terminal) close_stdin("an attached client closed its input");
          break;
        case AttachType::Resize:
          if (auto size = decode_resize(message->payload); size && master >= 0) {
            (void)runtime::set_window_size(master, oci::ConsoleSize{size->rows, size->cols});
          }
          break;
        case AttachType::Signal:
          if (auto sig = decode_signal(message->payload); sig && on_signal) on_signal(*sig);
          break;
        default: break;
      }
    }
  }

  // SIGWINCH: the attached terminal changed its size.
  void winch() {
    if (master < 0 || !attached_) return;
    if (auto size = attached_window_size()) (void)runtime::set_window_size(master, *size);
  }

  void send_exit(int code) {
    std::string packet = encode_exit(code);
    for (const sys::UniqueFd& client : clients_) {
      struct pollfd p {client.get(), POLLOUT, 0};
      ::poll(&p, 1, 1000);
      ::send(client.get(), packet.data(), packet.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    clients_.clear();
  }

  // The log is not fsync'ed: that would add ~5 ms to every container's exit (conmon does not
  // either); the page cache writes it out.
  void finish() {
    NOOK_DEBUG(Monitor, "relayed {} bytes of stdin", stdin_bytes_);
  }

 private:
  // Writes all of `data` to a non-blocking fd, waiting up to a second each time it is full.
  static bool write_blocking(int fd, std::string_view data) {
    while (!data.empty()) {
      ssize_t w = ::write(fd, data.data(), data.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return false;
        struct pollfd p {fd, POLLOUT, 0};
        if (::poll(&p, 1, 1000) <= 0) return false;
        continue;
      }
      data.remove_prefix(static_cast<size_t>(w));
    }
    return true;
  }
  // Output to every attach client; one that cannot keep up loses the chunk, one that is gone is
  // dropped.
  void broadcast(AttachType type, std::string_view data) {
    if (clients_.empty()) return;
    char type_byte = static_cast<char>(type);
    for (size_t i = 0; i < clients_.size();) {
      struct iovec iov[2] = {{&type_byte, 1}, {const_cast<char*>(data.data()), data.size()}};
      struct msghdr msg {};
      msg.msg_iov = iov;
      msg.msg_iovlen = 2;
      ssize_t n = ::sendmsg(clients_[i].get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        int fd = clients_[i].get();
        remove_client(fd);
        continue;
      }
      if (n < 0) NOOK_DEBUG(Monitor, "attach: a slow client lost {} bytes", data.size());
      ++i;
    }
  }
  void remove_client(int fd) {
    unwatch(fd);
    std::erase_if(clients_, [fd](const sys::UniqueFd& c) { return c.get() == fd; });
    NOOK_DEBUG(Monitor, "attach: client on fd {} gone", fd);
  }
  // The detach sequence was typed on the attached terminal: let go of it; the container goes on.
  void detach() {
    NOOK_DEBUG(Monitor, "detached from the terminal");
    // fd 0 is no longer relayed; the container's input stays open for attach clients.
    stdin_open = false;
    if (!stdin_always_ready_) unwatch(0);
    if (in) modify(in.get(), kStdinWritable, 0);
    attached_ = false;
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
      ::close(null);
    }
    if (on_detach) on_detach();
  }

  static bool readable(int fd) {
    struct pollfd p {fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP)) != 0;
  }
  void block_stdin() {
    if (!stdin_always_ready_) {
      modify(0, kStdin, 0);
      modify(in.get(), kStdinWritable, EPOLLOUT);
    }
  }
  // splice gave EAGAIN: either the container's pipe is full or fd 0 has nothing right now.
  void wait_or_resume() {
    struct pollfd p {in.get(), POLLOUT, 0};
    bool room = ::poll(&p, 1, 0) > 0 && (p.revents & POLLOUT) != 0;
    if (!room) block_stdin();
  }
  void close_stdin(std::string_view why) {
    NOOK_DEBUG(Monitor, "stdin closed: {}", why);
    stdin_open = false;
    if (!stdin_always_ready_) unwatch(0);
    if (in) unwatch(in.get());
    // With a terminal, `in` is the master: closing our dup leaves the output side alone.
    in.reset();
  }

  const Options& options_;
  int epoll_;
  std::optional<LogWriter> writer_;
  bool use_splice_ = true;
  bool stdin_always_ready_ = false;
  size_t in_offset_ = 0, in_pending_ = 0;
  uint64_t stdin_bytes_ = 0;
  bool attached_broken_[2] = {false, false};
  bool attached_;
  DetachMatcher matcher_;
  bool detach_active_ = false;
  std::string filtered_;
  std::vector<sys::UniqueFd> clients_;
};

// Reaps every terminated child; returns the container's status once it is among them. Other
// children are orphans of the container reparented to us (we are a subreaper).
std::optional<sys::ExitStatus> reap(sys::ChildProcess& container) {
  std::optional<sys::ExitStatus> result;
  while (true) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0) break;
    if (container && info.si_pid == container.pid()) {
      auto status = container.try_wait();
      if (status && *status) result = **status;
      if (!status) break;
    } else {
      while (::waitpid(info.si_pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  return result;
}

// The detached monitor; returns its exit code.
int monitor_main(const Options& options, const std::function<void(const ExitInfo&)>& on_exit) {
  auto report_error = [&](const Error& error) {
    NOOK_DEBUG(Monitor, "{}: {}", options.id, error.message());
    send_sync(options.sync_fd, SyncMessage{.type = SyncMessage::Type::Error,
                                           .error = error.message(),
                                           .error_kind = std::string(error_kind_name(error.kind()))});
    return 1;
  };
  detach_attributes();
  if (options.sync_fd >= 0) (void)sys::set_cloexec(options.sync_fd, true);

  auto sigfd = make_signalfd();
  if (!sigfd) return report_error(sigfd.error());
  auto stdio = make_stdio(options);
  if (!stdio) return report_error(stdio.error());
  std::optional<LogWriter> writer;
  if (options.log_driver == "k8s-file") {
    auto opened = LogWriter::open(options.log_path, options.log_max_size);
    if (!opened) return report_error(opened.error().context("opening the container log"));
    writer = std::move(*opened);
  }

  // An external runtime's `create` always holds the program until `start`.
  auto prepared = ContainerNetwork::prepare(options.network);
  if (!prepared) return report_error(prepared.error());
  std::optional<ContainerNetwork> network = std::move(*prepared);
  // The built-in runtime finishes the network before the exec (on_ready), so that the program's
  // exec errors still come back; an external runtime's `create` always holds until `start`.
  bool held = options.wait_for_start || !options.runtime.empty();
  auto created = create_container(options, *stdio, held, network ? &*network : nullptr);
  if (!created) return report_error(created.error());
  sys::ChildProcess container = std::move(*created);
  auto discard = [&](const Error& error) {
    if (network) network->stop();
    (void)container.signal(SIGKILL);
    (void)container.wait();
    if (options.runtime.empty()) (void)runtime::remove(options.runtime_state_root, options.id, true);
    return report_error(error);
  };
  if (network && held) {
    if (auto up = network->finish(); !up) return discard(up.error());
  }
  if (held && !options.wait_for_start) {
    if (auto started = start_held(options); !started) return discard(started.error());
  }
  // The container has its ends; holding ours would hide its EOF.
  stdio->in_child.reset();
  stdio->out_child.reset();
  stdio->err_child.reset();
  stdio->console_theirs.reset();

  int epoll_raw = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_raw < 0) return report_error(Error::from_errno("epoll_create1"));
  sys::UniqueFd epoll(epoll_raw);
  Relay relay(options, epoll.get(), std::move(writer));
  auto setup = [&]() -> Result<void> {
    if (options.terminal) {
      relay.out = NOOK_TRY(runtime::receive_fd(stdio->console_ours.get()));
      NOOK_TRY_VOID(sys::set_nonblocking(relay.out.get(), true));
      relay.master = relay.out.get();
      if (options.interactive || options.keep_stdin) relay.in = NOOK_TRY(sys::dup_fd(relay.out.get()));
    } else {
      relay.out = std::move(stdio->out);
      relay.err = std::move(stdio->err);
      relay.in = std::move(stdio->in);
    }
    NOOK_TRY_VOID(relay.watch(sigfd->get(), kSignal, EPOLLIN));
    if (network && network->forwarder_fd() >= 0) NOOK_TRY_VOID(relay.watch(network->forwarder_fd(), kForwarder, EPOLLIN));
    if (network && network->backend_exit_fd() >= 0) {
      NOOK_TRY_VOID(relay.watch(network->backend_exit_fd(), kBackendExit, EPOLLIN));
    }
    if (relay.out) NOOK_TRY_VOID(relay.watch(relay.out.get(), kOut, EPOLLIN));
    if (relay.err) NOOK_TRY_VOID(relay.watch(relay.err.get(), kErr, EPOLLIN));
    NOOK_TRY_VOID(relay.start_stdin());
    if (auto listener = listen_attach_socket(options.bundle)) {
      relay.listener = std::move(*listener);
      NOOK_TRY_VOID(relay.watch(relay.listener.get(), kAttachListen, EPOLLIN));
    } else {
      NOOK_DEBUG(Monitor, "no attach socket: {}", listener.error().message());
    }
    return {};
  };
  relay.on_detach = [&] { send_sync(options.sync_fd, SyncMessage{.type = SyncMessage::Type::Detached}); };
  relay.on_signal = [&](int sig) {
    NOOK_DEBUG(Monitor, "sending signal {} to {} for a client", sig, container.pid());
    if (container) (void)container.signal(sig);
  };
  if (auto ready = setup(); !ready) {
    (void)container.signal(SIGKILL);
    return report_error(ready.error());
  }
  stdio->console_ours.reset();

  pid_t pid = container.pid();
  NOOK_DEBUG(Monitor, "{}: container running as pid {}", options.id, pid);
  send_sync(options.sync_fd, SyncMessage{.type = SyncMessage::Type::Pid, .value = pid});
  // The bundle's JSON, the seccomp compilation and the runtime's plan are freed: hand the heap
  // back, so that the monitor's private memory stays small for the container's whole life.
  ::malloc_trim(0);

  std::optional<sys::ExitStatus> status;
  struct epoll_event events[8];
  while (!status) {
    int n = ::epoll_wait(epoll.get(), events, 8, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      NOOK_ERROR(Monitor, "epoll_wait: {}", std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) {
      switch (events[i].data.u64) {
        case kSignal: {
          struct signalfd_siginfo info {};
          while (::read(sigfd->get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            int sig = static_cast<int>(info.ssi_signo);
            if (sig == SIGCHLD) {
              if (auto exited = reap(container)) status = exited;
            } else if (sig == SIGWINCH) {
              relay.winch();
            } else if (container) {
              NOOK_DEBUG(Monitor, "forwarding signal {} to {}", sig, container.pid());
              (void)container.signal(sig);
            }
          }
          break;
        }
        case kOut: relay.relay_output(relay.out, LogStream::Stdout, false); break;
        case kErr: relay.relay_output(relay.err, LogStream::Stderr, false); break;
        case kStdin: relay.pump_stdin(); break;
        case kStdinWritable: relay.on_stdin_writable(events[i].events); break;
        case kAttachListen: relay.accept_clients(); break;
        case kForwarder: network->dispatch(); break;
        case kBackendExit: {
          // The container runs on without its network; `inspect` shows why (State.Error).
          std::string failure = network->backend_failure();
          NOOK_ERROR(Monitor, "{}: {}", options.id, failure);
          (void)sys::write_file_atomic(options.bundle + "/" + std::string(kNetworkErrorFile), failure + "\n", 0600,
                                       sys::Durability::AtomicOnly);
          (void)::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, network->backend_exit_fd(), nullptr);
          break;
        }
        default:
          if (events[i].data.u64 >= kClientBase) relay.on_client(static_cast<int>(events[i].data.u64 - kClientBase));
          break;
      }
    }
  }
  // The ports are free again before anyone hears of the exit (a script may publish them again).
  if (network) network->stop();
  // Whatever the container wrote before it exited is still in the pipes.
  relay.relay_output(relay.out, LogStream::Stdout, true);
  relay.relay_output(relay.err, LogStream::Stderr, true);
  relay.finish();

  ExitInfo info;
  info.exit_code = status ? status->shell_code() : 255;
  // The kernel's OOM count in the container's cgroup; then the cgroup goes, before anyone hears
  // of the exit (lib/runtime/cgroups.h).
  if (options.runtime.empty()) {
    info.oom_killed = runtime::oom_killed(options.runtime_state_root, options.id);
    if (auto removed = runtime::remove_recorded_cgroup(options.runtime_state_root, options.id); !removed) {
      NOOK_ERROR(Monitor, "{}", removed.error().message());
    }
  }
  info.exited_at_ns = log_time_now().ns;
  NOOK_DEBUG(Monitor, "{}: container exited with {}", options.id, info.exit_code);
  auto written = sys::write_file_atomic(options.exit_file, to_json(info).dump() + "\n", 0600,
                                         sys::Durability::AtomicOnly);
  if (!written) NOOK_ERROR(Monitor, "writing the exit file: {}", written.error().message());
  if (relay.listener) {
    relay.listener.reset();
    ::unlink((options.bundle + "/attach").c_str());
  }
  relay.send_exit(info.exit_code);
  if (on_exit) on_exit(info);
  send_sync(options.sync_fd, SyncMessage{.type = SyncMessage::Type::Exit, .value = info.exit_code});
  return 0;
}

}  // namespace

Result<int> run(const Options& options, const std::function<void(const ExitInfo&)>& on_exit) {
  NOOK_TRY_VOID(validate(options));
  ensure_stdio_open();
  std::fflush(nullptr);  // nothing buffered may be written twice
  pid_t pid = ::fork();
  if (pid < 0) return fail(Error::from_errno("fork", "monitor"));
  if (pid > 0) return 0;
  _exit(monitor_main(options, on_exit));
}

}  // namespace nook::monitor
