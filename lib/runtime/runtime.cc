// create/start/state/kill/remove/exec: the parent side of the runtime. The child side is init.cc.
#include "lib/runtime/runtime.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <optional>

#include "lib/runtime/capabilities.h"
#include "lib/runtime/cgroups.h"
#include "lib/runtime/init.h"
#include "lib/runtime/namespaces.h"
#include "lib/runtime/plan.h"
#include "lib/runtime/seccomp.h"
#include "lib/runtime/state.h"
#include "lib/runtime/sync.h"
#include "lib/sys/file.h"
#include "lib/sys/syscall.h"
#include "lib/util/log.h"
#include "lib/util/scope_exit.h"

namespace nook::runtime {
namespace {

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

Result<sys::UniqueFd> above(sys::UniqueFd fd, int floor) {
  if (fd.get() >= floor) return fd;
  return sys::dup_fd(fd.get(), floor);
}

// Bind sources must exist; a non-directory one gets a file as its mount point.
Result<void> check_bind_sources(Plan& plan) {
  for (MountStep& m : plan.mounts) {
    if (!m.bind) continue;
    auto st = sys::stat_path(m.source);
    if (!st) return fail(st.error().context(fmt::format("mount source for {:?}", m.destination)));
    m.file = !S_ISDIR(st->st_mode);
  }
  return {};
}

// Waits up to `timeout` for a process (not necessarily our child) to exit, through its pidfd.
bool wait_gone(int pidfd, std::chrono::milliseconds timeout) {
  struct pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

struct Running {
  ContainerState state;
  std::string status;
};

Result<Running> load(std::string_view state_root, std::string_view id) {
  Running r;
  r.state = NOOK_TRY(read_state(state_root, id));
  r.status = container_status(state_root, r.state);
  return r;
}

// A pidfd for the container's init, checked against the recorded start time after opening (so
// a reused pid is never signalled).
Result<sys::UniqueFd> open_init(const ContainerState& state) {
  auto pidfd = sys::pidfd_open(state.pid);
  std::optional<uint64_t> start = process_start_time(state.pid);
  if (!pidfd || !start || *start != state.start_time) {
    return fail(ErrorKind::InvalidState, fmt::format("container {:?} is not running", state.id));
  }
  return std::move(*pidfd);
}

}  // namespace

Result<sys::ChildProcess> create(const CreateOptions& options) {
  NOOK_TRY_VOID(validate_id(options.id));
  oci::Spec spec = NOOK_TRY(oci::load_spec(options.bundle));
  Plan plan = NOOK_TRY(make_plan(spec, options.bundle));
  if (plan.terminal && options.console_socket < 0) {
    return fail(ErrorKind::InvalidArgument, "process.terminal is set but no console socket was given");
  }
  if (options.console_size) plan.console_size = options.console_size;
  auto rootfs = sys::stat_path(plan.rootfs);
  if (!rootfs || !S_ISDIR(rootfs->st_mode)) {
    return fail(ErrorKind::NotFound, fmt::format("rootfs {:?} is not a directory", plan.rootfs));
  }
  NOOK_TRY_VOID(check_bind_sources(plan));
  SeccompProgram seccomp;
  if (spec.linux_.seccomp) seccomp = NOOK_TRY(compile_seccomp_cached(*spec.linux_.seccomp, seccomp_cache_dir(options.state_root)));

  // The state directory: its creation is the id's reservation.
  NOOK_TRY_VOID(sys::make_dirs(options.state_root, 0700));
  std::string dir = state_dir(options.state_root, options.id);
  if (::mkdir(dir.c_str(), 0700) < 0) {
    if (errno == EEXIST) return fail(ErrorKind::Exists, fmt::format("container {:?} already exists", options.id));
    return fail(Error::from_errno("mkdir", fmt::format("{:?}", dir)));
  }
  sys::TempPath dir_guard(dir);
  // linux.cgroupsPath and linux.resources (lib/runtime/cgroups.h); removed if the create fails.
  std::optional<ContainerCgroup> cgroup = NOOK_TRY(create_container_cgroup(spec));
  ScopeExit cgroup_guard([&] { if (cgroup) (void)cgroup->manager.destroy(); });
  if (cgroup) NOOK_TRY_VOID(record_container_cgroup(dir, spec.linux_.cgroups_path));

  int floor = 3 + static_cast<int>(options.preserve_fds.size());
  sys::UniqueFd fifo;
  if (options.wait_for_start) {
    std::string path = fifo_path(options.state_root, options.id);
    // 0622: the init may have switched to another user when it opens it.
    if (::mkfifo(path.c_str(), 0622) < 0 || ::chmod(path.c_str(), 0622) < 0) {
      return fail(Error::from_errno("mkfifo", fmt::format("{:?}", path)));
    }
    fifo = NOOK_TRY(above(NOOK_TRY(sys::open_file(path, O_PATH)), floor));
  }
  sys::SocketPair sync = NOOK_TRY(sys::SocketPair::create(SOCK_SEQPACKET));
  sync.second = NOOK_TRY(above(std::move(sync.second), floor));
  sys::UniqueFd devnull = NOOK_TRY(above(NOOK_TRY(sys::open_file("/dev/null", O_RDWR)), floor));
  sys::UniqueFd console;
  if (plan.terminal) console = NOOK_TRY(sys::dup_fd(options.console_socket, floor));
  std::vector<sys::UniqueFd> joins;
  std::vector<int> join_fds;
  for (const auto& [flag, path] : plan.joins) {
    auto fd = sys::open_file(path, O_RDONLY);
    if (!fd) return fail(fd.error().context(fmt::format("joining the {} namespace", namespace_proc_name(flag))));
    joins.push_back(NOOK_TRY(above(std::move(*fd), floor)));
    join_fds.push_back(joins.back().get());
  }
  sys::UniqueFd pid_ns_target;
  sys::UniqueFd pid_ns_own;
  if (!plan.join_pid.empty()) {
    pid_ns_target = NOOK_TRY(sys::open_file(plan.join_pid, O_RDONLY));
    pid_ns_own = NOOK_TRY(sys::open_file("/proc/self/ns/pid", O_RDONLY));
  }

  InitContext context;
  context.plan = &plan;
  context.seccomp = &seccomp;
  context.sync_fd = sync.second.get();
  context.fifo_fd = fifo.get();
  context.console_fd = console.get();
  auto or_null = [&](int fd) { return fd >= 0 ? fd : devnull.get(); };
  context.target_fds = {or_null(options.stdio.in), or_null(options.stdio.out), or_null(options.stdio.err)};
  for (int fd : options.preserve_fds) context.target_fds.push_back(fd);
  context.fd_floor = floor;
  context.join_fds = join_fds;
  context.last_cap = kernel_last_capability();
  context.wait_for_start = options.wait_for_start;
  context.report_namespaces = static_cast<bool>(options.on_namespaces);
  context.wait_for_go = !options.wait_for_start && static_cast<bool>(options.on_ready);
  context.parent_death_kill = true;
  context.argv = c_strings(plan.args);
  context.envp = c_strings(plan.env);

  NOOK_DEBUG(Runtime, "container {:?}: clone flags {:#x}, unshare flags {:#x}, {} mounts", options.id,
             plan.clone_flags, plan.unshare_flags, plan.mounts.size());
  if (cgroup) NOOK_TRY_VOID(enter_container_cgroup(*cgroup));  // the init is born in its cgroup
  if (pid_ns_target && ::setns(pid_ns_target.get(), CLONE_NEWPID) < 0) {
    int err = errno;
    if (cgroup) leave_container_cgroup(*cgroup);
    return fail(Error::from_errno_value(err, "setns", fmt::format("{:?}", plan.join_pid)));
  }
  pid_t pid = sys::raw::clone_fork(plan.clone_flags);
  if (pid == 0) {
    ::close(sync.first.get());
    run_init(context);
  }
  int clone_errno = pid < 0 ? -pid : 0;
  if (cgroup) leave_container_cgroup(*cgroup);
  if (pid_ns_own) ::setns(pid_ns_own.get(), CLONE_NEWPID);
  if (pid < 0) return fail(Error::from_errno_value(clone_errno, "clone", "the container init"));
  sync.second.reset();

  auto pidfd = sys::pidfd_open(pid);
  sys::ChildProcess child(pid, pidfd ? std::move(*pidfd) : sys::UniqueFd());
  ContainerState state;
  state.id = options.id;
  state.pid = pid;
  state.bundle = options.bundle;
  state.rootfs = plan.rootfs;
  state.created = now_rfc3339();
  state.annotations = spec.annotations;

  bool ready = false;
  for (;;) {
    SyncRecord record{};
    int rc = recv_record(sync.first.get(), record);
    if (rc < 0) return fail(Error::from_errno_value(-rc, "reading the sync socket"));
    if (rc == 0) break;
    NOOK_TRACE(Runtime, "container {:?}: sync step {}", options.id, sync_step_name(record.step));
    if (record.step == SyncStep::Error) return fail(to_error(record));
    if (record.step == SyncStep::NeedIdMaps) {
      NOOK_TRY_VOID(write_id_maps(pid, plan));
      SyncRecord reply{};
      reply.step = SyncStep::IdMapsWritten;
      int sent = send_record(sync.first.get(), reply);
      if (sent < 0) return fail(Error::from_errno_value(-sent, "writing the sync socket"));
    } else if (record.step == SyncStep::NamespacesReady) {
      if (options.on_namespaces) NOOK_TRY_VOID(options.on_namespaces(pid));
    } else if (record.step == SyncStep::Ready) {
      ready = true;
      std::optional<uint64_t> start = process_start_time(pid);
      state.start_time = start.value_or(0);
      NOOK_TRY_VOID(write_state(options.state_root, state));
      if (!options.pid_file.empty()) {
        NOOK_TRY_VOID(sys::write_file_atomic(options.pid_file, fmt::format("{}", pid), 0644,
                                                  sys::Durability::AtomicOnly));
      }
      if (options.wait_for_start) break;
      if (context.wait_for_go) {
        NOOK_TRY_VOID(options.on_ready());
        SyncRecord go{};
        go.step = SyncStep::Go;
        int sent = send_record(sync.first.get(), go);
        if (sent < 0) return fail(Error::from_errno_value(-sent, "writing the sync socket"));
      }
    }
  }
  if (!ready) {
    auto status = child.wait();
    std::string how = status ? fmt::format("exit status {}", status->shell_code()) : status.error().message();
    return fail(ErrorKind::System, fmt::format("the container init exited during setup ({})", how));
  }
  dir_guard.commit();
  cgroup_guard.dismiss();
  NOOK_DEBUG(Runtime, "container {:?}: init pid {}", options.id, pid);
  return child;
}

Result<void> start(std::string_view state_root, std::string_view id) {
  Running r = NOOK_TRY(load(state_root, id));
  if (r.status != "created") {
    return fail(ErrorKind::InvalidState, fmt::format("container {:?} is not in created state: it is {}", id, r.status));
  }
  std::string path = fifo_path(state_root, id);
  sys::UniqueFd fifo = NOOK_TRY(sys::open_file(path, O_RDONLY | O_NONBLOCK));
  sys::UniqueFd pidfd = NOOK_TRY(open_init(r.state));
  for (;;) {
    struct pollfd fds[2] = {{fifo.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
    int rc = ::poll(fds, 2, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return fail(Error::from_errno("poll", "the exec fifo"));
    if ((fds[0].revents & POLLIN) != 0) break;
    if ((fds[1].revents & POLLIN) != 0) {
      return fail(ErrorKind::InvalidState, fmt::format("container {:?} exited before it was started", id));
    }
  }
  char byte = 0;
  if (::read(fifo.get(), &byte, 1) != 1) return fail(Error::from_errno("read", "the exec fifo"));
  ::unlink(path.c_str());
  return {};
}

Result<nlohmann::json> state(std::string_view state_root, std::string_view id) {
  Running r = NOOK_TRY(load(state_root, id));
  return state_json(r.state, r.status);
}

Result<void> kill(std::string_view state_root, std::string_view id, int signal) {
  Running r = NOOK_TRY(load(state_root, id));
  if (r.status == "stopped") return fail(ErrorKind::InvalidState, fmt::format("container {:?} is not running", id));
  sys::UniqueFd pidfd = NOOK_TRY(open_init(r.state));
  auto sent = sys::pidfd_send_signal(pidfd.get(), signal);
  if (!sent && sent.error().kind() == ErrorKind::Unsupported) {
    if (::kill(r.state.pid, signal) < 0) return fail(Error::from_errno("kill", std::to_string(r.state.pid)));
    return {};
  }
  return sent;
}

Result<void> remove(std::string_view state_root, std::string_view id, bool force) {
  Running r = NOOK_TRY(load(state_root, id));
  if (r.status == "running" && !force) {
    return fail(ErrorKind::InvalidState, fmt::format("container {:?} is running: stop it first or force the removal", id));
  }
  if (r.status != "stopped") {
    auto pidfd = open_init(r.state);
    if (pidfd) {
      NOOK_TRY_VOID(sys::pidfd_send_signal(pidfd->get(), SIGKILL));
      if (!wait_gone(pidfd->get(), std::chrono::seconds(10))) {
        return fail(ErrorKind::System, fmt::format("container {:?} did not exit after SIGKILL", id));
      }
    }
  }
  Result<void> cgroup_removed = remove_recorded_cgroup(state_root, id);
  NOOK_TRY_VOID(sys::remove_all(state_dir(state_root, id)));
  return cgroup_removed;
}

std::string seccomp_cache_dir(std::string_view state_root) { return fmt::format("{}.seccomp", state_root); }

Result<sys::ChildProcess> exec(const ExecOptions& options) {
  Plan plan = NOOK_TRY(make_process_plan(options.process));
  if (plan.terminal && options.console_socket < 0) {
    return fail(ErrorKind::InvalidArgument, "process.terminal is set but no console socket was given");
  }
  if (options.container_pid <= 0) return fail(ErrorKind::InvalidArgument, "exec: no container process given");
  SeccompProgram seccomp;
  if (options.seccomp) seccomp = NOOK_TRY(compile_seccomp_cached(*options.seccomp, options.seccomp_cache));

  // Every namespace of the container that differs from ours; the user namespace first.
  int floor = 3;
  std::vector<sys::UniqueFd> joins;
  std::vector<int> join_fds;
  for (int flag : {CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWCGROUP, CLONE_NEWPID, CLONE_NEWNS}) {
    std::string_view name = namespace_proc_name(flag);
    std::string theirs = fmt::format("/proc/{}/ns/{}", options.container_pid, name);
    auto target = sys::stat_path(theirs);
    if (!target) {
      if (target.error().sys_errno() == ENOENT && flag == CLONE_NEWCGROUP) continue;
      return fail(target.error().context(fmt::format("container process {}", options.container_pid)));
    }
    auto own = sys::stat_path(fmt::format("/proc/self/ns/{}", name));
    if (own && own->st_ino == target->st_ino && own->st_dev == target->st_dev) continue;
    joins.push_back(NOOK_TRY(above(NOOK_TRY(sys::open_file(theirs, O_RDONLY)), floor)));
    join_fds.push_back(joins.back().get());
    plan.joins.emplace_back(flag, theirs);
  }
  sys::SocketPair sync = NOOK_TRY(sys::SocketPair::create(SOCK_SEQPACKET));
  sync.second = NOOK_TRY(above(std::move(sync.second), floor));
  sys::UniqueFd devnull = NOOK_TRY(above(NOOK_TRY(sys::open_file("/dev/null", O_RDWR)), floor));
  sys::UniqueFd console;
  if (plan.terminal) console = NOOK_TRY(sys::dup_fd(options.console_socket, floor));

  InitContext context;
  context.console_fd = console.get();
  context.exec_dies_with_parent = !options.detach;
  context.plan = &plan;
  context.seccomp = &seccomp;
  context.sync_fd = sync.second.get();
  auto or_null = [&](int fd) { return fd >= 0 ? fd : devnull.get(); };
  context.target_fds = {or_null(options.stdio.in), or_null(options.stdio.out), or_null(options.stdio.err)};
  context.fd_floor = floor;
  context.join_fds = join_fds;
  context.last_cap = kernel_last_capability();
  context.argv = c_strings(plan.args);
  context.envp = c_strings(plan.env);

  std::optional<ContainerCgroup> cgroup = NOOK_TRY(existing_container_cgroup(options.cgroups_path));
  if (cgroup) NOOK_TRY_VOID(enter_container_cgroup(*cgroup));  // the joiner and its child are born there
  pid_t joiner_pid = sys::raw::clone_fork(0);
  if (joiner_pid == 0) {
    ::close(sync.first.get());
    run_exec_joiner(context);
  }
  if (cgroup) leave_container_cgroup(*cgroup);
  if (joiner_pid < 0) return fail(Error::from_errno_value(-joiner_pid, "clone", "the exec process"));
  sys::ChildProcess joiner(joiner_pid, sys::UniqueFd());
  sync.second.reset();

  // Read to EOF even after an error: the process may report its failure before the joiner has
  // reported its pid, and it must be reaped (a zombie in the container's pid namespace would keep
  // the container's init from ever being reaped).
  sys::ChildProcess child;
  std::optional<Error> failure;
  for (;;) {
    SyncRecord record{};
    int rc = recv_record(sync.first.get(), record);
    if (rc < 0) return fail(Error::from_errno_value(-rc, "reading the sync socket"));
    if (rc == 0) break;
    if (record.step == SyncStep::ExecPid) {
      auto pidfd = sys::pidfd_open(record.pid);
      child = sys::ChildProcess(record.pid, pidfd ? std::move(*pidfd) : sys::UniqueFd());
      NOOK_TRY_VOID(joiner.wait());
    } else if (record.step == SyncStep::Error && !failure) {
      failure = to_error(record);
    }
  }
  if (failure) return fail(std::move(*failure));
  if (!child) {
    auto status = joiner.wait();
    std::string how = status ? fmt::format("exit status {}", status->shell_code()) : status.error().message();
    return fail(ErrorKind::System, fmt::format("joining the container's namespaces failed ({})", how));
  }
  return child;
}

}  // namespace nook::runtime
