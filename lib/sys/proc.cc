#include "lib/sys/proc.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include "lib/sys/file.h"
#include "lib/sys/syscall.h"

extern char** environ;

namespace nook::sys {

ExitStatus ExitStatus::from_wait_status(int status) {
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

// --- ChildProcess ------------------------------------------------------------------------------

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
  }
  return *this;
}

ChildProcess::~ChildProcess() { kill_and_reap(); }

void ChildProcess::kill_and_reap() noexcept {
  if (pid_ <= 0) return;
  int saved = errno;
  ::kill(pid_, SIGKILL);  // our unreaped child: the pid cannot have been reused
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  pidfd_.reset();
  errno = saved;
}

ExitStatus ChildProcess::reaped(int status) {
  pid_ = -1;
  pidfd_.reset();
  return ExitStatus::from_wait_status(status);
}

pid_t ChildProcess::release() {
  pidfd_.reset();
  return std::exchange(pid_, -1);
}

Result<void> ChildProcess::signal(int sig) {
  if (pid_ <= 0) return fail(ErrorKind::InvalidState, "signal: no child process");
  if (pidfd_) {
    auto sent = pidfd_send_signal(pidfd_.get(), sig);
    if (sent || sent.error().kind() != ErrorKind::Unsupported) return sent;
  }
  if (::kill(pid_, sig) < 0) return fail(Error::from_errno("kill", std::to_string(pid_)));
  return {};
}

Result<ExitStatus> ChildProcess::wait() {
  if (pid_ <= 0) return fail(ErrorKind::InvalidState, "wait: no child process");
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) return fail(Error::from_errno("waitpid", std::to_string(pid_)));
  }
  return reaped(status);
}

Result<std::optional<ExitStatus>> ChildProcess::try_wait() {
  if (pid_ <= 0) return fail(ErrorKind::InvalidState, "wait: no child process");
  int status = 0;
  for (;;) {
    pid_t rc = ::waitpid(pid_, &status, WNOHANG);
    if (rc == 0) return std::nullopt;
    if (rc > 0) return reaped(status);
    if (errno != EINTR) return fail(Error::from_errno("waitpid", std::to_string(pid_)));
  }
}

Result<std::optional<ExitStatus>> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + timeout;
  auto delay = std::chrono::milliseconds(1);
  for (;;) {
    auto status = NOOK_TRY(try_wait());
    if (status) return status;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (pidfd_) {
      // Readable once the child has exited.
      pollfd pfd{pidfd_.get(), POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX))) < 0 &&
          errno != EINTR) {
        return fail(Error::from_errno("poll", "pidfd"));
      }
    } else {
      // No pidfd (kernel < 5.3): poll waitpid with a growing sleep, capped at 20 ms.
      auto nap = std::min(delay, left);
      timespec ts{0, static_cast<long>(nap.count()) * 1000000L};
      ::nanosleep(&ts, nullptr);
      delay = std::min(delay * 2, std::chrono::milliseconds(20));
    }
  }
}

// --- spawn ---------------------------------------------------------------------------------

namespace {

// The child's report when it fails before or at execve: which step, and errno.
enum class ChildStep : int { SignalReset, ParentDeath, Session, Fds, Chdir, Exec };

struct ChildFailure {
  ChildStep step;
  int err;
};

const char* step_call(ChildStep step) {
  switch (step) {
    case ChildStep::SignalReset: return "sigprocmask";
    case ChildStep::ParentDeath: return "prctl PR_SET_PDEATHSIG";
    case ChildStep::Session: return "setsid";
    case ChildStep::Fds: return "dup2";
    case ChildStep::Chdir: return "chdir";
    case ChildStep::Exec: return "exec";
  }
  return "spawn";
}

// Everything the child needs, allocated before fork().
struct ChildPlan {
  std::vector<char*> argv;
  char* const* envp = nullptr;
  std::vector<char*> env_storage;
  std::vector<std::string> candidates;  // full paths to try, in order
  std::vector<const char*> candidate_ptrs;
  bool path_search = false;  // candidates come from PATH
  const char* cwd = nullptr;
  std::vector<int> sources;  // fd in the parent ...
  std::vector<int> targets;  // ... becomes this fd in the child
  std::vector<int> scratch;  // room for the high copies of sources
  int min_high = 3;          // first fd above every target
  bool new_session = false;
  int death_signal = 0;
  pid_t parent_pid = 0;
};

std::string_view env_path(const SpawnOptions& options) {
  if (options.env) {
    for (const std::string& entry : *options.env) {
      if (entry.starts_with("PATH=")) return std::string_view(entry).substr(5);
    }
  } else if (const char* path = ::getenv("PATH"); path != nullptr) {
    return path;
  }
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

std::vector<std::string> exec_candidates(std::string_view program, std::string_view path_var) {
  if (program.find('/') != std::string_view::npos) return {std::string(program)};
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t colon = path_var.find(':', pos);
    std::string_view dir =
        path_var.substr(pos, colon == std::string_view::npos ? colon : colon - pos);
    if (dir.empty()) dir = ".";  // an empty PATH entry means the current directory (POSIX)
    out.push_back(fmt::format("{}/{}", dir, program));
    if (colon == std::string_view::npos) break;
    pos = colon + 1;
  }
  return out;
}

// Async-signal-safe from here to the end of run_child().

void report_failure(int fd, ChildStep step, int err) {
  ChildFailure failure{step, err};
  while (::write(fd, &failure, sizeof failure) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void child_fail(int fd, ChildStep step) {
  report_failure(fd, step, errno);
  ::_exit(127);
}

[[noreturn]] void run_child(ChildPlan& plan, int report_fd) {
  // Default dispositions: SIG_IGN (SIGPIPE, commonly) would otherwise survive execve. Errors are
  // expected for SIGKILL/SIGSTOP and glibc's internal real-time signals.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);

  if (plan.death_signal != 0) {
    if (::prctl(PR_SET_PDEATHSIG, plan.death_signal, 0, 0, 0) < 0) {
      child_fail(report_fd, ChildStep::ParentDeath);
    }
    if (::getppid() != plan.parent_pid) ::_exit(127);  // the parent died before prctl
  }
  if (plan.new_session && ::setsid() < 0) child_fail(report_fd, ChildStep::Session);

  // Move the report pipe above every target so the dup2s below cannot clobber it.
  if (report_fd < plan.min_high) {
    int high = ::fcntl(report_fd, F_DUPFD_CLOEXEC, plan.min_high);
    if (high < 0) child_fail(report_fd, ChildStep::Fds);
    report_fd = high;
  }
  // Two passes, so that a source equal to another mapping's target is copied before that target
  // is overwritten, and so that dup2 always clears FD_CLOEXEC (dup2(fd, fd) would not).
  size_t n = plan.sources.size();
  for (size_t i = 0; i < n; ++i) {
    plan.scratch[i] = ::fcntl(plan.sources[i], F_DUPFD_CLOEXEC, plan.min_high);
    if (plan.scratch[i] < 0) child_fail(report_fd, ChildStep::Fds);
  }
  for (size_t i = 0; i < n; ++i) {
    if (::dup2(plan.scratch[i], plan.targets[i]) < 0) child_fail(report_fd, ChildStep::Fds);
  }
  // Close what lies between 2 and the highest target and is not a target; mark everything above
  // close-on-exec (the scratch copies and the report pipe already are).
  for (int fd = 3; fd < plan.min_high; ++fd) {
    if (std::find(plan.targets.begin(), plan.targets.end(), fd) == plan.targets.end()) ::close(fd);
  }
  (void)raw::close_range(static_cast<unsigned>(plan.min_high), ~0U, CLOSE_RANGE_CLOEXEC);

  if (plan.cwd != nullptr && ::chdir(plan.cwd) < 0) child_fail(report_fd, ChildStep::Chdir);

  sigset_t none;
  sigemptyset(&none);
  if (::sigprocmask(SIG_SETMASK, &none, nullptr) < 0) {
    child_fail(report_fd, ChildStep::SignalReset);
  }

  // execvp's rules: ENOENT/ENOTDIR move on to the next candidate, EACCES is remembered but does
  // not stop the search, anything else stops it. Unlike glibc, EACCES counts only when the file
  // is there (not executable, noexec mount): a PATH directory we may not search (root's PATH kept
  // by su) must not turn "not found" into "permission denied". An explicit path keeps EACCES.
  int err = ENOENT;
  bool saw_eacces = false;
  for (const char* candidate : plan.candidate_ptrs) {
    ::execve(candidate, plan.argv.data(), plan.envp);
    err = errno;
    if (err == EACCES) {
      if (!plan.path_search || ::access(candidate, F_OK) == 0) {
        saw_eacces = true;
      } else {
        err = ENOENT;
      }
    } else if (err != ENOENT && err != ENOTDIR) {
      break;
    }
  }
  if (saw_eacces && (err == ENOENT || err == ENOTDIR)) err = EACCES;
  report_failure(report_fd, ChildStep::Exec, err);
  ::_exit(127);
}

// End of the async-signal-safe part.

}  // namespace

Result<ChildProcess> spawn(const SpawnOptions& options) {
  if (options.argv.empty()) return fail(ErrorKind::InvalidArgument, "spawn: empty argv");
  std::string_view program = options.executable.empty() ? options.argv[0] : options.executable;
  if (program.empty()) return fail(ErrorKind::InvalidArgument, "spawn: empty program name");

  ChildPlan plan;
  for (const std::string& arg : options.argv) plan.argv.push_back(const_cast<char*>(arg.c_str()));
  plan.argv.push_back(nullptr);
  if (options.env) {
    for (const std::string& entry : *options.env) {
      plan.env_storage.push_back(const_cast<char*>(entry.c_str()));
    }
    plan.env_storage.push_back(nullptr);
    plan.envp = plan.env_storage.data();
  } else {
    plan.envp = environ;
  }
  plan.path_search = program.find('/') == std::string_view::npos;
  plan.candidates = exec_candidates(program, env_path(options));
  for (const std::string& candidate : plan.candidates) {
    plan.candidate_ptrs.push_back(candidate.c_str());
  }
  if (!options.cwd.empty()) plan.cwd = options.cwd.c_str();
  plan.new_session = options.new_session;
  plan.death_signal = options.parent_death_signal;
  plan.parent_pid = ::getpid();

  // The descriptor plan. /dev/null is opened here, once, if any stream needs it.
  UniqueFd dev_null;
  const Redirect* streams[3] = {&options.stdin_from, &options.stdout_to, &options.stderr_to};
  for (int target = 0; target < 3; ++target) {
    const Redirect& r = *streams[target];
    if (r.kind == Redirect::Kind::Inherit) continue;
    int source = r.fd;
    if (r.kind == Redirect::Kind::Null) {
      if (!dev_null) dev_null = NOOK_TRY(open_file("/dev/null", O_RDWR | O_NOCTTY));
      source = dev_null.get();
    }
    if (source < 0) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("spawn: bad fd {} for fd {}", source, target));
    }
    plan.sources.push_back(source);
    plan.targets.push_back(target);
  }
  for (const FdMapping& m : options.keep_fds) {
    if (m.source < 0 || m.target < 3) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("spawn: cannot map fd {} to fd {}", m.source, m.target));
    }
    if (std::find(plan.targets.begin(), plan.targets.end(), m.target) != plan.targets.end()) {
      return fail(ErrorKind::InvalidArgument, fmt::format("spawn: fd {} mapped twice", m.target));
    }
    plan.sources.push_back(m.source);
    plan.targets.push_back(m.target);
  }
  plan.scratch.resize(plan.sources.size(), -1);
  for (int target : plan.targets) plan.min_high = std::max(plan.min_high, target + 1);

  Pipe report = NOOK_TRY(Pipe::create());

  // Block every signal across fork so no handler of ours runs in the child before run_child()
  // has reset the dispositions.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) {
    report.read.reset();
    run_child(plan, report.write.get());
  }
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    return fail(
        Error::from_errno_value(fork_errno, "fork").context(fmt::format("running {:?}", program)));
  }
  ChildProcess child(pid, UniqueFd());
  report.write.reset();

  // EOF: execve succeeded (the CLOEXEC write end closed). A record: the child failed and exits.
  ChildFailure failure{};
  size_t got = 0;
  while (got < sizeof failure) {
    ssize_t n =
        ::read(report.read.get(), reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == sizeof failure) {
    (void)child.wait();
    std::string what =
        fmt::format("{:?}", failure.step == ChildStep::Chdir ? options.cwd : program);
    Error error = Error::from_errno_value(failure.err, step_call(failure.step), what);
    if (failure.step != ChildStep::Exec)
      error = std::move(error).context(fmt::format("running {:?}", program));
    return fail(std::move(error));
  }

  // Best effort: without a pidfd, signal() falls back to kill(2).
  if (auto pidfd = pidfd_open(pid)) child = ChildProcess(child.release(), std::move(*pidfd));
  return child;
}

// --- run_capture ---------------------------------------------------------------------------

namespace {

// Reads what is available on non-blocking `fd` into `out`; true at EOF.
Result<bool> drain(int fd, std::string& out) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return true;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return false;
    return fail(Error::from_errno("read"));
  }
}

}  // namespace

Result<CaptureResult> run_capture(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) {
  SpawnOptions options;
  options.argv = argv;
  options.stdin_from = Redirect::null();
  return run_capture(std::move(options), timeout);
}

Result<CaptureResult> run_capture(SpawnOptions options, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + timeout;
  std::string program =
      options.executable.empty() && !options.argv.empty() ? options.argv[0] : options.executable;
  auto context = [&] { return fmt::format("running {:?}", program); };

  Pipe out = NOOK_TRY(Pipe::create(O_NONBLOCK));
  Pipe err = NOOK_TRY(Pipe::create(O_NONBLOCK));
  // The child's ends must block: helpers rarely cope with EAGAIN on stdout.
  NOOK_TRY_VOID(set_nonblocking(out.write.get(), false));
  NOOK_TRY_VOID(set_nonblocking(err.write.get(), false));
  options.stdout_to = Redirect::to_fd(out.write.get());
  options.stderr_to = Redirect::to_fd(err.write.get());
  ChildProcess child = NOOK_TRY(spawn(options));
  out.write.reset();
  err.write.reset();

  CaptureResult result;
  std::optional<ExitStatus> status;
  auto timed_out = [&]() -> Result<CaptureResult> {
    (void)child.signal(SIGKILL);
    (void)child.wait();
    return fail(ErrorKind::System,
                fmt::format("{}: did not finish within {} ms, killed", context(), timeout.count()),
                ETIMEDOUT);
  };

  while (out.read || err.read) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return timed_out();
    pollfd pfds[3];
    int n = 0;
    int out_i = -1, err_i = -1, pid_i = -1;
    if (out.read) {
      out_i = n;
      pfds[n++] = {out.read.get(), POLLIN, 0};
    }
    if (err.read) {
      err_i = n;
      pfds[n++] = {err.read.get(), POLLIN, 0};
    }
    if (child.pidfd() >= 0) {
      pid_i = n;
      pfds[n++] = {child.pidfd(), POLLIN, 0};
    }
    // Without a pidfd we look at waitpid every 20 ms instead.
    int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), pid_i < 0 ? 20 : INT32_MAX));
    if (::poll(pfds, static_cast<nfds_t>(n), wait_ms) < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("poll").context(context()));
    }
    auto read_ready = [&](int index, Pipe& pipe, std::string& sink) -> Result<void> {
      if (index < 0 || pfds[index].revents == 0) return {};
      if (NOOK_TRY(drain(pipe.read.get(), sink))) pipe.read.reset();
      return {};
    };
    if (auto r = read_ready(out_i, out, result.stdout_data); !r)
      return fail(r.error().context(context()));
    if (auto r = read_ready(err_i, err, result.stderr_data); !r)
      return fail(r.error().context(context()));
    if (pid_i < 0 || pfds[pid_i].revents != 0) {
      status = NOOK_TRY(child.try_wait());
      if (status) {
        // The child is gone; take what it left in the pipes and stop, even if a grandchild still
        // holds a write end open.
        for (auto* p : {&out, &err}) {
          if (!p->read) continue;
          std::string& sink = p == &out ? result.stdout_data : result.stderr_data;
          if (auto r = drain(p->read.get(), sink); !r) return fail(r.error().context(context()));
        }
        break;
      }
    }
  }
  if (!status) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() > 0) status = NOOK_TRY(child.wait_for(left));
    if (!status) return timed_out();
  }
  result.status = *status;
  return result;
}

Result<ProcessStat> process_stat(pid_t pid) {
  std::string path = fmt::format("/proc/{}/stat", pid);
  auto text = read_file(path);
  if (!text) {
    if (text.error().sys_errno() == ENOENT || text.error().sys_errno() == ESRCH) {
      return fail(ErrorKind::NotFound, fmt::format("no process {}", pid), ESRCH);
    }
    return fail(text.error());
  }
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so parse after the last ')'.
  size_t close = text->rfind(')');
  if (close == std::string::npos) return fail(ErrorKind::Corrupt, fmt::format("{:?}: malformed", path));
  std::vector<std::string_view> fields;
  std::string_view rest = std::string_view(*text).substr(close + 1);
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t start = rest.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) break;
    size_t end = rest.find(' ', start);
    if (end == std::string_view::npos) end = rest.size();
    fields.push_back(rest.substr(start, end - start));
    pos = end;
  }
  // fields[0] is field 3 (state); field N is fields[N - 3].
  if (fields.size() < 20) return fail(ErrorKind::Corrupt, fmt::format("{:?}: too few fields", path));
  ProcessStat stat;
  stat.pid = pid;
  stat.state = fields[0].empty() ? '?' : fields[0][0];
  stat.ppid = static_cast<pid_t>(std::strtol(std::string(fields[1]).c_str(), nullptr, 10));
  stat.start_time = std::strtoull(std::string(fields[19]).c_str(), nullptr, 10);
  if (stat.state == 'Z' || stat.state == 'X') return fail(ErrorKind::NotFound, fmt::format("process {} has exited", pid), ESRCH);
  return stat;
}

}  // namespace nook::sys
