// A distribution-spec v2 registry client over libcurl: manifests, blobs, uploads, tags, login.
//
// One Client talks to one registry host (after registries.conf rewriting: the caller chooses the
// endpoint). It is safe to call from several threads at once: each request uses its own curl easy
// handle; connections, DNS and TLS sessions are shared through a curl share handle, and the
// bearer-token cache is guarded by a mutex. Create it after the rootless user-namespace entry
// (curl may start resolver threads).
//
// Authentication (distribution token spec): a request answered 401 with
// `WWW-Authenticate: Bearer realm=...,service=...,scope=...` fetches a token from the realm (with
// basic credentials when the client has some, anonymously otherwise; an identity token is sent as
// an OAuth2 refresh_token POST), caches it per scope until it expires, and retries once. `Basic`
// challenges are answered with the credentials. A 401 after that is ErrorKind::Permission
// ("authentication required" / "invalid username/password"); 403 likewise.
//
// Transport: `https://` unless the endpoint is insecure, in which case https is tried first and a
// TLS handshake failure or a plain-HTTP answer falls back to `http://` (podman's behaviour for
// `insecure = true` and `--tls-verify=false`; --tls-verify=false also skips certificate checks).
// CA certificates, client certificates (`*.cert` + `*.key`) come from the certs.d directories of
// the host (containers-certs.d(5)).
//
// Errors: Network for connection failures, timeouts and 5xx after the retries; NotFound for
// 404 / MANIFEST_UNKNOWN / BLOB_UNKNOWN / NAME_UNKNOWN ("manifest unknown", with the registry's
// message); Permission for 401/403; Corrupt for a body that fails its digest or size; every message
// names the URL's host and repository.
//
// Retries: transient failures (connection refused/reset, timeouts, HTTP 408/429/5xx) are retried
// up to `max_retries` times with exponential backoff (base `retry_delay`, doubled each time,
// honouring Retry-After up to 10 s). A blob download that breaks mid-stream resumes with
// `Range: bytes=N-` from the byte it stopped at, so the sink never sees a byte twice; a registry
// that ignores Range (answers 200) is read from the start again, skipping the bytes already
// delivered.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/auth.h"
#include "lib/image/digest.h"
#include "lib/util/error.h"

namespace nook::registry {

struct ClientOptions {
  // "127.0.0.1:5000", "quay.io", "docker.io" (requests go to registry-1.docker.io for docker.io).
  std::string host;
  // Plain HTTP allowed and certificate verification off (registries.conf insecure, or
  // --tls-verify=false).
  bool insecure = false;
  // Directories searched for ca.crt / *.crt, and client *.cert + *.key pairs, in order:
  // normally <dir>/<host> for each certs.d root (--cert-dir replaces them).
  std::vector<std::string> cert_dirs;
  // Credentials for this registry (empty username and token = anonymous).
  config::Credentials credentials;
  std::string user_agent = "nook/" NOOK_VERSION;
  int max_retries = 3;
  std::chrono::milliseconds retry_delay{200};
  std::chrono::seconds connect_timeout{30};
  // A transfer slower than 1 byte/s over this long is aborted and retried (curl's LOW_SPEED).
  std::chrono::seconds stall_timeout{60};
};

struct ManifestResponse {
  std::string bytes;
  std::string content_type;  // without parameters
  image::Digest digest;      // sha256 of the bytes (checked against Docker-Content-Digest when sent)
};

// Called while a blob streams: bytes delivered so far and the expected total (-1 unknown).
using ProgressFn = std::function<void(int64_t done, int64_t total)>;
// Receives verified-so-far bytes in order; returning an error aborts the download with it.
using SinkFn = std::function<Result<void>(std::span<const char> bytes)>;
// Supplies upload bytes: fills `buffer` and returns how many were written, 0 at the end.
using SourceFn = std::function<Result<size_t>(std::span<char> buffer)>;

class Client {
 public:
  // Loads libcurl on first use (lib/registry/curl_api.h): Unsupported when it cannot be loaded.
  [[nodiscard]] static Result<Client> create(ClientOptions options);
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  const std::string& host() const;

  // GET /v2/ with the credentials (a bearer challenge is answered with a token for no scope).
  // For `login`: Permission with "invalid username/password" when the registry refuses them.
  [[nodiscard]] Result<void> check_auth();

  // GET /v2/<repository>/manifests/<reference> (a tag or "sha256:..."). `accept` lists the media
  // types offered (every manifest and index type nook parses when empty). For a digest reference
  // the bytes are verified against it (Corrupt otherwise). A body over 4 MiB is Corrupt.
  [[nodiscard]] Result<ManifestResponse> get_manifest(std::string_view repository, std::string_view reference,
                                                      const std::vector<std::string>& accept = {});

  // HEAD of a manifest: its digest and media type, nullopt when the registry answers 404.
  [[nodiscard]] Result<std::optional<ManifestResponse>> head_manifest(std::string_view repository,
                                                                      std::string_view reference);

  // GET /v2/<repository>/blobs/<digest>, streamed into `sink` while the digest and size are checked;
  // `size` < 0 when unknown. Following redirects (to storage backends) without sending the
  // Authorization header there. Retries and resumes as described above. On success every byte was
  // delivered once and the digest matched; on a mismatch the error is Corrupt and the caller must
  // discard what the sink received.
  [[nodiscard]] Result<void> fetch_blob(std::string_view repository, const image::Digest& digest, int64_t size,
                                        const SinkFn& sink, const ProgressFn& progress = {});

  // The whole blob in memory (configs): fetch_blob with a limit of `max_size` bytes (Corrupt above).
  [[nodiscard]] Result<std::string> fetch_blob_bytes(std::string_view repository, const image::Digest& digest,
                                                     int64_t size, int64_t max_size = 64 << 20);

  // HEAD /v2/<repository>/blobs/<digest>: true when the registry has it.
  [[nodiscard]] Result<bool> blob_exists(std::string_view repository, const image::Digest& digest);

  // POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=<from_repository>: true when the
  // registry mounted it (201), false when it opened an upload instead (202; that upload is
  // cancelled).
  [[nodiscard]] Result<bool> mount_blob(std::string_view repository, const image::Digest& digest,
                                        std::string_view from_repository);

  // Uploads a blob: POST to start, then one PATCH streaming from `source` (chunked), then
  // PUT ?digest=. The registry checks the digest; a refusal is Corrupt. `size` may be -1.
  [[nodiscard]] Result<void> upload_blob(std::string_view repository, const image::Digest& digest, int64_t size,
                                         const SourceFn& source, const ProgressFn& progress = {});
  // The same from memory (configs, small layers).
  [[nodiscard]] Result<void> upload_blob_bytes(std::string_view repository, const image::Digest& digest,
                                               std::string_view bytes);

  // PUT /v2/<repository>/manifests/<reference> with the media type as Content-Type; returns the
  // digest the registry reports (Docker-Content-Digest), else the sha256 of the bytes.
  [[nodiscard]] Result<image::Digest> put_manifest(std::string_view repository, std::string_view reference,
                                                   std::string_view bytes, std::string_view media_type);

  // GET /v2/<repository>/tags/list, following Link pagination. In the registry's order.
  [[nodiscard]] Result<std::vector<std::string>> list_tags(std::string_view repository);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The directories containers-certs.d(5) searches for `host`, in order: $XDG_CONFIG_HOME/containers/
// certs.d/<host> (rootless), /etc/containers/certs.d/<host>, /etc/docker/certs.d/<host>; or only
// <cert_dir> when --cert-dir is given. Pure; the caller passes the config home.
std::vector<std::string> cert_dirs_for(std::string_view host, std::string_view config_home, bool rootless,
                                       std::string_view cert_dir_flag = {});

}  // namespace nook::registry
