// Shared between the container_*.cc files of lib/engine; not part of the engine's API.
#pragma once

#include <string>
#include <vector>

#include "lib/container/container.h"
#include "lib/engine/containers.h"
#include "lib/engine/container_verbs.h"
#include "lib/engine/engine.h"
#include "lib/engine/image_reports.h"
#include "lib/monitor/monitor.h"
#include "lib/network/mode.h"
#include "lib/oci/spec_builder.h"
#include "lib/oci/user.h"
#include "lib/storage/store.h"
#include "lib/util/error.h"
#include "lib/util/signals.h"

namespace nook::engine {

// The image a new container uses, per the --pull policy (missing, always, never, newer; "newer"
// pulls like "always": the store keeps the layers it has, so only what changed is fetched).
[[nodiscard]] Result<storage::ImageRecord> image_for_container(const Settings& settings, storage::Store& store,
                                                               const ContainerCreateOptions& options,
                                                               PullProgress* progress, std::string* resolved_name);

// -e items: NAME=value, NAME (from `env` when set there), NAME* (every variable with the prefix).
std::vector<std::string> expand_env(const std::vector<std::string>& items, const config::Environment& env);
// --env-file: NAME=value or NAME lines ('#' comments and blank lines skipped), expanded as -e.
[[nodiscard]] Result<std::vector<std::string>> read_env_files(const std::vector<std::string>& files,
                                                              const config::Environment& env);

// "no", "always", "unless-stopped", "on-failure[:N]".
[[nodiscard]] Result<void> parse_restart_policy(const std::string& text, std::string* policy, int* max_retries);
// --security-opt no-new-privileges[=true|false], seccomp=unconfined|FILE, label=..., apparmor=...
[[nodiscard]] Result<void> apply_security_options(const std::vector<std::string>& items, oci::SpecOptions& options);
// Sizes as podman takes them ("64m").
[[nodiscard]] Result<int64_t> parse_size(const std::string& text);

// Creates the container's upper/work/merged directories (overlay) or its full copy (vfs).
[[nodiscard]] Result<void> prepare_rootfs_dirs(const storage::Store& store, const container::Container& record,
                                               const container::ContainerPaths& paths);
// /etc/hosts, /etc/hostname and /etc/resolv.conf in the userdata directory.
// --no-hosts and --dns none leave out /etc/hosts or /etc/resolv.conf (lib/network/etc_files.h).
[[nodiscard]] Result<void> write_container_files(const Settings& settings, const storage::Store& store,
                                                 const container::Container& record,
                                                 const container::ContainerPaths& paths, const std::string& hostname,
                                                 const network::NetworkMode& network);
// The image's copies of `files` (paths below the root, "" for a missing one), read from the
// layers without a mount where lib/storage/layer_file.h can, else through a mount of the rootfs.
[[nodiscard]] Result<std::vector<std::string>> read_image_files(const Settings& settings,
                                                                const storage::Store& store,
                                                                const container::Container& record,
                                                                const container::ContainerPaths& paths,
                                                                std::initializer_list<std::string_view> files);
// --user resolved in the image's /etc/passwd and /etc/group (read_image_files).
[[nodiscard]] Result<oci::ResolvedUser> resolve_container_user(const Settings& settings,
                                                               const storage::Store& store,
                                                               const container::Container& record,
                                                               const container::ContainerPaths& paths);
// Go's os.PathError wording of an errno, as podman's messages carry it: strerror with its first
// letter in lower case ("no such file or directory").
std::string errno_text(int err);
// Limits, kernel and id facts of this host the spec depends on.
void fill_host_facts(const Settings& settings, oci::SpecOptions& options);
// Whether the rootless user has subordinate ids (so gid 5 exists in the namespace).
bool rootless_has_subordinate_ids(const Settings& settings);

// Mounts the container's root file system at paths.merged in our mount namespace (overlay,
// fuse-overlayfs) over the image layers of `store`; nothing for vfs.
[[nodiscard]] Result<void> mount_rootfs(const Settings& settings, const storage::Store& store,
                                        const container::Container& record,
                                        const container::ContainerPaths& paths);
// Undoes mount_rootfs (a missing mount is fine).
void unmount_rootfs(const container::ContainerPaths& paths);
// The overlay lowerdir= list of a container's layers, top layer first.
std::string lower_dirs(const storage::Store& store, const std::vector<std::string>& layers);

// Whether the container has a process (initialized, running, paused or being stopped).
bool has_process(const container::Container& record);

// container_verbs.cc: `start` of an initialized container (the runtime's OCI start), under its
// lock; the restart policy applied by the monitor's exit path (true: restarted, the record
// updated; false: the caller records the exit as usual); marking a stop/kill by the user.
[[nodiscard]] Result<int> start_initialized(const Settings& settings, container::ContainerStore& store,
                                            container::Container& record, sys::FileLock lock,
                                            const AttachOptions& attach);
[[nodiscard]] Result<bool> restart_per_policy(const std::string& graph_root, const std::string& runtime_state_root,
                                              container::ContainerStore& store, container::Container& record);
void mark_stopped_by_user(container::ContainerStore& store, const std::string& id);
// ps --size / inspect --size: the writable layer's bytes and, with the image's, the virtual size.
ContainerSize container_size(const Settings& settings, const container::ContainerStore& store,
                             const container::Container& record);
// Where the container's root file system is: the overlay mount point, or the vfs copy.
std::string rootfs_dir(const container::Container& record, const container::ContainerPaths& paths);
// A time in ns since the epoch (the monitor's exit times) as a Timestamp.
Timestamp timestamp_from_ns(int64_t ns);

// Brings a record up to date with reality: a "running" container whose monitor is gone (killed,
// or the machine rebooted) becomes "exited", with the exit file's code when the monitor wrote
// one. Returns whether the record changed (and was written).
[[nodiscard]] Result<bool> reconcile(container::ContainerStore& store, container::Container& record);
// The same without writing (read-only listings).
void reconcile_view(const container::ContainerStore& store, container::Container& record);
// The monitor's options every start of `record` shares (start, restart by policy); the caller
// adds what is particular to it (attach, detach keys, wait for start). Sync on fd 3.
monitor::Options monitor_options_for(const container::Container& record, const container::ContainerPaths& paths,
                                     const std::string& runtime_state_root);
// `nook --root GRAPH_ROOT internal monitor OPTIONS...` (finish_container needs the graph root).
std::vector<std::string> monitor_argv(const std::string& graph_root, const monitor::Options& options);
// Records the container's process `pid` and its monitor (the pid's parent, with its start time).
void record_monitor_of(container::Container& record, pid_t pid);

// Whether the record's monitor is still alive (same pid and start time).
bool monitor_alive(const container::Container& record);

}  // namespace nook::engine
