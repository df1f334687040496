// Streaming gzip (zlib) and zstd decoding for the pull pipeline; see decompress.h.
#include "lib/archive/decompress.h"

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <vector>

namespace nook::archive {

namespace {

constexpr size_t kOutputBuffer = 256 * 1024;

}  // namespace

struct Decompressor::Impl {
  image::Compression compression;
  ChunkSink sink;
  std::vector<char> out = std::vector<char>(kOutputBuffer);
  // gzip
  z_stream zs{};
  bool zs_ready = false;
  bool member_ended = false;  // the last gzip member ended; only padding may follow
  bool any_member = false;
  // zstd
  ZSTD_DCtx* zstd = nullptr;
  bool frame_complete = false;  // the last zstd frame ended with nothing pending

  ~Impl() {
    if (zs_ready) inflateEnd(&zs);
    if (zstd != nullptr) ZSTD_freeDCtx(zstd);
  }

  Result<void> init() {
    if (compression == image::Compression::Gzip) {
      // 16 + MAX_WBITS: gzip wrapper only.
      if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return fail(ErrorKind::Internal, "gzip: cannot initialize zlib");
      zs_ready = true;
    } else if (compression == image::Compression::Zstd) {
      zstd = ZSTD_createDCtx();
      if (zstd == nullptr) return fail(ErrorKind::Internal, "zstd: cannot create a decompression context");
    }
    return {};
  }

  Result<void> feed_gzip(std::span<const char> input) {
    size_t offset = 0;
    while (offset < input.size()) {
      if (member_ended) {
        // Between members: a new gzip header (0x1f 0x8b) starts another member; zeros are padding.
        if (static_cast<unsigned char>(input[offset]) == 0) {
          ++offset;
          continue;
        }
        if (inflateReset(&zs) != Z_OK) return fail(ErrorKind::Corrupt, "gzip: cannot reset the stream");
        member_ended = false;
      }
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data() + offset));
      zs.avail_in = static_cast<uInt>(std::min<size_t>(input.size() - offset, 1u << 30));
      size_t before = zs.avail_in;
      int rc = Z_OK;
      do {
        zs.next_out = reinterpret_cast<Bytef*>(out.data());
        zs.avail_out = static_cast<uInt>(out.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
          return fail(ErrorKind::Corrupt, fmt::format("gzip: {}", zs.msg != nullptr ? zs.msg : "invalid data"));
        }
        size_t produced = out.size() - zs.avail_out;
        if (produced > 0) NOOK_TRY_VOID(sink(std::span<const char>(out.data(), produced)));
        if (rc == Z_STREAM_END) break;
      } while (zs.avail_in > 0 || zs.avail_out == 0);
      offset += before - zs.avail_in;
      any_member = true;
      if (rc == Z_STREAM_END) member_ended = true;
    }
    return {};
  }

  Result<void> feed_zstd(std::span<const char> input) {
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    // Keep calling while input remains or the last call filled the output buffer (the decoder
    // may hold more output than fitted).
    bool output_full = true;
    while (in.pos < in.size || output_full) {
      size_t consumed_before = in.pos;
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      size_t rc = ZSTD_decompressStream(zstd, &o, &in);
      if (ZSTD_isError(rc) != 0) return fail(ErrorKind::Corrupt, fmt::format("zstd: {}", ZSTD_getErrorName(rc)));
      if (o.pos > 0) NOOK_TRY_VOID(sink(std::span<const char>(out.data(), o.pos)));
      // 0 means a frame just ended and everything is flushed; a call that neither consumes nor
      // produces anything afterwards (it would report the next frame's header size) changes
      // nothing.
      if (rc == 0) {
        frame_complete = true;
      } else if (in.pos > consumed_before || o.pos > 0) {
        frame_complete = false;
      }
      output_full = o.pos == o.size;
    }
    return {};
  }
};

Decompressor::Decompressor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;
Decompressor::~Decompressor() = default;

Result<Decompressor> Decompressor::create(image::Compression compression, ChunkSink sink) {
  auto impl = std::make_unique<Impl>();
  impl->compression = compression;
  impl->sink = std::move(sink);
  NOOK_TRY_VOID(impl->init());
  return Decompressor(std::move(impl));
}

Result<void> Decompressor::feed(std::span<const char> input) {
  if (input.empty()) return {};
  switch (impl_->compression) {
    case image::Compression::None:
      return impl_->sink(input);
    case image::Compression::Gzip:
      return impl_->feed_gzip(input);
    case image::Compression::Zstd:
      return impl_->feed_zstd(input);
  }
  return fail(ErrorKind::Internal, "unknown compression");
}

Result<void> Decompressor::finish() {
  switch (impl_->compression) {
    case image::Compression::None:
      return {};
    case image::Compression::Gzip:
      if (!impl_->member_ended) return fail(ErrorKind::Corrupt, "gzip: unexpected end of data");
      return {};
    case image::Compression::Zstd:
      if (!impl_->frame_complete) return fail(ErrorKind::Corrupt, "zstd: unexpected end of data");
      return {};
  }
  return fail(ErrorKind::Internal, "unknown compression");
}

}  // namespace nook::archive
