// The container side of mounts and volumes (lib/engine/container_mounts.cc), called from the
// container_*.cc files with one-line hooks; not part of the engine's API.
//
// What each user mount becomes in the spec (podman 4.3's shapes):
//   bind       {bind, SRC, [rbind|bind, rw|ro, propagation, + nosuid/nodev/noexec the source's
//              mount has]}; a missing SRC is "statfs SRC: no such file or directory"
//   :O         {overlay, "overlay", [lowerdir=SRC, upperdir=, workdir= in the container's
//              directory, (userxattr rootless), private]}
//   volume     a bind of the volume's _data ({nosuid, nodev, rbind, ...}); a tmpfs-backed volume
//              (-o type=tmpfs) a tmpfs mount with its o= options; a bind-backed one (o=bind,
//              device=DIR) a bind of DIR; other types a mount of device with type and o=
//   tmpfs      {tmpfs, "tmpfs", options}
//   image      {overlay, "overlay", [lowerdir=the image's layers, ro]} (rw=true: an upper and
//              work directory in the container's directory); vfs: a read-only bind of its copy
// Everything is mounted by the runtime inside the container's mount namespace, so nothing stays
// mounted on the host once the container is gone.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/container/container.h"
#include "lib/engine/containers.h"
#include "lib/image/manifest.h"
#include "lib/oci/spec.h"
#include "lib/storage/store.h"
#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

// create: the mounts of -v, --mount, --tmpfs, --volumes-from and the image's VOLUMEs for a
// container that was just added (record.id set; user resolved to uid:gid). Creates named volumes
// on first use and anonymous ones; records them in record.volumes and every mount in
// record.mounts (the caller writes the record). On failure, volumes it created are removed again.
[[nodiscard]] Result<std::vector<oci::Mount>> resolve_container_mounts(
    const Settings& settings, const storage::Store& images, const ContainerCreateOptions& options,
    const image::ContainerConfig& image, container::Container& record, const container::ContainerPaths& paths,
    uint32_t uid, uint32_t gid);

// start, after the root file system is mounted at `rootfs`: copies the image's content into
// volumes used for the first time (unless nocopy) and sets their owner, and applies :U (chown to
// the container's user). Cheap when the container has no volumes.
[[nodiscard]] Result<void> prepare_container_mounts(const Settings& settings, const container::Container& record,
                                                    const std::string& rootfs);

// rm -v, --rm, a failed create: removes the container's anonymous volumes that no other
// container uses (the container's own record is already gone or is skipped). Best effort.
void remove_anonymous_volumes(const std::string& graph_root, const container::Container& record);

// inspect's "Mounts": podman's InspectMount objects (Type, Name, Source, Destination, Driver,
// Mode, Options, RW, Propagation).
nlohmann::json inspect_mounts(const container::Container& record);
// ps's "Mounts" (podman's UserVolumes): the destinations of the user's mounts, binds and tmpfs
// first, then volumes, then image mounts, each group in the order given.
std::vector<std::string> user_volume_destinations(const container::Container& record);

}  // namespace nook::engine
