// `nook exec` and `nook attach`: reaching a running container from the host.
//
// Neither enters nook's user namespace (their verbs have needs_userns = false): exec joins the
// namespaces of the container's init directly (lib/runtime exec(), user namespace first), which
// only works from the host side, and attach talks to the monitor's attach socket
// (lib/monitor/attach.h). Records are read without the container's lock: they are replaced
// atomically.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

// The flags of `nook exec` (podman-exec(1)).
struct ExecOptions {
  std::vector<std::string> command;
  bool interactive = false;  // -i: our stdin is the process's
  bool tty = false;          // -t: a pty in the container; we relay it
  bool detach = false;       // -d: not waited for; its stdio is /dev/null
  bool privileged = false;
  bool latest = false;       // -l: the newest container instead of a key
  std::vector<std::string> env;        // -e
  std::vector<std::string> env_files;  // --env-file
  std::string user;                    // -u
  std::string workdir;                 // -w
  std::optional<std::string> detach_keys;  // --detach-keys (unset: ctrl-p,ctrl-q)
  // With a terminal on our stdin: called once the process's pty is relayed, to put it in raw mode
  // (cmd/ owns the terminal and restores it).
  std::function<void()> on_terminal;
};

struct ExecResult {
  int exit_code = 0;
  std::string session_id;  // -d: an id for the detached process (podman prints its session id)
  // Errors of the exec session itself (container not running, bad user, command not found): podman
  // reports them with exit code 255 (126/127 for a command that cannot run / is not found).
  std::optional<Error> session_error;
};

// Runs the command in the container and, unless detached, waits for it (signals are forwarded
// to it). Errors returned directly (bad flag values, unknown container) are the engine's 125.
[[nodiscard]] Result<ExecResult> exec_container(const Settings& settings, std::string_view key,
                                                const ExecOptions& options);

// --detach-keys checked before anything is created: InvalidArgument "invalid detach keys: ...".
[[nodiscard]] Result<void> check_detach_keys(std::string_view keys);

// The flags of `nook attach`.
struct AttachClientOptions {
  bool no_stdin = false;
  bool sig_proxy = true;
  bool latest = false;
  std::optional<std::string> detach_keys;
  std::function<void()> on_terminal;  // as ExecOptions::on_terminal
};

// Attaches to a running container's monitor until the container exits or the user types the
// detach keys (from a terminal); returns 0 either way, as podman 4.3 does. InvalidState "you can
// only attach to running containers".
[[nodiscard]] Result<int> attach_container(const Settings& settings, std::string_view key,
                                           const AttachClientOptions& options);

}  // namespace nook::engine
