#include "lib/runtime/init.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "lib/runtime/capabilities.h"
#include "lib/runtime/devices.h"
#include "lib/runtime/mounts.h"
#include "lib/runtime/namespaces.h"
#include "lib/runtime/process_attrs.h"
#include "lib/runtime/rootfs.h"
#include "lib/runtime/sync.h"
#include "lib/runtime/terminal.h"
#include "lib/sys/syscall.h"

namespace nook::runtime {
namespace {

void reset_signals() {
  struct sigaction action{};
  action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ::sigaction(sig, &action, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Reports `error` to the parent; once the parent is gone (after start), to the container's stderr.
[[noreturn]] void die(const InitContext& context, const SyncRecord& error, int code) {
  if (send_record(context.sync_fd, error) < 0) {
    const char* prefix = "nook: ";
    [[maybe_unused]] ssize_t ignored = ::write(2, prefix, std::strlen(prefix));
    ignored = ::write(2, error.message, std::strlen(error.message));
    ignored = ::write(2, "\n", 1);
  }
  ::_exit(code);
}

// Moves the borrowed target fds to 0, 1, 2, 3, ...: first dup each above fd_floor, so that no
// dup2 overwrites a source still to be moved.
bool place_fds(const InitContext& context, SyncRecord& error) {
  int temps[256];
  size_t count = context.target_fds.size();
  if (count > 256) {
    set_error(error, ErrorKind::InvalidArgument, 0, "too many fds to preserve");
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    temps[i] = ::fcntl(context.target_fds[i], F_DUPFD_CLOEXEC, context.fd_floor);
    if (temps[i] < 0) {
      set_error(error, ErrorKind::System, errno, "duplicating fd %d", context.target_fds[i]);
      return false;
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (::dup2(temps[i], static_cast<int>(i)) < 0) {
      set_error(error, ErrorKind::System, errno, "dup2 to fd %zu", i);
      return false;
    }
    ::close(temps[i]);
  }
  return true;
}

bool become_root_in_new_userns(const InitContext& context, SyncRecord& error) {
  SyncRecord request{};
  request.step = SyncStep::NeedIdMaps;
  if (send_record(context.sync_fd, request) < 0) {
    set_error(error, ErrorKind::System, EPIPE, "asking for id mappings");
    return false;
  }
  SyncRecord reply{};
  int rc = recv_record(context.sync_fd, reply);
  if (rc <= 0 || reply.step != SyncStep::IdMapsWritten) {
    set_error(error, ErrorKind::System, rc < 0 ? -rc : EPIPE, "waiting for id mappings");
    return false;
  }
  if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0) {
    set_error(error, ErrorKind::System, errno, "becoming root in the new user namespace");
    return false;
  }
  return true;
}

// Blocks until start() opens the exec fifo for reading, then tells it we go on.
bool wait_for_start(const InitContext& context, int proc_fd_dir, SyncRecord& error) {
  char name[16];
  std::snprintf(name, sizeof name, "%d", context.fifo_fd);
  int fd = ::openat(proc_fd_dir, name, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    set_error(error, ErrorKind::System, errno, "opening the exec fifo");
    return false;
  }
  ssize_t n = ::write(fd, "0", 1);
  int err = errno;
  ::close(fd);
  if (n != 1) {
    set_error(error, ErrorKind::System, err, "writing the exec fifo");
    return false;
  }
  return true;
}

// The process part shared by run_init() (after the rootfs is set up) and exec(): rlimits, user,
// capabilities, no_new_privs, cwd, umask, fds, seccomp, execve. Never returns.
[[noreturn]] void finish_process(const InitContext& context, int proc_fd_dir, SyncRecord& error);

}  // namespace

int exec_program(const InitContext& context, SyncRecord& error) noexcept {
  const Plan& plan = *context.plan;
  int last_err = ENOENT;
  bool denied = false;
  for (const std::string& candidate : plan.exec_candidates) {
    ::execve(candidate.c_str(), context.argv.data(), context.envp.data());
    int err = errno;
    if (err == EACCES) {
      denied = true;
    } else if (err != ENOENT && err != ENOTDIR) {
      last_err = err;
      break;
    }
  }
  if (denied && (last_err == ENOENT || last_err == ENOTDIR)) last_err = EACCES;
  const char* program = plan.args[0].c_str();
  switch (last_err) {
    case ENOENT:
    case ENOTDIR:
      set_error(error, ErrorKind::CommandNotFound, ENOENT, plan.searched_path ? "executable file `%s` not found in $PATH"
                                                                               : "executable file `%s` not found",
                program);
      return 127;
    case EACCES:
    case ENOEXEC:
    case EISDIR:
    case EPERM:
      set_error(error, ErrorKind::NotExecutable, last_err, "cannot execute `%s`", program);
      return 126;
    default:
      set_error(error, ErrorKind::System, last_err, "executing `%s`", program);
      return 125;
  }
}

void run_init(const InitContext& context) noexcept {
  const Plan& plan = *context.plan;
  SyncRecord error{};
  reset_signals();
  if (context.parent_death_kill) ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (!place_fds(context, error)) die(context, error, 125);
  if ((plan.clone_flags & CLONE_NEWUSER) != 0 && !become_root_in_new_userns(context, error)) die(context, error, 125);
  if (!enter_namespaces(plan, context.join_fds, error)) die(context, error, 125);
  if (context.report_namespaces) {
    SyncRecord ready{};
    ready.step = SyncStep::NamespacesReady;
    if (send_record(context.sync_fd, ready) < 0) ::_exit(125);
  }

  int rootfd = prepare_rootfs(plan, error);
  if (rootfd < 0) die(context, error, 125);
  if (!mount_all(plan, rootfd, error)) die(context, error, 125);
  if (!create_devices(plan, rootfd, error)) die(context, error, 125);
  if (!apply_host_attrs(plan, rootfd, error)) die(context, error, 125);
  if (!mask_and_protect_paths(plan, rootfd, error)) die(context, error, 125);
  ::close(rootfd);
  // /proc/self/fd of the host's /proc, to reopen the exec fifo once the old root is gone.
  int proc_fd_dir = -1;
  if (context.wait_for_start) {
    proc_fd_dir = ::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (proc_fd_dir < 0) {
      set_error(error, ErrorKind::System, errno, "opening /proc/self/fd");
      die(context, error, 125);
    }
  }
  if (!pivot_to_rootfs(plan, error)) die(context, error, 125);
  finish_process(context, proc_fd_dir, error);
}

namespace {

void finish_process(const InitContext& context, int proc_fd_dir, SyncRecord& error) {
  const Plan& plan = *context.plan;
  // The pty comes from the container's devpts: after pivot_root (create) or setns (exec).
  if (plan.terminal && !setup_terminal(context.console_fd, plan.uid, plan.console_size, error)) die(context, error, 125);
  if (!apply_rlimits(plan, error)) die(context, error, 125);

  // Without no_new_privs the filter needs CAP_SYS_ADMIN: load it while we still have it.
  if (!plan.no_new_privs && !load_seccomp(*context.seccomp, error)) die(context, error, 125);
  if (!apply_user_and_capabilities(plan, context.last_cap, error)) die(context, error, 125);
  if (plan.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    set_error(error, ErrorKind::System, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    die(context, error, 125);
  }
  if (::chdir(plan.cwd.c_str()) < 0) {
    set_error(error, ErrorKind::System, errno, "chdir to cwd `%s` set in config.json", plan.cwd.c_str());
    die(context, error, 125);
  }
  ::umask(plan.umask.value_or(022));

  SyncRecord ready{};
  ready.step = SyncStep::Ready;
  if (send_record(context.sync_fd, ready) < 0) ::_exit(125);
  if (context.wait_for_go) {
    SyncRecord go{};
    if (recv_record(context.sync_fd, go) <= 0 || go.step != SyncStep::Go) ::_exit(125);
  }
  if (context.wait_for_start) {
    ::prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (!wait_for_start(context, proc_fd_dir, error)) die(context, error, 125);
    ::close(proc_fd_dir);
  }

  // Nothing but 0..fd_floor-1 crosses execve; our own fds are CLOEXEC already, this catches fds
  // the caller leaked without the flag.
  if (sys::raw::close_range(static_cast<unsigned>(context.fd_floor), ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
    for (int fd = context.fd_floor; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (plan.no_new_privs && !load_seccomp(*context.seccomp, error)) die(context, error, 125);
  int code = exec_program(context, error);
  die(context, error, code);
}

}  // namespace

void run_exec_joiner(const InitContext& context) noexcept {
  const Plan& plan = *context.plan;
  SyncRecord error{};
  reset_signals();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (!enter_namespaces(plan, context.join_fds, error)) die(context, error, 125);
  pid_t pid = sys::raw::clone_fork(CLONE_PARENT);
  if (pid < 0) {
    set_error(error, ErrorKind::System, -pid, "creating the exec process");
    die(context, error, 125);
  }
  if (pid == 0) {
    if (context.exec_dies_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    } else if (!plan.terminal) {
      ::setsid();
    }
    if (!place_fds(context, error)) die(context, error, 125);
    finish_process(context, -1, error);
  }
  SyncRecord record{};
  record.step = SyncStep::ExecPid;
  record.pid = pid;
  ::_exit(send_record(context.sync_fd, record) < 0 ? 125 : 0);
}

}  // namespace nook::runtime
