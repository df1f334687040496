// Shared by container_exec.cc, container_attach.cc and container_start.cc (not the engine's API):
// the client side of a container's terminal.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "lib/container/container.h"
#include "lib/oci/spec.h"
#include "lib/sys/fd.h"
#include "lib/util/error.h"

namespace nook::engine {

// The size of the terminal on our fd 0 (else 1, else 2); nullopt without one.
std::optional<oci::ConsoleSize> our_window_size();

// The detach sequence to use: `keys` (podman's syntax) or ctrl-p,ctrl-q when unset; "" when our
// stdin is not a terminal (a pipe's bytes go through unchanged). InvalidArgument for bad keys.
[[nodiscard]] Result<std::string> detach_sequence(const std::optional<std::string>& keys);

// The same for the monitor, which gets the keys as text: `keys` or the default when valid, "" when
// our stdin is not a terminal.
[[nodiscard]] Result<std::string> detach_sequence_text(const std::optional<std::string>& keys);

// Blocks SIGWINCH and the signals a foreground command forwards (INT, TERM, HUP, QUIT, USR1,
// USR2) and reads them from a signalfd while alive; restores the mask when destroyed.
class SignalReader {
 public:
  [[nodiscard]] static Result<SignalReader> open();
  SignalReader(SignalReader&& other) noexcept
      : fd_(std::move(other.fd_)), restore_(std::exchange(other.restore_, false)), old_(other.old_) {}
  SignalReader& operator=(SignalReader&&) = delete;
  ~SignalReader();
  int fd() const { return fd_.get(); }
  // The pending signals (empty when none).
  std::vector<int> take();

 private:
  SignalReader() = default;
  sys::UniqueFd fd_;
  bool restore_ = false;
  sigset_t old_{};
};

// While alive, SIGWINCH received by this process is sent on to `pid` (the monitor, which copies
// the size of the terminal it shares with us to the container's pty).
class WinchForwarder {
 public:
  explicit WinchForwarder(pid_t pid);
  ~WinchForwarder();
  WinchForwarder(const WinchForwarder&) = delete;
  WinchForwarder& operator=(const WinchForwarder&) = delete;

 private:
  struct sigaction old_{};
};

// The container named by `key` (or the newest with `latest`), its state reconciled for reading.
[[nodiscard]] Result<container::Container> find_for_attach(const container::ContainerStore& store,
                                                           std::string_view key, bool latest);

}  // namespace nook::engine
