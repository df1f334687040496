#include "lib/archive/decompress.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

namespace nook::archive {
namespace {

std::string sample(size_t size) {
  std::mt19937 rng(42);
  std::string text;
  text.reserve(size);
  // Compressible but not trivial: words from a small alphabet.
  while (text.size() < size) text += "layer" + std::to_string(rng() % 1000) + (rng() % 7 == 0 ? "\n" : " ");
  text.resize(size);
  return text;
}

std::string gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_EQ(ZSTD_isError(n), 0u);
  out.resize(n);
  return out;
}

// Feeds `input` in chunks of `chunk` bytes and returns what came out.
Result<std::string> run(image::Compression kind, const std::string& input, size_t chunk) {
  std::string output;
  auto d = Decompressor::create(kind, [&](std::span<const char> bytes) -> Result<void> {
    output.append(bytes.data(), bytes.size());
    return {};
  });
  if (!d) return fail(d.error());
  for (size_t i = 0; i < input.size(); i += chunk) {
    NOOK_TRY_VOID(d->feed(std::span<const char>(input).subspan(i, std::min(chunk, input.size() - i))));
  }
  NOOK_TRY_VOID(d->finish());
  return output;
}

TEST(Decompress, GzipInAnyChunkSize) {
  std::string data = sample(1 << 20);
  std::string packed = gzip(data);
  for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{1}, size_t{7}}) {
    auto out = run(image::Compression::Gzip, packed, chunk);
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(*out, data) << "chunk " << chunk;
  }
}

TEST(Decompress, ZstdInAnyChunkSize) {
  std::string data = sample(1 << 20);
  std::string packed = zstd(data);
  for (size_t chunk : {size_t{1} << 20, size_t{4096}, size_t{13}}) {
    auto out = run(image::Compression::Zstd, packed, chunk);
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(*out, data) << "chunk " << chunk;
  }
}

TEST(Decompress, ZstdFramesThatFillTheOutputBufferExactly) {
  // 256 KiB is the decoder's output buffer: a frame ending exactly at its end must still count as
  // complete, and a second frame after it must decode too.
  std::string a = sample(256 * 1024), b = sample(512 * 1024);
  for (const std::string& packed : {zstd(a), zstd(a) + zstd(b)}) {
    auto out = run(image::Compression::Zstd, packed, packed.size());
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(out->size(), packed.size() == zstd(a).size() ? a.size() : a.size() + b.size());
  }
}

TEST(Decompress, NonePassesThrough) {
  auto out = run(image::Compression::None, "plain tar bytes", 3);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, "plain tar bytes");
}

TEST(Decompress, GzipMultipleMembersAndZeroPadding) {
  std::string a = sample(10000), b = sample(5000);
  std::string packed = gzip(a) + gzip(b) + std::string(512, '\0');
  auto out = run(image::Compression::Gzip, packed, 100);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out, a + b);
}

TEST(Decompress, TruncatedStreamsFail) {
  std::string data = sample(100000);
  std::string g = gzip(data);
  auto gz = run(image::Compression::Gzip, g.substr(0, g.size() / 2), 4096);
  ASSERT_FALSE(gz);
  EXPECT_EQ(gz.error().kind(), ErrorKind::Corrupt);
  EXPECT_EQ(gz.error().message(), "gzip: unexpected end of data");
  std::string z = zstd(data);
  auto zs = run(image::Compression::Zstd, z.substr(0, z.size() / 2), 4096);
  ASSERT_FALSE(zs);
  EXPECT_EQ(zs.error().message(), "zstd: unexpected end of data");
  auto empty = run(image::Compression::Gzip, "", 1);
  EXPECT_FALSE(empty);
}

TEST(Decompress, GarbageFails) {
  auto gz = run(image::Compression::Gzip, "this is not gzip at all", 5);
  ASSERT_FALSE(gz);
  EXPECT_EQ(gz.error().kind(), ErrorKind::Corrupt);
  EXPECT_TRUE(gz.error().message().starts_with("gzip: ")) << gz.error().message();
  auto zs = run(image::Compression::Zstd, "this is not zstd at all", 5);
  ASSERT_FALSE(zs);
  EXPECT_TRUE(zs.error().message().starts_with("zstd: ")) << zs.error().message();
  std::string g = gzip("hello");
  auto trailing = run(image::Compression::Gzip, g + "junk", 100);
  EXPECT_FALSE(trailing);
}

TEST(Decompress, SinkErrorStopsTheStream) {
  std::string packed = gzip(sample(1 << 20));
  int calls = 0;
  auto d = Decompressor::create(image::Compression::Gzip, [&](std::span<const char>) -> Result<void> {
    ++calls;
    return fail(ErrorKind::System, "write: broken pipe");
  });
  ASSERT_TRUE(d);
  auto r = d->feed(packed);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "write: broken pipe");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace nook::archive
