// Container records: what `create` decided and what the container's life has been so far.
//
// Layout under the graph root (format version in each record):
//   containers/containers.lock        flock: exclusive while a container is added, renamed or
//                                     removed (names stay unique), shared never needed: readers
//                                     read records, which are replaced atomically
//   containers/<id>/container.json    the record (Container), replaced atomically
//   containers/<id>/lock              flock: held exclusively by whoever changes the container's
//                                     state (start, the monitor's exit, stop, rm)
//   containers/<id>/userdata/         the bundle (config.json), hosts, hostname, resolv.conf, the
//                                     log (ctr.log) and the exit file (exit.json)
//   containers/<id>/upper, work, merged   overlay drivers: the container's layer and mount point
//   containers/<id>/rootfs            vfs: a full copy of the image
//
// Records are plain data and cheap to read: `ps -a` with 50 containers reads 50 small files.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/network/ports.h"
#include "lib/sys/lock.h"
#include "lib/util/error.h"

namespace nook::container {

inline constexpr int kRecordVersion = 1;

// podman's states (libpod define.ContainerStatus), as strings in records and reports.
enum class Status { Configured, Created, Initialized, Running, Paused, Stopping, Stopped, Exited, Removing };
std::string_view status_name(Status status);  // "created", "running", "exited", ...
[[nodiscard]] Result<Status> parse_status(std::string_view name);

struct State {
  Status status = Status::Created;
  pid_t pid = 0;          // the container's init (host pid), while running
  pid_t monitor_pid = 0;  // the monitor, while running
  uint64_t monitor_start_time = 0;  // /proc/PID/stat field 22 of the monitor: tells a reused pid apart
  uint64_t pid_start_time = 0;      // the same of the container's init (0: not recorded)
  std::string started_at;   // RFC 3339 nano, "" if never started
  std::string finished_at;  // RFC 3339 nano, "" if never exited
  int exit_code = 0;
  bool oom_killed = false;
  int restart_count = 0;
  bool stopped_by_user = false;  // stop/kill by the user: the restart policy does not apply
  std::string error;  // why the last start failed, if it did
};

// What `run`/`create` decided, kept for start, restart, ps and inspect.
struct Container {
  std::string id;    // 64 hex
  std::string name;  // unique
  std::string image_id;
  std::string image_name;  // as resolved ("docker.io/library/busybox:latest"), or the id
  std::string created;     // RFC 3339 nano
  std::vector<std::string> command;  // the process args (entrypoint + cmd), for ps
  std::vector<std::string> layers;   // the image's layer ids, base first
  std::string driver;                // "overlay", "fuse-overlayfs", "vfs"
  std::map<std::string, std::string> labels;
  // Start-time settings.
  bool interactive = false;
  bool tty = false;
  bool auto_remove = false;        // --rm
  std::string log_driver = "k8s-file";
  int64_t log_max_size = -1;
  std::string restart_policy = "no";  // no, on-failure, always, unless-stopped
  int restart_max_retries = 0;
  std::string stop_signal = "SIGTERM";
  unsigned stop_timeout = 10;
  std::string network_mode = "none";  // --network as given (lib/network/mode.h)
  std::vector<network::PortMapping> ports;    // published, host ports chosen
  std::vector<network::ExposedPort> exposed;  // the image's and --expose's, and the published ones
  bool publish_all = false;                   // -P (inspect's HostConfig.PublishAllPorts)
  // --dns, --dns-search, --dns-option, --add-host (split at commas), for inspect; --no-hosts and
  // --dns none: the image's own /etc/hosts or /etc/resolv.conf, not ours.
  std::vector<std::string> dns_servers, dns_search, dns_options, add_hosts;
  bool no_hosts = false;
  bool dns_none = false;
  std::string runtime;  // "" = built-in; else an OCI runtime CLI path
  std::string user;     // --user as given; resolved against the rootfs at each start
  std::vector<std::string> group_add;
  std::vector<std::string> volumes;  // named volumes used (for rm -v and volume rm)
  // The user's mounts (-v, --mount, --tmpfs, image VOLUMEs, --volumes-from), as
  // lib/engine/volumes.cc records them for inspect's "Mounts" and --volumes-from.
  nlohmann::json mounts = nlohmann::json::array();
  // --init, --tz, --userns (lib/engine/container_run_flags.h): the mode as given, and the id maps
  // of the container's own user namespace as podman shows them ("0:1:1001"; empty: none).
  bool init = false;
  std::string timezone;
  std::string userns;
  std::vector<std::string> uid_map, gid_map;
  State state;
};

nlohmann::json to_json(const Container& container);
[[nodiscard]] Result<Container> parse_container(const nlohmann::json& json);

// The directories of one container.
struct ContainerPaths {
  std::string dir;       // containers/<id>
  std::string userdata;  // containers/<id>/userdata (the bundle)
  std::string upper, work, merged, rootfs;
  std::string log;        // userdata/ctr.log
  std::string exit_file;  // userdata/exit.json
  std::string lock;       // containers/<id>/lock
};

// A random container name in docker's adjective_surname style ("eager_turing").
[[nodiscard]] Result<std::string> random_name();
// Container names as podman accepts them: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
bool valid_name(std::string_view name);

class ContainerStore {
 public:
  // Opens the containers directory under `graph_root` (created unless read_only).
  [[nodiscard]] static Result<ContainerStore> open(std::string graph_root, bool read_only);

  ContainerPaths paths(std::string_view id) const;

  // Every record (unreadable ones are skipped with a debug log: a container being removed).
  [[nodiscard]] Result<std::vector<Container>> list() const;
  // By full id, unique id prefix, or name. NotFound "no container with name or ID \"x\" found:
  // no such container" (podman's message); InvalidArgument when a prefix is ambiguous.
  [[nodiscard]] Result<Container> find(std::string_view key) const;
  // Adds a container: assigns an id (and a random name when empty), checks the name is free
  // (Exists: "the container name \"x\" is already in use by ID. You have to remove that
  // container to be able to reuse that name: that name is already in use"), creates its
  // directories and writes the record. On failure nothing is left.
  [[nodiscard]] Result<Container> add(Container container);
  // Replaces the record atomically (callers hold the container's lock).
  [[nodiscard]] Result<void> update(const Container& container);
  // Renames under the store lock; Exists when taken.
  [[nodiscard]] Result<void> rename(std::string_view id, std::string_view new_name);
  // Deletes the container's directory (the caller has unmounted and stopped it).
  [[nodiscard]] Result<void> remove(std::string_view id);
  // The container's state lock.
  [[nodiscard]] Result<sys::FileLock> lock(std::string_view id) const;

 private:
  explicit ContainerStore(std::string root, bool read_only) : root_(std::move(root)), read_only_(read_only) {}
  // The name index (container.cc); both under containers.lock.
  [[nodiscard]] Result<void> ensure_name_index() const;
  std::string holder_of(std::string_view name) const;
  std::string root_;  // <graph_root>/containers
  bool read_only_ = false;
};

}  // namespace nook::container
