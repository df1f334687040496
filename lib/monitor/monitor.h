// The monitor: one small process per running container, as conmon is (DESIGN.md "Process model").
//
// The engine starts it as `/proc/self/exe internal monitor ...` (a fresh, single-threaded process;
// everything it needs is on its argv, it reads no configuration) inside nook's user and mount
// namespaces, with the sync pipe's write end inherited (Options::sync_fd). In order, run():
//   1. detaches: forks, the first process exits at once (the engine reaps it), the second calls
//      setsid() and becomes a child subreaper, sets its oom_score_adj to -1000;
//   2. makes the container's stdio (pipes, or a pty for terminal=true);
//   3. creates the container through the built-in runtime (lib/runtime/runtime.h), or through an
//      external OCI runtime CLI (`RUNTIME create --bundle B --pid-file F ID`, then `start`) when
//      Options::runtime names one; with a network to set up (network.h: slirp4netns, published
//      ports), creates it held before its program, sets the network up, then starts it;
//   4. reports one JSON line on the sync fd: {"pid": N} once the container runs, or
//      {"error": "message", "kind": "command not found"} (kind as error_kind_name()) and exits;
//   5. relays: container stdout/stderr -> the log (log_file.h), and, when `attached`, also to its
//      own fds 1 and 2 (inherited from the `nook run` in the foreground); its fd 0 -> the
//      container's stdin when `interactive` (EOF closes the container's stdin);
//   5b. serves the attach socket <bundle>/attach (attach.h): output to every client, their input
//      to the container, resize messages to the pty; with a terminal, SIGWINCH sent to the
//      monitor copies the window size of its fd 0 (the attached terminal) to the pty;
//   6. when the container exits: drains its output, writes the exit file atomically
//      (ExitInfo as JSON), calls on_exit (the engine's cleanup: unmount, `--rm` removal), writes
//      {"exit": N} on the sync fd (ignoring EPIPE: the CLI may be gone) and exits 0.
// Signals SIGTERM/SIGINT/SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2 sent to the monitor are forwarded to the
// container.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/monitor/network.h"
#include "lib/util/error.h"

namespace nook::monitor {

struct Options {
  std::string id;
  std::string bundle;             // absolute; <bundle>/config.json
  std::string runtime_state_root;  // the runtime's state root (runtime::CreateOptions::state_root)
  std::string runtime;            // "" = built-in; else the path of crun/runc
  std::string log_driver = "k8s-file";  // "k8s-file", "none", "passthrough"
  std::string log_path;           // k8s-file: the log file
  int64_t log_max_size = -1;      // bytes; > 0: rotate by rename to <log_path>.1 at this size
  std::string exit_file;          // written atomically when the container exits
  std::string pid_file;           // the container's pid, written once it runs (optional)
  bool interactive = false;       // -i: relay fd 0 to the container's stdin
  // The container keeps an open stdin (a pipe, or the pty's input) even when fd 0 is not relayed,
  // for clients of the attach socket (`run -di`, `create -i`).
  bool keep_stdin = false;
  bool terminal = false;          // -t: a pty; process.terminal in the bundle must agree
  bool attached = false;          // copy the container's output to fds 1/2 as well
  bool wait_for_start = false;    // `nook init`: create the process; the engine starts it later (OCI start)
  // When fd 0 is a terminal and relayed: typing this sequence (attach.h syntax, "" = never)
  // detaches: the monitor lets go of fds 0-2, reports Detached on the sync fd, and goes on.
  std::string detach_keys;
  int sync_fd = -1;               // inherited write end of the sync pipe (-1: none)
  // The network to set up between create and start (network.h): --network, --ports,
  // --network-api-socket, --network-log.
  NetworkOptions network;
};

// What the exit file holds: {"exitCode": N, "exitedAt": "RFC3339Nano", "oomKilled": false}.
// exit_code is the container's status, 128+N when killed by signal N.
struct ExitInfo {
  int exit_code = 0;
  int64_t exited_at_ns = 0;  // CLOCK_REALTIME, ns since the epoch
  bool oom_killed = false;
};
nlohmann::json to_json(const ExitInfo& info);
[[nodiscard]] Result<ExitInfo> parse_exit_info(const nlohmann::json& json);
// Reads an exit file; NotFound when the container has not exited (or never ran).
[[nodiscard]] Result<ExitInfo> read_exit_file(const std::string& path);

// One message of the sync pipe (one JSON line each).
struct SyncMessage {
  enum class Type { Pid, Error, Exit, Detached } type = Type::Pid;
  int64_t value = 0;        // the pid, or the exit code
  std::string error;        // Type::Error
  std::string error_kind;   // Type::Error: error_kind_name() of the kind
};
std::string format_sync_message(const SyncMessage& message);  // with the trailing '\n'
[[nodiscard]] Result<SyncMessage> parse_sync_message(std::string_view line);
// The Error a Type::Error message stands for: its message, and its kind when error_kind names one
// (else System), so that the CLI exits 125/126/127 as the runtime's error says.
Error sync_error(const SyncMessage& message);

// Runs the monitor as described above; returns only in the first (detaching) process, with the
// exit code it should exit with (0), or with an error before detaching (bad options). The
// detached monitor calls _exit() itself and never returns.
[[nodiscard]] Result<int> run(const Options& options, const std::function<void(const ExitInfo&)>& on_exit);

// argv <-> Options, for `nook internal monitor` (lib/monitor/monitor.cc owns the flag names, so
// the engine that spawns it and the verb that parses it cannot disagree).
std::vector<std::string> to_args(const Options& options);
[[nodiscard]] Result<Options> from_args(const std::vector<std::string>& args);

}  // namespace nook::monitor
