#include "lib/image/digest.h"

#include <array>
#include <cstdlib>
#include <mutex>
#include <utility>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "lib/sys/dynlib.h"
#include "lib/util/log.h"

namespace nook::image {

namespace {

// libcrypto is loaded on first use, as libcurl and libarchive are: linked normally, its ~1,200
// symbol relocations and ~17,000 relative ones cost every nook command, `ps` and the container
// monitor included, about a millisecond in the dynamic loader, though only image commands hash.
constexpr const char* kCryptoLibrary = "libcrypto.so.3";

#define NOOK_CRYPTO_FUNCTIONS(X) \
  X(EVP_MD_CTX_new)              \
  X(EVP_MD_CTX_free)             \
  X(EVP_DigestInit_ex)           \
  X(EVP_DigestUpdate)            \
  X(EVP_DigestFinal_ex)          \
  X(EVP_Digest)                  \
  X(EVP_sha256)                  \
  X(EVP_sha512)

struct CryptoApi {
#define NOOK_CRYPTO_MEMBER(name) decltype(&::name) name = nullptr;
  NOOK_CRYPTO_FUNCTIONS(NOOK_CRYPTO_MEMBER)
#undef NOOK_CRYPTO_MEMBER
};

Result<CryptoApi> load_crypto_api() {
  return sys::load_library_api<CryptoApi>(kCryptoLibrary, [](void* handle, CryptoApi& api) {
    bool complete = true;
#define NOOK_CRYPTO_RESOLVE(name) complete = complete && sys::resolve_symbol(handle, #name, api.name);
    NOOK_CRYPTO_FUNCTIONS(NOOK_CRYPTO_RESOLVE)
#undef NOOK_CRYPTO_RESOLVE
    return complete;
  });
}

// The loaded table. libcrypto is a dependency of the package (libcurl needs it too), so a missing
// or incomplete one is a broken installation: hashing cannot go on, and nook stops with the reason
// rather than compute a wrong digest.
const CryptoApi& crypto() {
  static std::once_flag once;
  static CryptoApi api;
  std::call_once(once, [] {
    Result<CryptoApi> loaded = load_crypto_api();
    if (!loaded) {
      NOOK_ERROR(Image, "{} (nook needs OpenSSL's libcrypto to compute digests)", loaded.error().message());
      std::abort();
    }
    api = *loaded;
    NOOK_DEBUG(Image, "loaded {}", kCryptoLibrary);
  });
  return api;
}

// Hex length of an algorithm's digest, 0 if nook does not support the algorithm.
size_t hex_length(std::string_view algorithm) {
  if (algorithm == "sha256") return 64;
  if (algorithm == "sha512") return 128;
  return 0;
}

const EVP_MD* evp_md_for(std::string_view algorithm) {
  if (algorithm == "sha256") return crypto().EVP_sha256();
  if (algorithm == "sha512") return crypto().EVP_sha512();
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
  const CryptoApi& api = crypto();
  api.EVP_Digest(data.data(), data.size(), out.data(), &size, api.EVP_sha256(), nullptr);
  return to_hex(out.data(), size);
}

void Sha256::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { crypto().EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(crypto().EVP_MD_CTX_new()) {
  crypto().EVP_DigestInit_ex(ctx_.get(), crypto().EVP_sha256(), nullptr);
}
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
Sha256::~Sha256() = default;

void Sha256::update(const char* data, size_t size) {
  if (size > 0) crypto().EVP_DigestUpdate(ctx_.get(), data, size);
}

Digest Sha256::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  const CryptoApi& api = crypto();
  api.EVP_DigestFinal_ex(ctx_.get(), out.data(), &size);
  api.EVP_DigestInit_ex(ctx_.get(), api.EVP_sha256(), nullptr);
  return Digest{"sha256", to_hex(out.data(), size)};
}

void DigestVerifier::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { crypto().EVP_MD_CTX_free(ctx); }

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
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx(crypto().EVP_MD_CTX_new());
  if (!ctx || crypto().EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) {
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
  if (hashed > 0) crypto().EVP_DigestUpdate(ctx_.get(), data, hashed);
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
  if (crypto().EVP_DigestFinal_ex(ctx_.get(), out.data(), &size) != 1) {
    return fail(ErrorKind::Internal, fmt::format("finishing {} hash", expected_.algorithm));
  }
  Digest got{expected_.algorithm, to_hex(out.data(), size)};
  if (got != expected_) {
    return fail(ErrorKind::Corrupt, fmt::format("digest mismatch for {}: got {}", expected_.string(), got.string()));
  }
  return {};
}

}  // namespace nook::image
