// stop, kill, rm and wait: verbs that act on existing containers, one result per name.
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "lib/container/container.h"
#include "lib/engine/container_cgroups.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/container_network.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/volume_internal.h"
#include "lib/monitor/attach.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "lib/sys/syscall.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

using container::Status;
using Clock = std::chrono::steady_clock;

// The containers a verb acts on: every one with `all`, else each key (NotFound kept per key).
struct Target {
  std::string key;
  Result<container::Container> record;
};
Result<std::vector<Target>> resolve_targets(const container::ContainerStore& store, const std::vector<std::string>& keys,
                                            bool all) {
  std::vector<Target> out;
  if (all) {
    for (container::Container& c : NOOK_TRY(store.list())) out.push_back(Target{c.id, std::move(c)});
    return out;
  }
  for (const std::string& key : keys) out.push_back(Target{key, store.find(key)});
  return out;
}

// Waits until the container's monitor has recorded the exit (or is gone), up to `timeout`.
Result<bool> wait_recorded(container::ContainerStore& store, const std::string& id, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (auto delay = std::chrono::milliseconds(1);; delay = std::min(delay * 2, std::chrono::milliseconds(50))) {
    auto record = store.find(id);
    if (!record) return record.error().kind() == ErrorKind::NotFound ? Result<bool>(true) : fail(record.error());
    reconcile_view(store, *record);
    if (!has_process(*record)) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(delay);
  }
}

// A container with a user namespace of its own (--userns=auto, keep-id) belongs to the user
// namespace its `run` entered; a later command that entered another one (rm -f, restart) has no
// right to signal it (EPERM). Its monitor, which lives in that namespace, sends the signal instead.
Result<void> signal_through_monitor(const container::ContainerStore& store, const container::Container& record,
                                    int sig) {
  sys::UniqueFd socket = NOOK_TRY(monitor::connect_attach_socket(store.paths(record.id).userdata));
  std::string packet = monitor::encode_signal(sig);
  if (::send(socket.get(), packet.data(), packet.size(), MSG_NOSIGNAL) < 0) {
    return fail(Error::from_errno("send", "asking the monitor to signal the container"));
  }
  return {};
}

Result<void> signal_container(const container::ContainerStore& store, const container::Container& record, int sig) {
  if (record.state.pid <= 0) return fail(ErrorKind::InvalidState, fmt::format("container {} has no process", record.id));
  if (::kill(record.state.pid, sig) == 0 || errno == ESRCH) return {};
  Error error = Error::from_errno("kill", fmt::format("container {}", record.id.substr(0, 12)));
  if (error.sys_errno() == EPERM && record.state.monitor_pid > 0) {
    auto sent = signal_through_monitor(store, record, sig);
    if (sent) return {};
    NOOK_DEBUG(Store, "container {}: {}", record.id, sent.error().message());
  }
  return fail(std::move(error));
}

// stop: the stop signal, then SIGKILL after the timeout; returns once the exit is recorded.
Result<void> stop_one(container::ContainerStore& store, container::Container record, std::optional<unsigned> timeout) {
  NOOK_TRY(reconcile(store, record));
  if (!has_process(record)) return {};
  thaw_if_paused(store, record);  // a frozen process cannot act on the signal (container_cgroups.h)
  int sig = NOOK_TRY(parse_signal(record.stop_signal.empty() ? "SIGTERM" : record.stop_signal));
  unsigned seconds = timeout.value_or(record.stop_timeout);
  if (record.state.status == Status::Initialized) seconds = 0;  // its init waits before exec: no handler yet
  mark_stopped_by_user(store, record.id);  // --restart does not apply
  if (seconds > 0) {
    NOOK_TRY_VOID(signal_container(store, record, sig));
    if (NOOK_TRY(wait_recorded(store, record.id, std::chrono::seconds(seconds)))) return {};
    NOOK_DEBUG(Store, "container {} did not stop within {}s; killing it", record.id, seconds);
  }
  NOOK_TRY_VOID(signal_container(store, record, SIGKILL));
  if (NOOK_TRY(wait_recorded(store, record.id, std::chrono::seconds(30)))) return {};
  return fail(ErrorKind::System, fmt::format("container {} did not exit after SIGKILL", record.id));
}

}  // namespace

Result<void> apply_security_options(const std::vector<std::string>& items, oci::SpecOptions& options) {
  for (const std::string& item : items) {
    std::string key = item.substr(0, item.find_first_of("=:"));
    std::string value = item.size() > key.size() ? item.substr(key.size() + 1) : "";
    if (key == "no-new-privileges") {
      if (!value.empty() && value != "true" && value != "false") {
        return fail(ErrorKind::InvalidArgument, fmt::format("invalid --security-opt 1: {:?}", item));
      }
      options.no_new_privileges = value.empty() || value == "true";
    } else if (key == "seccomp") {
      if (value == "unconfined") {
        options.seccomp_unconfined = true;
      } else {
        auto text = sys::read_file(value);
        if (!text) return fail(text.error().context("opening seccomp profile failed"));
        options.seccomp_profile_json = std::move(*text);
      }
    } else if (key == "label" || key == "apparmor" || key == "mask" || key == "unmask" || key == "proc-opts") {
      NOOK_DEBUG(Store, "--security-opt {} is accepted and has no effect here", item);
    } else {
      return fail(ErrorKind::InvalidArgument, fmt::format("invalid --security-opt 1: {:?}", item));
    }
  }
  return {};
}

Result<std::vector<ContainerResult>> stop_containers(const Settings& settings, const std::vector<std::string>& keys,
                                                     const StopOptions& options) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  std::vector<ContainerResult> results;
  for (Target& target : NOOK_TRY(resolve_targets(store, keys, options.all))) {
    ContainerResult result{.key = target.key};
    if (!target.record) {
      if (!(options.ignore && target.record.error().kind() == ErrorKind::NotFound)) result.error = target.record.error();
      if (result.error) results.push_back(std::move(result));
      continue;
    }
    result.id = target.record->id;
    if (auto stopped = stop_one(store, *target.record, options.timeout); !stopped) result.error = stopped.error();
    results.push_back(std::move(result));
  }
  return results;
}

Result<std::vector<ContainerResult>> kill_containers(const Settings& settings, const std::vector<std::string>& keys,
                                                     std::string_view signal, bool all) {
  int sig = NOOK_TRY(parse_signal(signal));
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  std::vector<ContainerResult> results;
  for (Target& target : NOOK_TRY(resolve_targets(store, keys, all))) {
    ContainerResult result{.key = target.key};
    if (!target.record) {
      result.error = target.record.error();
      results.push_back(std::move(result));
      continue;
    }
    container::Container& record = *target.record;
    result.id = record.id;
    NOOK_TRY(reconcile(store, record));
    if (!has_process(record)) {
      if (all) continue;
      result.error = Error(ErrorKind::InvalidState,
                           fmt::format("can only kill running containers. {} is in state {}: container state improper",
                                       record.id, container::status_name(record.state.status)));
    } else if (auto sent = (thaw_if_paused(store, record), mark_stopped_by_user(store, record.id),
                            signal_container(store, record, sig));
               !sent) {
      result.error = sent.error();
    }
    results.push_back(std::move(result));
  }
  return results;
}

Result<std::vector<ContainerResult>> remove_containers(const Settings& settings, const std::vector<std::string>& keys,
                                                       const RemoveOptions& options) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  std::vector<ContainerResult> results;
  std::vector<Target> targets = NOOK_TRY(resolve_targets(store, keys, options.all));
  // A container sharing another's network goes before it (rm -a, or both named).
  std::stable_partition(targets.begin(), targets.end(), [](const Target& t) {
    return t.record && !network_container(t.record->network_mode).empty();
  });
  auto named = [&](const std::string& id) {
    return std::any_of(targets.begin(), targets.end(), [&](const Target& t) { return t.record && t.record->id == id; });
  };
  const std::vector<container::Container> everyone = NOOK_TRY(store.list());
  for (Target& target : targets) {
    ContainerResult result{.key = target.key};
    if (target.record) {
      // What still uses its network namespace must go first: with --depend it does, else rm fails.
      std::vector<std::string> dependents = network_dependents(everyone, target.record->id);
      std::erase_if(dependents, named);
      if (!dependents.empty() && options.depend) {
        for (ContainerResult& removed : NOOK_TRY(remove_containers(settings, dependents, options))) {
          results.push_back(std::move(removed));
        }
      } else if (!dependents.empty()) {
        target.record = fail(ErrorKind::Exists,
                             fmt::format("container {} has dependent containers which must be removed before it: {}: "
                                         "container already exists",
                                         target.record->id, strings::join(dependents, ",")));
      }
    }
    if (!target.record) {
      if (!(options.ignore && target.record.error().kind() == ErrorKind::NotFound)) {
        result.error = target.record.error();
        results.push_back(std::move(result));
      }
      continue;
    }
    container::Container record = std::move(*target.record);
    result.id = record.id;
    auto removed = [&]() -> Result<void> {
      NOOK_TRY(reconcile(store, record));
      if (has_process(record)) {
        if (!options.force) {
          return fail(ErrorKind::InvalidState,
                      fmt::format("cannot remove container {} as it is {} - running or paused containers cannot be "
                                  "removed without force: container state improper",
                                  record.id, container::status_name(record.state.status)));
        }
        NOOK_TRY_VOID(stop_one(store, record, options.timeout.value_or(0)));
      }
      sys::FileLock lock = NOOK_TRY(store.lock(record.id));
      unmount_rootfs(store.paths(record.id));
      unshare_network_files(store, record);
      NOOK_TRY_VOID(store.remove(record.id));
      // The runtime's state, left behind when the monitor was killed before it could clean up.
      (void)sys::remove_all(fmt::format("{}/runtime/{}", settings.config.run_root, record.id));
      if (options.volumes) remove_anonymous_volumes(settings.config.graph_root, record);
      return {};
    }();
    if (!removed) {
      // A container --rm removed itself while we waited for it to stop is gone as asked.
      if (removed.error().kind() != ErrorKind::NotFound) result.error = removed.error();
    }
    results.push_back(std::move(result));
  }
  return results;
}

Result<std::vector<ContainerResult>> wait_containers(const Settings& settings, const std::vector<std::string>& keys,
                                                     const std::vector<std::string>& conditions) {
  std::vector<Status> wanted;
  for (const std::string& name : conditions) {
    std::string n = name == "stopped" ? "exited" : name;
    auto status = container::parse_status(n);
    if (!status) return fail(ErrorKind::InvalidArgument, fmt::format("unknown container state: {}: invalid argument", name));
    wanted.push_back(*status);
  }
  if (wanted.empty()) wanted = {Status::Exited, Status::Stopped};
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  std::vector<ContainerResult> results;
  for (const std::string& key : keys) {
    ContainerResult result{.key = key};
    auto record = store.find(key);
    if (!record) {
      result.error = record.error();
      results.push_back(std::move(result));
      continue;
    }
    result.id = record->id;
    for (auto delay = std::chrono::milliseconds(1);; delay = std::min(delay * 2, std::chrono::milliseconds(100))) {
      reconcile_view(store, *record);
      if (std::find(wanted.begin(), wanted.end(), record->state.status) != wanted.end()) break;
      std::this_thread::sleep_for(delay);
      auto fresh = store.find(result.id);
      if (!fresh) {
        result.error = fresh.error();
        break;
      }
      *record = std::move(*fresh);
    }
    // podman reports -1 for a condition other than an exit.
    bool exited = record->state.status == Status::Exited || record->state.status == Status::Stopped;
    result.exit_code = exited ? record->state.exit_code : -1;
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace nook::engine
