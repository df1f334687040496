// Starting containers: the root file system mount, the bundle's user, the monitor, and the
// foreground wait of `run` / `start -a`; and the monitor's side of the exit (finish_container).
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

#include "lib/container/container.h"
#include "lib/engine/container_cgroups.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/container_network.h"
#include "lib/engine/container_run_flags.h"
#include "lib/engine/container_userns.h"
#include "lib/engine/container_terminal.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/engine/volume_internal.h"
#include "lib/monitor/monitor.h"
#include "lib/oci/spec.h"
#include "lib/oci/mount_spec.h"
#include "lib/sys/file.h"
#include "lib/sys/mount.h"
#include "lib/sys/proc.h"
#include "lib/util/log.h"
#include "lib/util/scope_exit.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

// The container a foreground command forwards signals to (--sig-proxy); 0 when none.
std::atomic<pid_t> g_proxy_pid{0};

void forward_signal(int sig) {
  pid_t pid = g_proxy_pid.load();
  if (pid > 0) ::kill(pid, sig);
}

// Forwards the usual terminating signals to `pid` while alive; restores the old handlers.
class SignalProxy {
 public:
  explicit SignalProxy(pid_t pid) {
    g_proxy_pid = pid;
    struct sigaction action {};
    action.sa_handler = forward_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &action, &old_[i]);
  }
  ~SignalProxy() {
    for (size_t i = 0; i < kSignals.size(); ++i) ::sigaction(kSignals[i], &old_[i], nullptr);
    g_proxy_pid = 0;
  }
  SignalProxy(const SignalProxy&) = delete;
  SignalProxy& operator=(const SignalProxy&) = delete;

 private:
  static constexpr std::array<int, 6> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  std::array<struct sigaction, 6> old_{};
};

// One line from the monitor's sync pipe; nullopt at EOF (the monitor is gone).
Result<std::optional<std::string>> read_line(int fd, std::string& buffer) {
  for (;;) {
    size_t newline = buffer.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      return line;
    }
    char chunk[512];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("read", "the monitor's sync pipe"));
    }
    if (n == 0) return std::nullopt;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

Result<int> wait_for_exit(int sync_fd, std::string& buffer, const container::ContainerStore& store,
                          const std::string& id, pid_t pid, bool sig_proxy) {
  std::optional<SignalProxy> proxy;
  if (sig_proxy) proxy.emplace(pid);
  for (;;) {
    std::optional<std::string> line = NOOK_TRY(read_line(sync_fd, buffer));
    if (!line) break;
    auto message = monitor::parse_sync_message(*line);
    if (message && message->type == monitor::SyncMessage::Type::Exit) return static_cast<int>(message->value);
    if (message && message->type == monitor::SyncMessage::Type::Detached) return 0;
  }
  // The monitor went away without a word (killed): whatever it recorded is the answer.
  auto exit = monitor::read_exit_file(store.paths(id).exit_file);
  if (exit) return exit->exit_code;
  return fail(ErrorKind::System, fmt::format("the monitor of container {} exited without reporting the container's exit",
                                             id.substr(0, 12)));
}

}  // namespace

Result<void> parse_restart_policy(const std::string& text, std::string* policy, int* max_retries) {
  std::string name = text.substr(0, text.find(':'));
  *max_retries = 0;
  if (name.empty() || name == "no") {
    *policy = "no";
    if (name.size() != text.size()) return fail(ErrorKind::InvalidArgument, "restart policy \"no\" takes no retry count");
    return {};
  }
  if (name != "always" && name != "unless-stopped" && name != "on-failure") {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid restart policy {:?}", text));
  }
  *policy = name;
  if (name.size() != text.size()) {
    if (name != "on-failure") {
      return fail(ErrorKind::InvalidArgument, "restart policy retries can only be specified with on-failure restart policy");
    }
    std::string count = text.substr(name.size() + 1);
    if (count.empty() || count.find_first_not_of("0123456789") != std::string::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("invalid restart policy retries {:?}", count));
    }
    *max_retries = std::stoi(count);
  }
  return {};
}

Result<int64_t> parse_size(const std::string& text) { return oci::parse_ram_bytes(text); }

Result<void> prepare_rootfs_dirs(const storage::Store& store, const container::Container& record,
                                 const container::ContainerPaths& paths) {
  if (record.driver != "vfs") {
    for (const std::string& dir : {paths.upper, paths.work, paths.merged}) NOOK_TRY_VOID(sys::make_dirs(dir, 0755));
    return {};
  }
  NOOK_TRY_VOID(sys::make_dirs(paths.rootfs, 0755));
  if (record.layers.empty()) return {};
  // vfs layers are full copies of their stack: the top one is the whole image.
  std::string source = store.layer_dir(record.layers.back()) + "/.";
  auto copied = sys::run_capture({"cp", "-a", "--reflink=auto", source, paths.rootfs}, std::chrono::minutes(30));
  if (!copied) return fail(copied.error().context("copying the image for a vfs container"));
  if (!copied->status.success()) {
    return fail(ErrorKind::System, fmt::format("copying the image for a vfs container: cp exited with {}: {}",
                                               copied->status.shell_code(), strings::trim(copied->stderr_data)));
  }
  return {};
}

Result<void> mount_rootfs(const Settings& settings, const storage::Store& store, const container::Container& record,
                          const container::ContainerPaths& paths) {
  if (record.driver == "vfs") return {};
  std::string lower = lower_dirs(store, record.layers);
  if (lower.empty()) {
    // An image without layers: an empty lower directory keeps overlay happy.
    lower = paths.dir + "/empty";
    NOOK_TRY_VOID(sys::make_dirs(lower, 0755));
  }
  std::string data = fmt::format("lowerdir={},upperdir={},workdir={}", lower, paths.upper, paths.work);
  // A user namespace of its own (--userns keep-id/auto): fuse-overlayfs shifts the layers' ids.
  if (!record.uid_map.empty()) {
    data += "," + fuse_mapping_options(NOOK_TRY(record_uid_map(record)), NOOK_TRY(record_gid_map(record)));
  }
  if (record.driver == "fuse-overlayfs" || !record.uid_map.empty()) {
    auto mounted = sys::run_capture({"fuse-overlayfs", "-o", data, paths.merged}, std::chrono::seconds(60));
    if (!mounted) return fail(mounted.error().context("mounting the container's root with fuse-overlayfs"));
    if (!mounted->status.success()) {
      return fail(ErrorKind::System, fmt::format("fuse-overlayfs exited with {}: {}", mounted->status.shell_code(),
                                                 strings::trim(mounted->stderr_data)));
    }
    return {};
  }
  if (settings.config.rootless) data += ",userxattr";
  if (data.size() >= 4000) {
    return fail(ErrorKind::Unsupported,
                fmt::format("the image has too many layers ({}) for one overlay mount", record.layers.size()));
  }
  if (record.auto_remove) {
    // --rm, as podman: "volatile" spares the sync of the whole upper file system that overlayfs
    // does when its last mount goes, for a layer that is deleted right after. Overlay leaves
    // WORKDIR/work/incompat/volatile behind and refuses to mount over it again (create may have
    // mounted the root once already).
    NOOK_TRY_VOID(sys::remove_all(paths.work + "/work/incompat"));
    auto mounted = sys::mount_fs("overlay", paths.merged, "overlay", 0, data + ",volatile");
    if (mounted) {
      (void)mounted->release();
      return {};
    }
    if (mounted.error().sys_errno() != EINVAL) return fail(mounted.error());
    // Linux < 5.10 has no "volatile": mount as usual.
  }
  sys::ScopedMount mount = NOOK_TRY(sys::mount_fs("overlay", paths.merged, "overlay", 0, data));
  (void)mount.release();
  return {};
}

void unmount_rootfs(const container::ContainerPaths& paths) {
  if (::umount2(paths.merged.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    NOOK_DEBUG(Store, "unmounting {}: {}", paths.merged, std::strerror(errno));
  }
}

bool has_process(const container::Container& record) {
  using container::Status;
  return record.state.status == Status::Running || record.state.status == Status::Paused ||
         record.state.status == Status::Stopping || record.state.status == Status::Initialized;
}

std::string rootfs_dir(const container::Container& record, const container::ContainerPaths& paths) {
  return record.driver == "vfs" ? paths.rootfs : paths.merged;
}

Timestamp timestamp_from_ns(int64_t ns) {
  return Timestamp{ns / 1000000000, static_cast<int32_t>(ns % 1000000000)};
}

bool monitor_alive(const container::Container& record) {
  if (record.state.monitor_pid <= 0) return false;
  auto stat = sys::process_stat(record.state.monitor_pid);
  return stat && stat->start_time == record.state.monitor_start_time;
}

void reconcile_view(const container::ContainerStore& store, container::Container& record) {
  using container::Status;
  if (!has_process(record) || monitor_alive(record)) return;
  auto exit = monitor::read_exit_file(store.paths(record.id).exit_file);
  record.state.status = Status::Exited;
  record.state.pid = 0;
  record.state.monitor_pid = 0;
  record.state.exit_code = exit ? exit->exit_code : -1;
  record.state.oom_killed = exit && exit->oom_killed;
  record.state.finished_at = format_rfc3339_nano(exit ? timestamp_from_ns(exit->exited_at_ns) : now());
}

Result<bool> reconcile(container::ContainerStore& store, container::Container& record) {
  container::Status before = record.state.status;
  pid_t orphan = record.state.pid;
  uint64_t orphan_start = record.state.pid_start_time;
  reconcile_view(store, record);
  if (record.state.status != before && orphan > 0 && orphan_start != 0) {
    // The monitor was killed but the container's init may run on, unwatched: it goes too (and
    // its pid namespace with it), so that nothing of the container is left.
    auto stat = sys::process_stat(orphan);
    if (stat && stat->start_time == orphan_start) {
      NOOK_DEBUG(Store, "container {}: killing its init {}, whose monitor is gone", record.id, orphan);
      ::kill(orphan, SIGKILL);
    }
  }
  if (record.state.status == before) return false;
  NOOK_DEBUG(Store, "container {}: its monitor is gone; recording it as exited ({})", record.id,
             record.state.exit_code);
  remove_orphaned_cgroup(store, record);  // the monitor's exit handler did not (container_cgroups.h)
  NOOK_TRY_VOID(store.update(record));
  return true;
}

monitor::Options monitor_options_for(const container::Container& record, const container::ContainerPaths& paths,
                                     const std::string& runtime_state_root) {
  monitor::Options options;
  options.id = record.id;
  options.bundle = paths.userdata;
  options.runtime_state_root = runtime_state_root;
  options.runtime = record.runtime;
  options.log_driver = record.log_driver;
  options.log_path = paths.log;
  options.log_max_size = record.log_max_size;
  options.exit_file = paths.exit_file;
  options.keep_stdin = record.interactive;
  options.terminal = record.tty;
  options.sync_fd = 3;
  auto mode = network::parse_network_mode(record.network_mode);
  if (mode && mode->has_backend()) {
    options.network.mode = record.network_mode;
    if (!record.ports.empty()) options.network.ports = network::to_json(record.ports).dump();
    // Beside the runtime's state root (which holds nothing but containers), short enough for a
    // unix socket's 108 bytes.
    std::string run_root = runtime_state_root.substr(0, runtime_state_root.rfind('/'));
    options.network.api_socket = fmt::format("{}/slirp/{}.sock", run_root, record.id.substr(0, 12));
    options.network.log_path = paths.userdata + "/slirp4netns.log";
  }
  return options;
}

std::vector<std::string> monitor_argv(const std::string& graph_root, const monitor::Options& options) {
  std::vector<std::string> argv = {"nook", "--root", graph_root, "internal", "monitor"};
  for (std::string& arg : monitor::to_args(options)) argv.push_back(std::move(arg));
  return argv;
}

void record_monitor_of(container::Container& record, pid_t pid) {
  if (auto stat = sys::process_stat(pid)) {
    record.state.pid_start_time = stat->start_time;
    record.state.monitor_pid = stat->ppid;
    if (auto monitor_stat = sys::process_stat(stat->ppid)) record.state.monitor_start_time = monitor_stat->start_time;
  }
}

Result<int> start_container(const Settings& settings, std::string_view key, const AttachOptions& attach) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  container::Container found = NOOK_TRY(store.find(key));
  container::ContainerPaths paths = store.paths(found.id);
  sys::FileLock lock = NOOK_TRY(store.lock(found.id));
  container::Container record = NOOK_TRY(store.find(found.id));  // fresh, under the lock
  NOOK_TRY(reconcile(store, record));
  using container::Status;
  if (record.state.status == Status::Running || record.state.status == Status::Paused) {
    if (attach.attach) return fail(ErrorKind::InvalidState, fmt::format("container {} is already running", record.id));
    return 0;  // podman start of a running container is a no-op
  }
  if (record.state.status == Status::Removing) {
    return fail(ErrorKind::InvalidState, fmt::format("container {} is being removed", record.id));
  }
  if (record.state.status == Status::Initialized) return start_initialized(settings, store, record, std::move(lock), attach);

  NOOK_TRY_VOID(join_network_container(settings, store, record, paths));
  storage::Store images = NOOK_TRY(open_store_read_only(settings));
  NOOK_TRY_VOID(mount_rootfs(settings, images, record, paths));
  ScopeExit unmount([&] { unmount_rootfs(paths); });
  NOOK_TRY_VOID(prepare_container_mounts(settings, record, rootfs_dir(record, paths)));
  (void)::unlink(paths.exit_file.c_str());
  (void)::unlink(fmt::format("{}/{}", paths.userdata, monitor::kNetworkErrorFile).c_str());

  monitor::Options options = monitor_options_for(record, paths, settings.config.run_root + "/runtime");
  options.interactive = attach.attach && attach.interactive;
  if (attach.attach && attach.interactive) options.detach_keys = NOOK_TRY(detach_sequence_text(attach.detach_keys));
  options.attached = attach.attach;
  options.wait_for_start = attach.init_only;
  std::vector<std::string> argv = monitor_argv(settings.config.graph_root, options);

  // Raw before the container can print its first prompt (what is typed early is not echoed twice).
  if (record.tty && attach.attach && attach.interactive && attach.on_terminal) attach.on_terminal();
  sys::Pipe sync = NOOK_TRY(sys::Pipe::create());
  sys::SpawnOptions spawn;
  spawn.argv = std::move(argv);
  spawn.executable = "/proc/self/exe";
  spawn.keep_fds = {{sync.write.get(), 3}};
  if (!attach.attach) {
    spawn.stdin_from = sys::Redirect::null();
    spawn.stdout_to = sys::Redirect::null();
    spawn.stderr_to = sys::Redirect::null();
  } else if (!attach.interactive) {
    spawn.stdin_from = sys::Redirect::null();
  }
  if (attach.attach && !attach.attach_stdout) spawn.stdout_to = sys::Redirect::null();  // run -a
  if (attach.attach && !attach.attach_stderr) spawn.stderr_to = sys::Redirect::null();
  sys::ChildProcess first = NOOK_TRY(sys::spawn(spawn));
  sync.write.reset();
  // The first monitor process exits as soon as the detached one runs.
  sys::ExitStatus detached = NOOK_TRY(first.wait());
  if (!detached.success()) {
    return fail(ErrorKind::System, fmt::format("the monitor failed to start (exit status {})", detached.shell_code()));
  }
  std::string buffer;
  std::optional<std::string> line = NOOK_TRY(read_line(sync.read.get(), buffer));
  if (!line) return fail(ErrorKind::System, "the monitor exited before the container started");
  monitor::SyncMessage message = NOOK_TRY(monitor::parse_sync_message(*line));
  if (message.type == monitor::SyncMessage::Type::Error) {
    record.state.error = message.error;
    (void)store.update(record);
    return fail(monitor::sync_error(message));
  }
  if (message.type != monitor::SyncMessage::Type::Pid) {
    return fail(ErrorKind::Internal, fmt::format("unexpected message from the monitor: {}", *line));
  }
  pid_t pid = static_cast<pid_t>(message.value);
  record.state.status = attach.init_only ? Status::Initialized : Status::Running;
  record.state.pid = pid;
  if (!attach.init_only) record.state.started_at = format_rfc3339_nano(now());
  record.state.error.clear();
  record.state.stopped_by_user = false;
  record_monitor_of(record, pid);
  NOOK_TRY_VOID(store.update(record));
  unmount.dismiss();  // the mount lives on in the monitor's namespace
  lock.unlock();
  if (!attach.attach) return 0;
  std::optional<WinchForwarder> winch;
  if (record.tty) winch.emplace(record.state.monitor_pid);
  return wait_for_exit(sync.read.get(), buffer, store, record.id, pid, attach.sig_proxy);
}

Result<int> run_container(const Settings& settings, const ContainerCreateOptions& options, const AttachOptions& attach,
                          PullProgress* progress, const std::function<void(const std::string&)>& on_created) {
  std::string id = NOOK_TRY(create_container(settings, options, progress));
  if (on_created) on_created(id);
  auto started = start_container(settings, id, attach);
  if (!started && options.rm) {
    RemoveOptions remove;
    remove.force = true;
    remove.volumes = true;
    (void)remove_containers(settings, {id}, remove);
  }
  return started;
}

Result<void> finish_container(const std::string& graph_root, const std::string& id, int exit_code,
                              int64_t exited_at_ns, bool oom_killed, const std::string& runtime_state_root) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(graph_root, false));
  container::ContainerPaths paths = store.paths(id);
  sys::FileLock lock = NOOK_TRY(store.lock(id));
  container::Container record = NOOK_TRY(store.find(id));
  record.state.status = container::Status::Exited;
  record.state.pid = 0;
  record.state.monitor_pid = 0;
  record.state.exit_code = exit_code;
  record.state.oom_killed = oom_killed;
  record.state.finished_at = format_rfc3339_nano(timestamp_from_ns(exited_at_ns));
  // --restart: a new monitor runs it again on the same root file system mount.
  if (!record.auto_remove && NOOK_TRY(restart_per_policy(graph_root, runtime_state_root, store, record))) return {};
  unmount_rootfs(paths);
  if (record.auto_remove) {
    lock.unlock();
    unshare_network_files(store, record);
    NOOK_TRY_VOID(store.remove(id));
    remove_anonymous_volumes(graph_root, record);  // --rm takes the anonymous volumes along
    return {};
  }
  return store.update(record);
}

}  // namespace nook::engine
