// What works on a container's file system (cp, diff, commit, export, import, mount/unmount) and
// on the whole store (system df, prune, reset).
//
// How a container's root is reached safely:
// - reading (cp out, export): a read-only overlay mounted on a private temporary directory with
//   the container's upper directory as the topmost lower layer (no upper/work directory, so it
//   never competes with the container's own mount, running or not); vfs: the container's copy.
// - writing (cp in): a stopped container's overlay is mounted read-write as start mounts it,
//   under the container's lock (start waits); a running container is written through
//   /proc/PID/root of its process from the host side (paths resolved with
//   openat2(RESOLVE_IN_ROOT)), which also reaches its volumes, as podman's cp does when it joins
//   the container's mount namespace.
// - diff and commit read the upper directory itself (overlay whiteouts, opaque directories).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/engine/pull.h"
#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

// --- cp
// One side of `cp`: "CONTAINER:PATH" or a host path ("-" is a tar stream). podman's rule: an
// argument starting with "/" or "." is a host path; otherwise the text before the first ":" is
// the container. Pure.
struct CopyEndpoint {
  std::string container;  // "" for the host
  std::string path;
};
CopyEndpoint parse_copy_endpoint(std::string_view arg);

// Where the source lands, from what exists at the destination (docker's/podman's cp rules).
// Pure: the caller says what the paths are.
struct CopyPlan {
  std::string dest_dir;    // an existing directory to extract into
  std::string dest_name;   // the top entry's name in it ("" to extract the source's content)
};
enum class PathKind { Missing, File, Dir };
// `source_is_dir`: the source is a directory; `source_contents`: it ends in "/." (copy what it
// holds); `dest` the destination path as given; `dest_kind` what it is; `dest_parent_kind` what its
// parent is. NotFound (with `dest` quoted, for the caller to complete with where) when the parent
// is missing or `dest` ends with "/" and is missing; InvalidArgument "destination must be a
// directory when copying a directory" for a directory onto a file.
[[nodiscard]] Result<CopyPlan> plan_copy(std::string_view source_base, bool source_is_dir, bool source_contents,
                                         std::string_view dest, PathKind dest_kind, PathKind dest_parent_kind);

struct CopyOptions {
  bool archive = true;     // -a: chown what is copied into a container to its user
  bool overwrite = false;  // replace a directory by a file and vice versa
  int stdin_fd = 0;        // the tar stream for "-" as the source
  int stdout_fd = 1;       // the tar stream for "-" as the destination
  // The user-namespace warning, when copy_files enters it (see below).
  std::function<void(const std::string&)> on_warning;
};
// Runs outside nook's user namespace and enters it itself (call it before any thread exists),
// except to write into a running container: that happens from the host side through
// /proc/PID/root (the kernel lets the user reach its own container's process only from outside a
// sibling user namespace); the files then belong to the container's root user.
[[nodiscard]] Result<void> copy_files(const Settings& settings, std::string_view source, std::string_view dest,
                                      const CopyOptions& options);

// --- diff
struct Change {
  char kind = 'C';  // 'A' added, 'C' changed, 'D' deleted
  std::string path;
};
// The changes of a container (its upper directory against its image) or, when no container has
// that name, of an image's top layer against its parent. podman's mount points made by the
// runtime (/dev, /proc, /sys, /etc/hostname, ...) are left out. Sorted by path.
[[nodiscard]] Result<std::vector<Change>> diff_changes(const Settings& settings, std::string_view key);

// --- commit
// One --change instruction applied to an image config's "config" object (and, for nothing else,
// untouched). CMD, ENTRYPOINT (JSON array or shell form), ENV, LABEL, EXPOSE, USER, WORKDIR,
// VOLUME, STOPSIGNAL, ONBUILD. InvalidArgument with podman's messages: `invalid change "X" - must
// be formatted as KEY VALUE`, `invalid change "X" - invalid instruction X`. Pure.
[[nodiscard]] Result<void> apply_change(nlohmann::json& config, std::string_view change);

struct CommitOptions {
  std::string author;
  std::string message;
  std::vector<std::string> changes;
  std::string format = "oci";  // oci | docker
  bool pause = false;          // accepted; the upper directory is read as it is
  bool include_volumes = false;
};
// Writes the container's changes as a new layer over its image and stores the image (named
// `name` when given, podman's normalization). Returns the image id.
[[nodiscard]] Result<std::string> commit_container(const Settings& settings, std::string_view key,
                                                   std::string_view name, const CommitOptions& options,
                                                   PullProgress* progress);

// --- export / import
// Writes a tar of the container's root file system to `out_fd`.
[[nodiscard]] Result<void> export_container(const Settings& settings, std::string_view key, int out_fd);

struct ImportOptions {
  std::vector<std::string> changes;
  std::string message;
  int stdin_fd = 0;  // for "-"
};
// A tar (plain or compressed) as a one-layer image. http(s) URLs are Unsupported (no network
// access from here). Returns the image id.
[[nodiscard]] Result<std::string> import_tarball(const Settings& settings, std::string_view source,
                                                 std::string_view name, const ImportOptions& options,
                                                 PullProgress* progress);

// --- mount / unmount (rootless: only inside `nook unshare`, checked by the verb)
struct MountedContainer {
  std::string id;
  std::string path;
};
// Mounts the container's root (or returns it when already mounted here) and counts the mount.
[[nodiscard]] Result<std::string> mount_container(const Settings& settings, std::string_view key);
// Every container mounted in this mount namespace.
[[nodiscard]] Result<std::vector<MountedContainer>> mounted_containers(const Settings& settings);
// Drops one count (all with force) and unmounts at zero; not mounted is no error.
[[nodiscard]] Result<void> unmount_container(const Settings& settings, std::string_view key, bool force);

// --- system df / prune / reset
struct DiskUsage {
  nlohmann::json images = nlohmann::json::array();      // rows: Repository, Tag, ImageID, Created, Size, SharedSize, UniqueSize, Containers
  nlohmann::json containers = nlohmann::json::array();  // rows: ContainerID, Image, Command, LocalVolumes, Size, Created, Status, Names
  nlohmann::json volumes = nlohmann::json::array();     // rows: VolumeName, Links, Size
  nlohmann::json summary = nlohmann::json::array();     // rows: Type, Total, Active, Size, Reclaimable
};
[[nodiscard]] Result<DiskUsage> disk_usage(const Settings& settings);

struct SystemPruneOptions {
  bool all = false;
  bool volumes = false;
  std::vector<std::string> filters;
};
struct SystemPruneReport {
  std::vector<std::string> containers;  // ids removed
  std::vector<std::string> images;
  std::vector<std::string> volumes;  // names, with --volumes
  int64_t reclaimed = 0;  // bytes
};
[[nodiscard]] Result<SystemPruneReport> system_prune(const Settings& settings, const SystemPruneOptions& options);

// Stops and removes every container, then removes the graph root's content and the run root.
[[nodiscard]] Result<void> system_reset(const Settings& settings);

}  // namespace nook::engine
