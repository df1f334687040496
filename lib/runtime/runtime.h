// nook's built-in OCI runtime: runs a runtime-spec bundle (lib/oci/spec.h) as crun or runc would.
//
// The container's init process is created as a CHILD OF THE CALLER, so the caller (the monitor,
// lib/monitor) can wait for it and see its exit status directly; as with crun, nothing else stays
// running. The caller must be single-threaded (the runtime forks and the child does more than
// async-signal-safe work) and, rootless, must already be inside nook's user namespace
// (rootless/userns.h): the runtime then acts as root there.
//
// State of containers created through the OCI CLI verbs (`nook oci create|start|state|kill|
// delete`) lives in <state_root>/<id>/: state.json (written atomically) and the exec fifo that
// start() opens.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/oci/spec.h"
#include "lib/sys/proc.h"
#include "lib/util/error.h"

namespace nook::runtime {

// Where the container process's fds 0, 1 and 2 come from; borrowed, -1 = /dev/null. Ignored for
// a process with terminal=true (its stdio is the pty's slave).
struct Stdio {
  int in = -1;
  int out = -1;
  int err = -1;
};

struct CreateOptions {
  std::string id;          // [A-Za-z0-9_.-]+, unique within state_root
  std::string bundle;      // absolute directory with config.json
  std::string state_root;  // e.g. <run_root>/runtime; <state_root>/<id>/ is created
  Stdio stdio;
  // process.terminal: the runtime creates a pty inside the container and sends its master over
  // this connected unix socket (SCM_RIGHTS), as runc's --console-socket. Borrowed.
  int console_socket = -1;
  // The pty's window size, when known before the process starts (overrides process.consoleSize).
  std::optional<oci::ConsoleSize> console_size;
  // false ("run"): create() returns once the process has called execve (or reports why it
  // could not). true ("create"): the process waits before execve until start(id).
  bool wait_for_start = false;
  std::string pid_file;  // when not empty, the init's pid is written there (atomically)
  std::vector<int> preserve_fds;  // extra fds passed as 3, 4, ... (borrowed, in order)
  // Called with the init's pid as soon as its namespaces exist, while it goes on setting up its
  // mounts (the monitor starts slirp4netns on its network namespace then). An error fails the
  // create.
  std::function<Result<void>(pid_t)> on_namespaces;
  // run (not wait_for_start): called once the init is set up, before it execs the program, which
  // waits until this returns (the monitor waits there for slirp4netns). An error fails the create;
  // errors of the exec itself still come back as create()'s (126/127).
  std::function<Result<void>()> on_ready;
};

// Where create() keeps compiled seccomp filters for reuse: <state_root>.seccomp, beside the state
// root, which holds nothing but containers.
std::string seccomp_cache_dir(std::string_view state_root);

// Creates the container. Errors from inside the container process come back with their kind:
// CommandNotFound (exit 127: "executable file not found in $PATH" / no such file),
// NotExecutable (126: permission denied, not a regular file), everything else the engine's 125.
// On error nothing is left behind: no process, no mount outside the container, no state dir.
[[nodiscard]] Result<sys::ChildProcess> create(const CreateOptions& options);

// OCI "start": lets a process created with wait_for_start execute the user's program.
// InvalidState unless the container is "created".
[[nodiscard]] Result<void> start(std::string_view state_root, std::string_view id);

// The runtime-spec state: {"ociVersion", "id", "status" (creating|created|running|stopped),
// "pid", "bundle", "annotations"}. A dead init gives "stopped".
[[nodiscard]] Result<nlohmann::json> state(std::string_view state_root, std::string_view id);

// Sends `signal` to the container's init (through a pidfd). InvalidState when it has stopped.
[[nodiscard]] Result<void> kill(std::string_view state_root, std::string_view id, int signal);

// Removes the state of a stopped container; with `force`, kills a running one first (SIGKILL).
[[nodiscard]] Result<void> remove(std::string_view state_root, std::string_view id, bool force);

// A process run inside a running container (`nook exec`): joins every namespace of `pid`
// (setns: user first when it differs from ours, then mount, pid, ...), applies `process` (user,
// groups, caps, rlimits, no_new_privs, seccomp from `seccomp` when given, cwd, env) and execs.
struct ExecOptions {
  pid_t container_pid = -1;  // the container's init
  oci::Process process;
  std::optional<oci::Seccomp> seccomp;  // the container's profile (from its bundle)
  std::string seccomp_cache;            // compiled filters kept here (seccomp_cache_dir); "" = none
  Stdio stdio;
  int console_socket = -1;  // process.terminal: where the pty master is sent (as CreateOptions)
  // exec -d: the process does not die with the caller (no PR_SET_PDEATHSIG) and, without a
  // terminal, gets a session of its own.
  bool detach = false;
  // The container's linux.cgroupsPath: the process is born in that cgroup, as the init was.
  // Empty, or a cgroup that does not exist (the container has none), leaves it in ours.
  std::string cgroups_path;
};
// The new process is a child of the caller; errors as for create().
[[nodiscard]] Result<sys::ChildProcess> exec(const ExecOptions& options);

}  // namespace nook::runtime
