// Child processes: spawn (fork + exec), ChildProcess (pid + pidfd, killed and reaped unless
// waited for or released), ExitStatus, and run_capture for short helper commands.
//
// Fork safety: spawn() prepares everything (argv/envp arrays, PATH candidates, /dev/null, the fd
// plan) before fork(); the child then runs only async-signal-safe calls (sigaction, dup2/fcntl,
// close, setsid, prctl, chdir, execve, write, _exit), so spawn() may be called from a process
// with threads. It must not be called when SIGCHLD is set to SIG_IGN (children are then reaped
// by the kernel and wait() fails with ECHILD).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/sys/fd.h"
#include "lib/util/error.h"

namespace nook::sys {

// How a child terminated.
struct ExitStatus {
  bool exited = false;  // called exit()/_exit(): `code` is valid
  int code = 0;         // exit code when `exited`
  int signal = 0;       // terminating signal when !exited

  // The status a shell would report: the exit code, or 128 + signal number.
  int shell_code() const { return exited ? code : 128 + signal; }
  bool success() const { return exited && code == 0; }

  // From a waitpid() status of a terminated child.
  static ExitStatus from_wait_status(int status);
  friend bool operator==(const ExitStatus&, const ExitStatus&) = default;
};

// Owns a child process: its pid, and a pidfd when the kernel has pidfd_open (5.3). Unless wait()
// has reaped it or release() was called, the destructor sends SIGKILL and reaps it, so no error
// path leaves a zombie or a stray process behind (crun's cleanup_pid). Move-only.
class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(pid_t pid, UniqueFd pidfd) noexcept : pid_(pid), pidfd_(std::move(pidfd)) {}

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;  // kills and reaps the current child
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // The pid, or -1 once reaped, released or for an empty object.
  pid_t pid() const { return pid_; }
  // The pidfd (borrowed; pollable, readable when the child exits), or -1 if none.
  int pidfd() const { return pidfd_.get(); }
  // Whether this object still owns an unreaped child.
  explicit operator bool() const { return pid_ > 0; }

  // Sends `sig` through the pidfd, falling back to kill(2) without one (or on ENOSYS). An unreaped
  // child's pid cannot be reused, so the fallback is race-free too. InvalidState when empty.
  [[nodiscard]] Result<void> signal(int sig);

  // Blocks until the child terminates and reaps it (EINTR is retried). Stopped children are not
  // reported.
  [[nodiscard]] Result<ExitStatus> wait();
  // Reaps the child if it has terminated; nullopt while it runs.
  [[nodiscard]] Result<std::optional<ExitStatus>> try_wait();
  // Waits up to `timeout`; nullopt if the child is still running then (it is not killed).
  [[nodiscard]] Result<std::optional<ExitStatus>> wait_for(std::chrono::milliseconds timeout);

  // Forgets the child without killing or reaping it (e.g. a daemon handed over to another
  // owner); returns its pid. The caller becomes responsible for reaping.
  [[nodiscard]] pid_t release();

 private:
  void kill_and_reap() noexcept;
  ExitStatus reaped(int status);

  pid_t pid_ = -1;
  UniqueFd pidfd_;
};

// Where a child's standard stream goes.
struct Redirect {
  enum class Kind { Inherit, Null, Fd };
  Kind kind = Kind::Inherit;
  int fd = -1;  // borrowed; used when kind == Fd

  static Redirect inherit() { return {}; }
  static Redirect null() { return {Kind::Null, -1}; }  // /dev/null
  static Redirect to_fd(int fd) { return {Kind::Fd, fd}; }
};

// An extra descriptor for the child: the parent's `source` (borrowed) appears as `target` (>= 3)
// in the child, without FD_CLOEXEC.
struct FdMapping {
  int source = -1;
  int target = -1;
};

// Designated initializers read well: spawn({.argv = {"true"}, .new_session = true}).
struct SpawnOptions {
  std::vector<std::string> argv{};  // must not be empty
  // The program to execute; empty means argv[0]. Without a '/', it is searched in the PATH of
  // `env` if given, else of the inherited environment, else a default PATH (as execvp does).
  std::string executable{};
  std::optional<std::vector<std::string>> env{};  // "NAME=value" entries; nullopt: inherit ours
  std::string cwd{};                              // empty: inherit ours
  Redirect stdin_from{};
  Redirect stdout_to{};
  Redirect stderr_to{};
  // Descriptors to keep across exec. Every other descriptor except 0-2 is closed (below the
  // highest target) or marked close-on-exec (above it, with close_range(CLOSE_RANGE_CLOEXEC),
  // best effort on kernels before 5.11), so a library's leaked non-CLOEXEC fd does not leak.
  std::vector<FdMapping> keep_fds{};
  bool new_session = false;     // setsid() in the child
  int parent_death_signal = 0;  // PR_SET_PDEATHSIG; the child exits at once if we already died
};

// Starts a child: fork, set up the child as `options` say, execve. The child gets default signal
// dispositions and an empty signal mask. Exec failure is reported through a CLOEXEC pipe, so
// spawn() fails instead of returning a child that exits 127: ENOENT -> kind NotFound, EACCES ->
// Permission, with the message naming the program ("exec \"foo\": No such file or directory").
// InvalidArgument for an empty argv or a bad keep_fds entry.
[[nodiscard]] Result<ChildProcess> spawn(const SpawnOptions& options);

struct CaptureResult {
  ExitStatus status{};
  std::string stdout_data{};
  std::string stderr_data{};
};

// Runs a short helper (`slirp4netns --version`) to completion, collecting stdout and stderr.
// stdin is /dev/null. If it has not exited after `timeout`, it is killed (SIGKILL), reaped, and
// an error with kind System and sys_errno() == ETIMEDOUT is returned. A non-zero exit is not an
// error: inspect `status`. Output left in the pipes by a grandchild after the child exits is
// not waited for.
[[nodiscard]] Result<CaptureResult> run_capture(const std::vector<std::string>& argv,
                                                std::chrono::milliseconds timeout);
// The same with full spawn options; stdout_to and stderr_to are replaced by the capture pipes.
[[nodiscard]] Result<CaptureResult> run_capture(SpawnOptions options,
                                                std::chrono::milliseconds timeout);

// Facts of a live process from /proc/PID/stat. The start time tells a process apart from a later
// one that reuses its pid. NotFound when no such process exists (or it is a reaped zombie).
struct ProcessStat {
  pid_t pid = 0;
  char state = '?';          // R, S, D, Z, T, ...
  pid_t ppid = 0;
  uint64_t start_time = 0;   // clock ticks after boot (field 22)
};
[[nodiscard]] Result<ProcessStat> process_stat(pid_t pid);

}  // namespace nook::sys
