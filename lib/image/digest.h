// Content digests ("sha256:<hex>") and a streaming verifier for blobs read from a registry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "lib/util/error.h"

// OpenSSL's context type, kept out of this header.
struct evp_md_ctx_st;

namespace nook::image {

struct Digest {
  std::string algorithm;  // "sha256" or "sha512"
  std::string hex;        // lower-case, 64 or 128 characters

  // "sha256:<hex>".
  std::string string() const;

  bool operator==(const Digest&) const = default;
};

// Parses "ALGORITHM:HEX". Only sha256 (64 lower-case hex digits) and sha512 (128) are accepted; any
// other algorithm gives InvalidArgument "unsupported digest algorithm \"x\"", any other malformation
// InvalidArgument "invalid digest \"...\": ...".
[[nodiscard]] Result<Digest> parse_digest(std::string_view text);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// SHA-256 of a stream of bytes (a layer tar being written, a file being copied). Move-only.
class Sha256 {
 public:
  Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  ~Sha256();

  void update(const char* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The digest of everything fed so far; the hasher starts over afterwards.
  Digest finish();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

// Hashes a blob as it streams in and checks it against the digest and size the descriptor promised.
// Move-only; not thread-safe; owns an OpenSSL context (freed on destruction).
class DigestVerifier {
 public:
  // `expected_size` < 0 means the size is unknown and only the digest is checked. Fails with
  // InvalidArgument for an unsupported algorithm, Internal if OpenSSL cannot set up the hash.
  [[nodiscard]] static Result<DigestVerifier> create(const Digest& expected, int64_t expected_size);

  DigestVerifier(DigestVerifier&&) noexcept;
  DigestVerifier& operator=(DigestVerifier&&) noexcept;
  ~DigestVerifier();

  // Feeds bytes. Bytes past a known expected size are counted but not hashed; overflowed() turns true
  // so a caller can stop reading early, and finish() reports the size mismatch.
  void update(std::span<const std::byte> data);
  void update(const char* data, size_t size);

  // True once more bytes than the expected size arrived.
  bool overflowed() const { return overflowed_; }
  int64_t bytes_seen() const { return seen_; }

  // Checks the size, then the digest. Corrupt "size mismatch for sha256:...: expected N bytes, got M"
  // or "digest mismatch for sha256:...: got sha256:...". Call once; a second call gives Internal.
  [[nodiscard]] Result<void> finish();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };

  DigestVerifier(Digest expected, int64_t expected_size, std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx);

  Digest expected_;
  int64_t expected_size_;
  int64_t seen_ = 0;
  bool overflowed_ = false;
  bool finished_ = false;
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

}  // namespace nook::image
