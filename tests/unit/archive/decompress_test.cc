#include "lib/archive/decompress.h"

#include "lib/archive/isal_api.h"

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

// The gzip decoder the tests use: they run once with each (DecompressGzip below).
GzipDecoder g_gzip = GzipDecoder::Fastest;

// Feeds `input` in chunks of `chunk` bytes and returns what came out.
Result<std::string> run(image::Compression kind, const std::string& input, size_t chunk) {
  std::string output;
  auto d = Decompressor::create(
      kind,
      [&](std::span<const char> bytes) -> Result<void> {
        output.append(bytes.data(), bytes.size());
        return {};
      },
      g_gzip);
  if (!d) return fail(d.error());
  for (size_t i = 0; i < input.size(); i += chunk) {
    NOOK_TRY_VOID(d->feed(std::span<const char>(input).subspan(i, std::min(chunk, input.size() - i))));
  }
  NOOK_TRY_VOID(d->finish());
  return output;
}

// The gzip cases run with igzip (ISA-L, when libisal.so.2 loads) and with zlib.
class DecompressGzip : public ::testing::TestWithParam<GzipDecoder> {
 protected:
  void SetUp() override {
    g_gzip = GetParam();
    if (g_gzip == GzipDecoder::Fastest && isal_api() == nullptr) GTEST_SKIP() << "libisal.so.2 is not installed";
  }
  void TearDown() override { g_gzip = GzipDecoder::Fastest; }
};

INSTANTIATE_TEST_SUITE_P(Decoders, DecompressGzip, ::testing::Values(GzipDecoder::Fastest, GzipDecoder::Zlib),
                         [](const auto& info) { return info.param == GzipDecoder::Zlib ? "zlib" : "igzip"; });

TEST_P(DecompressGzip, GzipInAnyChunkSize) {
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

TEST_P(DecompressGzip, GzipMultipleMembersAndZeroPadding) {
  std::string a = sample(10000), b = sample(5000);
  std::string packed = gzip(a) + gzip(b) + std::string(512, '\0');
  auto out = run(image::Compression::Gzip, packed, 100);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out, a + b);
}

TEST_P(DecompressGzip, TruncatedStreamsFail) {
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

TEST_P(DecompressGzip, GarbageFails) {
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

TEST_P(DecompressGzip, SinkErrorStopsTheStream) {
  std::string packed = gzip(sample(1 << 20));
  int calls = 0;
  auto d = Decompressor::create(
      image::Compression::Gzip,
      [&](std::span<const char>) -> Result<void> {
        ++calls;
        return fail(ErrorKind::System, "write: broken pipe");
      },
      g_gzip);
  ASSERT_TRUE(d);
  auto r = d->feed(packed);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "write: broken pipe");
  EXPECT_EQ(calls, 1);
}

TEST_P(DecompressGzip, ACorruptChecksumOrLengthFails) {
  std::string data = sample(100000);
  std::string g = gzip(data);
  std::string bad_crc = g;
  bad_crc[g.size() - 8] ^= 0x55;  // the trailer: CRC32, then ISIZE
  auto crc = run(image::Compression::Gzip, bad_crc, 4096);
  ASSERT_FALSE(crc);
  EXPECT_EQ(crc.error().kind(), ErrorKind::Corrupt);
  std::string bad_size = g;
  bad_size[g.size() - 1] ^= 0x01;
  EXPECT_FALSE(run(image::Compression::Gzip, bad_size, 4096));
  std::string flipped = g;
  flipped[g.size() / 2] ^= 0xff;  // inside the deflate data
  EXPECT_FALSE(run(image::Compression::Gzip, flipped, 4096));
}

TEST_P(DecompressGzip, HeaderFieldsAndIncompressibleData) {
  // A header with a file name and comment (gzip FNAME/FCOMMENT), fed a byte at a time, and
  // random bytes (stored blocks).
  std::string name_header("\x1f\x8b\x08\x18\0\0\0\0\0\x03layer.tar\0a comment\0", 30);
  std::string plain = gzip("hello");
  std::string raw_deflate = plain.substr(10);  // after gzip()'s 10-byte header
  auto named = run(image::Compression::Gzip, name_header + raw_deflate, 1);
  ASSERT_TRUE(named) << named.error().message();
  EXPECT_EQ(*named, "hello");
  std::mt19937 rng(7);
  std::string noise(300000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  auto out = run(image::Compression::Gzip, gzip(noise), 65536);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out, noise);
}

TEST(GzipHeader, LengthsOfEveryOptionalField) {
  using namespace std::string_literals;
  std::string fixed = "\x1f\x8b\x08\x00\0\0\0\0\0\x03"s;
  EXPECT_EQ(*gzip_header_length(fixed), 10u);
  EXPECT_EQ(*gzip_header_length(fixed + "deflate data"), 10u);
  EXPECT_EQ(*gzip_header_length(fixed.substr(0, 9)), 0u) << "incomplete";
  std::string extra = "\x1f\x8b\x08\x04\0\0\0\0\0\x03\x03\x00" "abc"s;  // FEXTRA, 3 bytes
  EXPECT_EQ(*gzip_header_length(extra), 15u);
  EXPECT_EQ(*gzip_header_length(extra.substr(0, 14)), 0u);
  std::string all = "\x1f\x8b\x08\x1e\0\0\0\0\0\x03\x01\x00xname\0note\0\xab\xcd"s;  // every field
  EXPECT_EQ(*gzip_header_length(all), all.size());
  EXPECT_EQ(*gzip_header_length(all.substr(0, all.size() - 1)), 0u) << "FHCRC missing";
  EXPECT_EQ(*gzip_header_length(all.substr(0, 17)), 0u) << "inside the name";
  auto bad = gzip_header_length("\x1f\x8c"s);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "gzip: incorrect header check");
  EXPECT_FALSE(gzip_header_length("\x1f\x8b\x07"s)) << "not deflate";
  EXPECT_FALSE(gzip_header_length("\x1f\x8b\x08\x20"s)) << "a reserved flag";
  EXPECT_EQ(*gzip_header_length(""), 0u);
}

}  // namespace
}  // namespace nook::archive
