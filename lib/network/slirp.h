// slirp4netns for one container: the monitor starts it once the container's network namespace
// exists (before the container's program runs) and keeps it as its child.
//
// slirp4netns gets the read end of an "exit pipe" (`--exit-fd`) whose write end only the monitor
// holds: when the monitor exits, however it exits (SIGKILL too), the kernel closes that end and
// slirp4netns quits, so it never outlives the container's monitor.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "lib/network/mode.h"
#include "lib/network/ports.h"
#include "lib/sys/fd.h"
#include "lib/sys/proc.h"
#include "lib/util/error.h"

namespace nook::network {

// The arguments after the program name: `--configure --mtu=N ... --exit-fd=E --ready-fd=R PID tap0`.
std::vector<std::string> slirp_args(const SlirpOptions& options, pid_t pid, int exit_fd, int ready_fd,
                                    const std::string& api_socket);

// An API request of slirp4netns (`--api-socket`), one JSON object; and the error in its reply,
// if any ("" when it succeeded).
std::string add_hostfwd_request(const PortMapping& mapping, uint16_t offset, const std::string& guest_addr);
[[nodiscard]] Result<void> check_api_reply(std::string_view reply);

class Slirp4netns {
 public:
  struct StartOptions {
    SlirpOptions slirp;
    pid_t pid = -1;           // a process in the network namespace (the container's init)
    std::string api_socket;   // "" = none (needed for port_handler=slirp4netns)
    std::string log_path;     // its output; read back into the error when it fails
    std::string program = "slirp4netns";
  };
  // Starts slirp4netns (it configures tap0 in the namespace while the caller goes on). NotFound
  // when slirp4netns is not installed.
  [[nodiscard]] static Result<Slirp4netns> launch(const StartOptions& options);
  // Waits (up to 10 s) until it has configured the network; System with its own words when it
  // failed.
  [[nodiscard]] Result<void> wait_ready();

  Slirp4netns() = default;
  Slirp4netns(Slirp4netns&& other) noexcept { *this = std::move(other); }
  Slirp4netns& operator=(Slirp4netns&& other) noexcept;
  ~Slirp4netns();

  // port_handler=slirp4netns: asks slirp4netns to forward every port of `mapping` to the
  // container's address; InvalidArgument/Permission with the reason when the host port cannot be
  // bound.
  [[nodiscard]] Result<void> add_forward(const PortMapping& mapping, const std::string& guest_addr);

  // Readable (a pidfd) when slirp4netns has exited; -1 when none runs.
  int exit_watch_fd() const { return process_.pidfd(); }
  // Stops it: closes the exit pipe and reaps it (SIGKILL after a second).
  void stop();

 private:
  sys::ChildProcess process_;
  sys::UniqueFd exit_write_;
  sys::UniqueFd ready_read_;
  std::string api_socket_;
  std::string log_path_;
};

// The message of a failed slirp4netns: the last lines of its log.
std::string slirp_log_tail(const std::string& log_path);

}  // namespace nook::network
