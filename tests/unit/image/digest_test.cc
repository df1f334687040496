#include "lib/image/digest.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nook::image {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kHello = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
constexpr std::string_view kEmpty512 =
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

Digest sha256(std::string_view hex) { return Digest{"sha256", std::string(hex)}; }

TEST(DigestTest, ParsesValid) {
  struct Case {
    std::string text;
    std::string algorithm;
  };
  std::vector<Case> cases = {
      {"sha256:" + std::string(kEmpty), "sha256"},
      {"sha512:" + std::string(kEmpty512), "sha512"},
  };
  for (const Case& c : cases) {
    Result<Digest> digest = parse_digest(c.text);
    ASSERT_TRUE(digest.has_value()) << c.text << ": " << digest.error().message();
    EXPECT_EQ(digest->algorithm, c.algorithm);
    EXPECT_EQ(digest->string(), c.text);
  }
}

TEST(DigestTest, RejectsInvalid) {
  struct Case {
    std::string text;
    std::string message;
  };
  std::string upper(kEmpty);
  upper[0] = 'E';
  std::vector<Case> cases = {
      {"", "invalid digest \"\": expected ALGORITHM:HEX"},
      {std::string(kEmpty), "expected ALGORITHM:HEX"},
      {":" + std::string(kEmpty), "expected ALGORITHM:HEX"},
      {"md5:d41d8cd98f00b204e9800998ecf8427e", "unsupported digest algorithm \"md5\""},
      {"SHA256:" + std::string(kEmpty), "unsupported digest algorithm \"SHA256\""},
      {"sha256:abc", "sha256 needs 64 hex digits, got 3"},
      {"sha256:", "sha256 needs 64 hex digits, got 0"},
      {"sha512:" + std::string(kEmpty), "sha512 needs 128 hex digits, got 64"},
      {"sha256:" + upper, "hex must be lower-case"},
      {"sha256:" + std::string(kEmpty.substr(0, 63)) + "g", "hex must be lower-case"},
  };
  for (const Case& c : cases) {
    Result<Digest> digest = parse_digest(c.text);
    ASSERT_FALSE(digest.has_value()) << c.text;
    EXPECT_EQ(digest.error().kind(), ErrorKind::InvalidArgument) << c.text;
    EXPECT_THAT(digest.error().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(DigestTest, Sha256StreamsInPiecesAndStartsOver) {
  Sha256 hash;
  hash.update("hel");
  hash.update("", 0);
  hash.update("lo");
  EXPECT_EQ(hash.finish(), (Digest{"sha256", std::string(kHello)}));
  EXPECT_EQ(hash.finish(), (Digest{"sha256", std::string(kEmpty)}));  // started over
  Sha256 moved = std::move(hash);
  moved.update("hello");
  EXPECT_EQ(moved.finish().hex, kHello);
}

TEST(DigestTest, Sha256Hex) {
  EXPECT_EQ(sha256_hex(""), kEmpty);
  EXPECT_EQ(sha256_hex("hello"), kHello);
}

// Feeds `data` in pieces of `chunk` bytes.
Result<void> verify(const Digest& digest, int64_t size, std::string_view data, size_t chunk = 2) {
  Result<DigestVerifier> verifier = DigestVerifier::create(digest, size);
  if (!verifier) return fail(verifier.error());
  for (size_t at = 0; at < data.size(); at += chunk) {
    std::string_view piece = data.substr(at, chunk);
    verifier->update(std::as_bytes(std::span(piece.data(), piece.size())));
  }
  return verifier->finish();
}

TEST(DigestVerifierTest, Table) {
  struct Case {
    std::string name;
    Digest digest;
    int64_t size;
    std::string data;
    std::string error;  // empty: success
  };
  std::string hello_ref = "sha256:" + std::string(kHello);
  std::vector<Case> cases = {
      {"empty", sha256(kEmpty), 0, "", ""},
      {"hello", sha256(kHello), 5, "hello", ""},
      {"unknown size", sha256(kHello), -1, "hello", ""},
      {"sha512 empty", Digest{"sha512", std::string(kEmpty512)}, 0, "", ""},
      {"wrong data", sha256(kHello), 5, "hellO",
       "digest mismatch for " + hello_ref + ": got sha256:" + sha256_hex("hellO")},
      {"wrong data unknown size", sha256(kHello), -1, "hell",
       "digest mismatch for " + hello_ref + ": got sha256:" + sha256_hex("hell")},
      {"short", sha256(kHello), 5, "hell", "size mismatch for " + hello_ref + ": expected 5 bytes, got 4"},
      {"too much", sha256(kHello), 5, "hello!", "size mismatch for " + hello_ref + ": expected 5 bytes, got 6"},
  };
  for (const Case& c : cases) {
    for (size_t chunk : {size_t{1}, size_t{2}, size_t{100}}) {
      Result<void> result = verify(c.digest, c.size, c.data, chunk);
      if (c.error.empty()) {
        EXPECT_TRUE(result.has_value()) << c.name << ": " << result.error().message();
      } else {
        ASSERT_FALSE(result.has_value()) << c.name;
        EXPECT_EQ(result.error().kind(), ErrorKind::Corrupt) << c.name;
        EXPECT_EQ(result.error().message(), c.error) << c.name;
      }
    }
  }
}

TEST(DigestVerifierTest, OverflowIsVisibleBeforeFinish) {
  Result<DigestVerifier> verifier = DigestVerifier::create(sha256(kHello), 5);
  ASSERT_TRUE(verifier.has_value());
  verifier->update("hello", 5);
  EXPECT_FALSE(verifier->overflowed());
  verifier->update("x", 1);
  EXPECT_TRUE(verifier->overflowed());
  EXPECT_EQ(verifier->bytes_seen(), 6);
  EXPECT_FALSE(verifier->finish().has_value());
}

TEST(DigestVerifierTest, FinishTwiceIsInternal) {
  Result<DigestVerifier> verifier = DigestVerifier::create(sha256(kEmpty), 0);
  ASSERT_TRUE(verifier.has_value());
  EXPECT_TRUE(verifier->finish().has_value());
  Result<void> again = verifier->finish();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind(), ErrorKind::Internal);
}

TEST(DigestVerifierTest, MovedVerifierKeepsState) {
  Result<DigestVerifier> verifier = DigestVerifier::create(sha256(kHello), 5);
  ASSERT_TRUE(verifier.has_value());
  verifier->update("he", 2);
  DigestVerifier moved = std::move(*verifier);
  moved.update("llo", 3);
  EXPECT_TRUE(moved.finish().has_value());
}

TEST(DigestVerifierTest, UnsupportedAlgorithm) {
  Result<DigestVerifier> verifier = DigestVerifier::create(Digest{"md5", "00"}, -1);
  ASSERT_FALSE(verifier.has_value());
  EXPECT_EQ(verifier.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(verifier.error().message(), "unsupported digest algorithm \"md5\"");
}

}  // namespace
}  // namespace nook::image
