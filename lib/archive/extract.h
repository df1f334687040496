// Extracting one image layer (a tar stream, plain or gzip/zstd/... compressed) into a directory,
// safely, with OCI whiteouts converted to their overlayfs form.
//
// Safety: every entry is created relative to a descriptor of the target directory; parent
// directories are resolved with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), falling back to a
// component-by-component walk with O_NOFOLLOW. A leading "/" and "./" are stripped as tar does;
// ".." components are resolved lexically and an entry that would leave the target is rejected
// (kind Corrupt, naming the entry), as is an entry whose parent path goes through a symlink or a
// non-directory, and a hard link whose target leaves the layer, goes through a symlink or was not
// extracted yet. Symlinks are created as they are (absolute targets included) and never followed.
//
// Whiteouts (whiteouts_as_overlay): ".wh.NAME" becomes a character device 0/0 named NAME. When
// mknod(2) is refused (EPERM: an unprivileged user outside a user namespace), the fallback is the
// overlayfs "xwhiteout" form (Linux 6.7+): an empty regular file NAME (mode 0) with the xattr
// "<prefix>.overlay.whiteout" and its parent directory marked with "<prefix>.overlay.whiteouts",
// where <prefix> is "user" rootless (overlay mounted with userxattr) and "trusted" otherwise.
// ".wh..wh..opq" sets "trusted.overlay.opaque=y" (root) or "user.overlay.opaque=y" (rootless) on
// the parent directory. Without whiteouts_as_overlay (vfs), ".wh.NAME" deletes NAME in the target
// and ".wh..wh..opq" empties its directory except for what this layer itself created.
//
// Metadata: modes (setuid/setgid/sticky included, applied after chown), ownership when
// keep_ownership (a refused chown is an error then), mtimes (directories' modes and mtimes are set
// at the end, after their content), PAX SCHILY.xattr extended attributes (security.* and
// trusted.* are skipped without error when rootless). Character and block devices are created as
// root and skipped (counted in skipped_devices) rootless, except the 0/0 whiteout device; fifos
// are created in both modes; sockets are skipped. An existing file where an entry is written is
// replaced; a directory entry for an existing directory only updates its metadata.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::archive {

struct ExtractOptions {
  bool rootless = false;
  // false: vfs semantics, whiteouts are applied by deleting in the target.
  bool whiteouts_as_overlay = true;
  bool keep_ownership = true;
};

struct ExtractStats {
  int64_t files = 0;
  int64_t dirs = 0;
  int64_t symlinks = 0;
  int64_t hardlinks = 0;
  int64_t whiteouts = 0;         // ".wh.NAME" and ".wh..wh..opq" entries applied
  int64_t bytes = 0;             // regular-file content written
  int64_t skipped_devices = 0;   // char/block devices (and sockets) not created
};

// How extract_layer places an entry: the path split into components, a leading "/" and "."
// components dropped, ".." resolved lexically. False when ".." would leave the layer directory
// (`components` is then incomplete). Pure.
bool split_entry_path(std::string_view path, std::vector<std::string>& components);

// Reads the layer from `input_fd` (borrowed, read to EOF) and extracts it into `target_dir`,
// which must exist (normally empty; in vfs mode it holds the lower layers). libarchive is loaded
// on the first call (libarchive_api.h): Unsupported when it cannot be.
[[nodiscard]] Result<ExtractStats> extract_layer(int input_fd, std::string_view target_dir,
                                                 const ExtractOptions& options);

// The same from a buffer in memory (tests, small layers).
[[nodiscard]] Result<ExtractStats> extract_layer_memory(std::string_view data,
                                                        std::string_view target_dir,
                                                        const ExtractOptions& options);

}  // namespace nook::archive
