// Writing a directory tree as a tar stream (the other direction of extract.h): `cp` out of and
// into containers, `export`, and the layer `commit` makes of a container's upper directory.
//
// Entries are read relative to descriptors with O_NOFOLLOW, so a symlink in the tree is stored as
// a symlink and never followed. Names are sorted (byte order) within each directory, so the same
// tree gives the same stream. Regular files with several links become one file entry and hard
// link entries naming it. Sockets are skipped. Extended attributes are kept except overlayfs'
// own ("trusted.overlay.*", "user.overlay.*").
//
// With overlay_whiteouts (a container's upper directory), overlayfs' whiteouts become the OCI
// form extract.h reads back: a 0/0 character device or an "xwhiteout" file (an empty file with
// "<prefix>.overlay.whiteout") named NAME becomes an empty file ".wh.NAME", and a directory with
// "<prefix>.overlay.opaque" = "y" gets a ".wh..wh..opq" entry after its own entry.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook::archive {

using TarSink = std::function<Result<void>(std::span<const char>)>;

struct TreeTarOptions {
  bool overlay_whiteouts = false;
  // Ownership written for every entry instead of the files' own (cp's --archive to a user).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

// What an overlay upper directory entry is, for overlay_whiteouts. Pure.
enum class OverlayKind { Plain, Whiteout, OpaqueDir };
// `is_char_dev_0_0`: a character device with rdev 0; `whiteout_xattr`: the entry has
// "<prefix>.overlay.whiteout"; `opaque_value`: the value of "<prefix>.overlay.opaque" on a
// directory, if any ("y" is opaque; "x" only marks a directory holding xwhiteouts).
OverlayKind classify_overlay_entry(bool is_dir, bool is_char_dev_0_0, bool whiteout_xattr,
                                   const std::optional<std::string>& opaque_value);
// The OCI whiteout name for an overlay whiteout named `name` (".wh." + name). Pure.
std::string whiteout_name(std::string_view name);

class TarWriter {
 public:
  // libarchive is loaded on first use (Unsupported when it cannot be). The stream is PAX tar.
  [[nodiscard]] static Result<TarWriter> create(TarSink sink);
  TarWriter(TarWriter&&) noexcept;
  TarWriter& operator=(TarWriter&&) noexcept;
  ~TarWriter();

  // Adds `path` (relative to `dirfd`; its last component not followed) under the archive name
  // `name` and, for a directory, everything below it as `name/...`.
  [[nodiscard]] Result<void> add_tree(int dirfd, std::string_view path, std::string_view name,
                                      const TreeTarOptions& options);
  // Adds what `fd` refers to (a descriptor, O_PATH is enough: symlinks were already followed)
  // as `name`, and for a directory everything below it.
  [[nodiscard]] Result<void> add_fd(int fd, std::string_view name, const TreeTarOptions& options);
  // Adds what the directory `dirfd` holds (not the directory itself), names relative to it,
  // each under `prefix` ("" for the top of the archive, else "dir/").
  [[nodiscard]] Result<void> add_contents(int dirfd, std::string_view prefix, const TreeTarOptions& options);
  // Writes the end-of-archive blocks.
  [[nodiscard]] Result<void> finish();

 private:
  struct Impl;
  explicit TarWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nook::archive
