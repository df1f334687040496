// The container's mount table: spec.mounts (with the rootless fallbacks crun uses), masked and
// read-only paths. Mount points are created and opened inside the rootfs with
// openat2(RESOLVE_IN_ROOT), and mounted through /proc/self/fd/N, so a symlink in the image
// cannot send a mount outside the rootfs (crun's safe_openat).
#pragma once

#include <string_view>

#include "lib/oci/spec.h"
#include "lib/runtime/plan.h"
#include "lib/runtime/sync.h"
#include "lib/util/error.h"

namespace nook::runtime {

// One spec mount -> a MountStep: options split into flags, propagation and data; "bind"/"rbind"
// (or type "bind") make a bind; a relative bind source is taken relative to the bundle.
[[nodiscard]] Result<MountStep> parse_mount(const oci::Mount& mount, std::string_view bundle);

// What open_in_root() creates when the last component is missing.
enum class Create { Nothing, Directory, File };
// Child: opens `path` (absolute inside the rootfs) with O_PATH, resolving it inside `rootfd`,
// creating missing parent directories and, as asked, the last component. The fd or -errno.
int open_in_root(int rootfd, const char* path, Create create) noexcept;

// Child: every plan.mounts entry, in order, below the rootfs opened as `rootfd`.
bool mount_all(const Plan& plan, int rootfd, SyncRecord& error) noexcept;
// Child: masked paths (a read-only tmpfs over a directory, /dev/null over a file) and read-only
// paths (bind-mounted read-only onto themselves); missing paths are skipped.
bool mask_and_protect_paths(const Plan& plan, int rootfd, SyncRecord& error) noexcept;

// Child: the flags of the mount behind `fd` that a user namespace may not clear on remount
// (nosuid, nodev, noexec, rdonly, atime flags), as MS_* bits.
unsigned long locked_mount_flags(int fd) noexcept;

}  // namespace nook::runtime
