// Streaming decompression of layer blobs (gzip, zstd, or none), fed in chunks as they arrive.
//
// The pull pipeline decompresses itself (instead of letting libarchive do it) because it must
// see the uncompressed bytes anyway: their sha256 is the layer's DiffID, checked against the
// image config, and the tar-split record is cut from them. gzip may hold several members (pigz,
// concatenated streams): each is decoded in turn. Trailing zero bytes after the last gzip member
// are tolerated (some writers pad); anything else after the end is Corrupt.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "lib/image/manifest.h"
#include "lib/util/error.h"

namespace nook::archive {

// Receives decompressed bytes in order; an error aborts the stream with it.
using ChunkSink = std::function<Result<void>(std::span<const char>)>;

// Which gzip decoder: the fastest available (ISA-L's igzip when libisal.so.2 loads, isal_api.h),
// or zlib (for tests that compare the two).
enum class GzipDecoder { Fastest, Zlib };

class Decompressor {
 public:
  [[nodiscard]] static Result<Decompressor> create(image::Compression compression, ChunkSink sink,
                                                   GzipDecoder gzip = GzipDecoder::Fastest);
  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;
  ~Decompressor();

  // Decodes `input`, handing the output to the sink. Corrupt "gzip: ..." / "zstd: ..." on bad data.
  [[nodiscard]] Result<void> feed(std::span<const char> input);
  // Checks that the stream ended cleanly (Corrupt "...: unexpected end of data" otherwise).
  [[nodiscard]] Result<void> finish();

 private:
  struct Impl;
  explicit Decompressor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The length of the gzip member header at the start of `bytes` (RFC 1952: the fixed ten bytes,
// then FEXTRA, FNAME, FCOMMENT and FHCRC as the flags say); 0 when `bytes` ends before the header
// does. Corrupt for a wrong magic, method or reserved flag. Used with igzip, which is given the
// deflate data alone.
[[nodiscard]] Result<size_t> gzip_header_length(std::string_view bytes);

}  // namespace nook::archive
