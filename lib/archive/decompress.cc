// Streaming gzip (ISA-L's igzip, else zlib) and zstd decoding for the pull pipeline; see
// decompress.h.
#include "lib/archive/decompress.h"

#include <fmt/format.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "lib/archive/isal_api.h"

namespace nook::archive {

namespace {

constexpr size_t kOutputBuffer = 256 * 1024;
// FEXTRA holds at most 65535 bytes; file names and comments have no limit but a sane one.
constexpr size_t kMaxGzipHeader = 1 << 20;

}  // namespace

Result<size_t> gzip_header_length(std::string_view bytes) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(bytes[i]); };
  if (bytes.size() >= 1 && byte(0) != 0x1f) return fail(ErrorKind::Corrupt, "gzip: incorrect header check");
  if (bytes.size() >= 2 && byte(1) != 0x8b) return fail(ErrorKind::Corrupt, "gzip: incorrect header check");
  if (bytes.size() >= 3 && byte(2) != 8) return fail(ErrorKind::Corrupt, "gzip: unknown compression method");
  if (bytes.size() >= 4 && (byte(3) & 0xe0) != 0) return fail(ErrorKind::Corrupt, "gzip: unknown header flags set");
  if (bytes.size() < 10) return size_t{0};
  unsigned flags = byte(3);
  size_t at = 10;
  if (flags & 0x04) {  // FEXTRA: a little-endian length, then that many bytes
    if (bytes.size() < at + 2) return size_t{0};
    at += 2 + (byte(at) | (byte(at + 1) << 8));
  }
  for (unsigned field : {0x08u, 0x10u}) {  // FNAME, FCOMMENT: zero-terminated
    if (!(flags & field)) continue;
    if (at >= bytes.size()) return size_t{0};
    size_t end = bytes.find('\0', at);
    if (end == std::string_view::npos) return size_t{0};
    at = end + 1;
  }
  if (flags & 0x02) at += 2;  // FHCRC
  return bytes.size() >= at ? at : size_t{0};
}

struct Decompressor::Impl {
  image::Compression compression;
  ChunkSink sink;
  std::vector<char> out = std::vector<char>(kOutputBuffer);
  // gzip: igzip when `isal` is set, else zlib
  const IsalApi* isal = nullptr;
  std::unique_ptr<inflate_state> is;
  bool in_header = false;  // igzip: reading a member's header (kept in `header` until complete)
  std::string header;
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
      if (isal != nullptr) {
        is = std::make_unique<inflate_state>();
        isal->inflate_init(is.get());
        is->crc_flag = ISAL_GZIP_NO_HDR_VER;  // deflate data, then the trailer's CRC and size checked
        in_header = true;
        return {};
      }
      if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return fail(ErrorKind::Internal, "gzip: cannot initialize zlib");
      zs_ready = true;
    } else if (compression == image::Compression::Zstd) {
      zstd = ZSTD_createDCtx();
      if (zstd == nullptr) return fail(ErrorKind::Internal, "zstd: cannot create a decompression context");
    }
    return {};
  }

  // Between members: zeros are padding, anything else starts another member (its header is
  // checked when read). Skips the padding at `offset`; true when a new member starts there.
  bool at_next_member(std::span<const char> input, size_t& offset) {
    while (offset < input.size() && input[offset] == 0) ++offset;
    return offset < input.size();
  }

  // igzip decodes the deflate data and checks the trailer (ISAL_GZIP_NO_HDR_VER); nook reads
  // each member's header itself: ISA-L 2.30's own header reader loses track of a file name or
  // comment split across calls.
  Result<void> feed_igzip(std::span<const char> input) {
    size_t offset = 0;
    while (offset < input.size()) {
      if (member_ended) {
        if (!at_next_member(input, offset)) break;
        isal->inflate_reset(is.get());
        is->crc_flag = ISAL_GZIP_NO_HDR_VER;
        member_ended = false;
        in_header = true;
      }
      if (in_header) {
        size_t had = header.size();
        header.append(input.data() + offset, input.size() - offset);
        size_t length = NOOK_TRY(gzip_header_length(header));
        if (length == 0) {
          if (header.size() > kMaxGzipHeader) return fail(ErrorKind::Corrupt, "gzip: header too long");
          return {};  // the rest of the header comes with the next input
        }
        offset += length - had;
        header.clear();
        in_header = false;
        any_member = true;
        if (offset == input.size()) break;
      }
      is->next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(input.data() + offset));
      is->avail_in = static_cast<uint32_t>(std::min<size_t>(input.size() - offset, 1u << 30));
      uint32_t before = is->avail_in;
      for (;;) {
        is->next_out = reinterpret_cast<uint8_t*>(out.data());
        is->avail_out = static_cast<uint32_t>(out.size());
        int rc = isal->inflate(is.get());
        if (rc < 0 || rc == ISAL_NEED_DICT) return fail(ErrorKind::Corrupt, fmt::format("gzip: {}", isal_error_text(rc)));
        size_t produced = out.size() - is->avail_out;
        if (produced > 0) NOOK_TRY_VOID(sink(std::span<const char>(out.data(), produced)));
        if (is->block_state == ISAL_BLOCK_FINISH) break;
        // Input used up and room left in the output: the decoder holds nothing more for now.
        if (is->avail_in == 0 && produced < out.size()) break;
      }
      offset += before - is->avail_in;
      any_member = true;
      if (is->block_state == ISAL_BLOCK_FINISH) member_ended = true;
    }
    return {};
  }

  Result<void> feed_gzip(std::span<const char> input) {
    if (isal != nullptr) return feed_igzip(input);
    size_t offset = 0;
    while (offset < input.size()) {
      if (member_ended) {
        if (!at_next_member(input, offset)) break;
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

Result<Decompressor> Decompressor::create(image::Compression compression, ChunkSink sink, GzipDecoder gzip) {
  auto impl = std::make_unique<Impl>();
  impl->compression = compression;
  impl->sink = std::move(sink);
  if (compression == image::Compression::Gzip && gzip == GzipDecoder::Fastest) impl->isal = isal_api();
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
