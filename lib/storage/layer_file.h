// Reading one file of an image out of its stack of unpacked layers, without mounting them.
//
// `create` needs the image's /etc/passwd and /etc/group before the container has ever run; an
// overlay mount just to read two files costs a mount, an unmount and the sync overlayfs does when
// its last mount goes. The layers are in overlay's own form (lib/archive/extract.h): a whiteout is
// a character device 0/0 (or, in the xwhiteout form, an empty regular file with an xattr), an
// opaque directory carries "user.overlay.opaque" or "trusted.overlay.opaque" = "y". The lookup
// answers only where overlayfs' answer is certain from that form; a symlink on the way, an empty
// file (possibly an xwhiteout) or any other unusual entry answers NeedsMount, and the caller reads
// through a real mount as before.
#pragma once

#include <sys/stat.h>

#include <span>
#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook::storage {

struct LayerFile {
  enum class Kind {
    Found,       // `content` holds the file
    Absent,      // the merged tree has no such file
    NeedsMount,  // not decidable without overlayfs itself
  };
  Kind kind = Kind::Absent;
  std::string content;
};

// Overlay's whiteout: a character device 0/0.
bool is_whiteout_device(const struct stat& st);

// `layer_dirs`: the layers' diff directories, topmost first (overlay's lowerdir order). `path` is
// relative to the root ("etc/passwd"; leading slashes are ignored, "." and ".." components give
// NeedsMount).
[[nodiscard]] Result<LayerFile> read_layer_file(std::span<const std::string> layer_dirs, std::string_view path);

}  // namespace nook::storage
