// Tar-split: what is needed to rebuild a layer's original tar stream byte for byte from its
// unpacked directory, so `push` and `save` produce the same uncompressed digest (the DiffID the
// image config names) without keeping the blob (containers/storage keeps tar-split for the same
// reason).
//
// While a layer is pulled, the uncompressed tar stream is fed to a TarSplitWriter (in chunks of
// any size, in order). It keeps every byte that is not regular-file content (header blocks, PAX
// and GNU long-name records, padding, the end-of-archive blocks and anything after them) and, for
// each regular file's content, only its entry path and length. The record is written compressed
// (zstd) to a file next to the layer's diff/ directory.
//
// rebuild_tar() reads the record and the files under the layer directory and emits the original
// stream. It checks each file's size against the record; the caller verifies the whole stream
// against the DiffID (a layer whose tar named the same path twice cannot be rebuilt and fails
// that check). Whiteout entries (".wh.*") carry no content, so their overlay form on disk does not
// matter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook::archive {

class TarSplitWriter {
 public:
  // Creates `path` (mode 0600, truncating); nothing is complete until finish().
  [[nodiscard]] static Result<TarSplitWriter> create(std::string_view path);
  TarSplitWriter(TarSplitWriter&&) noexcept;
  TarSplitWriter& operator=(TarSplitWriter&&) noexcept;
  ~TarSplitWriter();

  // Feeds the next bytes of the uncompressed tar stream. Corrupt when the stream is not a tar
  // archive (bad header checksum, bad size field).
  [[nodiscard]] Result<void> feed(std::span<const char> bytes);
  // Flushes and fsyncs the record; Corrupt if the stream ended inside an entry.
  [[nodiscard]] Result<void> finish();

 private:
  struct Impl;
  explicit TarSplitWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Rebuilds the tar stream of the layer whose record is `split_path` and whose files are under
// `layer_dir`, handing it to `sink` in order. NotFound/Corrupt naming the entry when a file is
// missing or its size differs from the record.
[[nodiscard]] Result<void> rebuild_tar(std::string_view split_path, std::string_view layer_dir,
                                       const std::function<Result<void>(std::span<const char>)>& sink);

}  // namespace nook::archive
