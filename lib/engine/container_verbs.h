// The lifecycle verbs beyond create/start/stop/kill/rm: restart, rename, pause/unpause, top,
// port, container prune, init; the restart policy the monitor's exit path applies; the pure
// helpers behind top (podman's psgo descriptors) and ps --size.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/engine/containers.h"
#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

// --- restart: stop (with -t or the container's timeout) then start, each container named.
struct RestartOptions {
  std::optional<unsigned> timeout;
  bool all = false;
  bool running = false;  // with --all: only the running ones
};
[[nodiscard]] Result<std::vector<ContainerResult>> restart_containers(const Settings& settings,
                                                                      const std::vector<std::string>& keys,
                                                                      const RestartOptions& options);

// --- rename CTR NEW: podman's messages ("names must match ...", "... already in use ...").
[[nodiscard]] Result<void> rename_container(const Settings& settings, std::string_view key, std::string_view new_name);

// --- pause / unpause. Rootless on a cgroup v1 host there is no freezer: podman 4.3's errors.
// `pause` false means unpause.
[[nodiscard]] Result<std::vector<ContainerResult>> pause_containers(const Settings& settings,
                                                                    const std::vector<std::string>& keys, bool all,
                                                                    bool pause);
// podman's cmd-level check of unpause: InvalidArgument "unpause is not supported for cgroupv1
// rootless containers" when rootless on a host whose /sys/fs/cgroup is not cgroup2.
[[nodiscard]] Result<void> check_unpause_supported(const Settings& settings);

// --- top CTR [DESCRIPTORS...]: podman's default descriptors are user, pid, ppid, pcpu, etime,
// tty, time, args. Returns the table, header first.
struct TopReport {
  std::vector<std::vector<std::string>> rows;
};
[[nodiscard]] Result<TopReport> top_container(const Settings& settings, std::string_view key,
                                              const std::vector<std::string>& descriptors);
// The table as podman prints it (Go tabwriter: min width 12, padding 2).
std::string render_top(const TopReport& report);

// Pure parts of top, for tests.
// psgo's header of a descriptor ("pcpu" -> "%CPU"); NotFound-free: InvalidArgument
// "'x': unknown descriptor" for an unknown one. AIX-style "%C" forms are accepted as ps does.
[[nodiscard]] Result<std::string> top_header(std::string_view descriptor);
// Go's time.Duration String() of a duration in ns ("749.187928ms", "1m2.5s", "0s").
std::string go_duration(int64_t ns);
// The descriptors a `podman top` argument list means: empty -> the defaults; each argument may
// hold several, separated by commas or spaces.
std::vector<std::string> top_descriptors(const std::vector<std::string>& args);

// --- port CTR [PRIVATE_PORT[/PROTO]] / port --all: the published ports of running containers.
struct PortLine {
  std::string id;  // with --all, each line is prefixed with the short id
  std::string text;
};
[[nodiscard]] Result<std::vector<PortLine>> container_ports(const Settings& settings, const std::vector<std::string>& keys,
                                                            bool all, std::optional<std::string> private_port);

// --- container prune: removes every container that has no process (created, initialized,
// exited). Filters: until=TIMESTAMP|DURATION, label=KEY[=VALUE], label!=KEY[=VALUE].
struct PruneReport {
  std::string id;
  int64_t size = 0;
  std::optional<Error> error;
};
[[nodiscard]] Result<std::vector<PruneReport>> prune_containers(const Settings& settings,
                                                                const std::vector<std::string>& filters);

// --- init CTR...: creates the container's process without starting the user's program
// (state "initialized"); `start` then lets it run (the runtime's OCI start).
[[nodiscard]] Result<std::vector<ContainerResult>> init_containers(const Settings& settings,
                                                                   const std::vector<std::string>& keys, bool all);

// --- restart policy (podman's shouldRestart): whether a container that just exited with
// `exit_code` restarts. `restart_count` is how many times it has already been restarted.
bool should_restart(std::string_view policy, int max_retries, int restart_count, int exit_code, bool stopped_by_user);

// --- ps --size: bytes of the container's writable layer (its upper dir, or the vfs copy's
// changes are not tracked: the whole copy) and the image's size ("virtual" adds them).
struct ContainerSize {
  int64_t rw = 0;
  int64_t root_fs = 0;
};
// podman's ps SIZE column: "12B (virtual 1.98MB)".
std::string size_column(const ContainerSize& size);
// Bytes under `dir` (regular files and symlinks, each inode once); unreadable parts are skipped.
int64_t directory_size(const std::string& dir);

}  // namespace nook::engine
