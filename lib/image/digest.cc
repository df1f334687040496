#include "lib/image/digest.h"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <openssl/evp.h>

namespace nook::image {

namespace {

// Hex length of an algorithm's digest, 0 if nook does not support the algorithm.
size_t hex_length(std::string_view algorithm) {
  if (algorithm == "sha256") return 64;
  if (algorithm == "sha512") return 128;
  return 0;
}

const EVP_MD* evp_md_for(std::string_view algorithm) {
  if (algorithm == "sha256") return EVP_sha256();
  if (algorithm == "sha512") return EVP_sha512();
  return nullptr;
}

std::string to_hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string Digest::string() const { return algorithm + ":" + hex; }

Result<Digest> parse_digest(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid digest \"{}\": expected ALGORITHM:HEX", text));
  }
  std::string_view algorithm = text.substr(0, colon);
  std::string_view hex = text.substr(colon + 1);
  size_t want = hex_length(algorithm);
  if (want == 0) {
    return fail(ErrorKind::InvalidArgument, fmt::format("unsupported digest algorithm \"{}\"", algorithm));
  }
  if (hex.size() != want) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid digest \"{}\": {} needs {} hex digits, got {}",
                                                        text, algorithm, want, hex.size()));
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("invalid digest \"{}\": hex must be lower-case [0-9a-f]", text));
    }
  }
  return Digest{std::string(algorithm), std::string(hex)};
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr);
  return to_hex(out.data(), size);
}

void Sha256::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
Sha256::~Sha256() = default;

void Sha256::update(const char* data, size_t size) {
  if (size > 0) EVP_DigestUpdate(ctx_.get(), data, size);
}

Digest Sha256::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx_.get(), out.data(), &size);
  EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  return Digest{"sha256", to_hex(out.data(), size)};
}

void DigestVerifier::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

DigestVerifier::DigestVerifier(Digest expected, int64_t expected_size, std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx)
    : expected_(std::move(expected)), expected_size_(expected_size), ctx_(std::move(ctx)) {}

DigestVerifier::DigestVerifier(DigestVerifier&&) noexcept = default;
DigestVerifier& DigestVerifier::operator=(DigestVerifier&&) noexcept = default;
DigestVerifier::~DigestVerifier() = default;

Result<DigestVerifier> DigestVerifier::create(const Digest& expected, int64_t expected_size) {
  const EVP_MD* md = evp_md_for(expected.algorithm);
  if (md == nullptr) {
    return fail(ErrorKind::InvalidArgument, fmt::format("unsupported digest algorithm \"{}\"", expected.algorithm));
  }
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
    return fail(ErrorKind::Internal, fmt::format("initializing {} hash", expected.algorithm));
  }
  return DigestVerifier(expected, expected_size, std::move(ctx));
}

void DigestVerifier::update(std::span<const std::byte> data) {
  update(reinterpret_cast<const char*>(data.data()), data.size());
}

void DigestVerifier::update(const char* data, size_t size) {
  if (finished_ || size == 0) return;
  size_t hashed = size;
  if (expected_size_ >= 0) {
    int64_t room = expected_size_ - seen_;
    if (room < 0) room = 0;
    if (static_cast<uint64_t>(size) > static_cast<uint64_t>(room)) {
      overflowed_ = true;
      hashed = static_cast<size_t>(room);
    }
  }
  seen_ += static_cast<int64_t>(size);
  if (hashed > 0) EVP_DigestUpdate(ctx_.get(), data, hashed);
}

Result<void> DigestVerifier::finish() {
  if (finished_) return fail(ErrorKind::Internal, "digest verifier finished twice");
  finished_ = true;
  if (expected_size_ >= 0 && seen_ != expected_size_) {
    return fail(ErrorKind::Corrupt, fmt::format("size mismatch for {}: expected {} bytes, got {}",
                                                expected_.string(), expected_size_, seen_));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &size) != 1) {
    return fail(ErrorKind::Internal, fmt::format("finishing {} hash", expected_.algorithm));
  }
  Digest got{expected_.algorithm, to_hex(out.data(), size)};
  if (got != expected_) {
    return fail(ErrorKind::Corrupt, fmt::format("digest mismatch for {}: got {}", expected_.string(), got.string()));
  }
  return {};
}

}  // namespace nook::image
