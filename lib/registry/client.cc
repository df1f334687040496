#include "lib/registry/client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "lib/config/json_adapter.h"
#include "lib/registry/challenge.h"
#include "lib/registry/curl_api.h"
#include "lib/registry/http.h"
#include "lib/registry/retry.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::registry {

namespace {

constexpr long kBlobBufferSize = 512 * 1024;
constexpr size_t kMaxManifestSize = 4 << 20;
constexpr size_t kMaxSmallBody = 1 << 20;  // error bodies, token answers, tag lists per page
constexpr std::string_view kClientId = "nook";

const std::vector<std::string>& default_accept() {
  static const std::vector<std::string> types = {
      "application/vnd.oci.image.manifest.v1+json",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
  };
  return types;
}

std::once_flag g_curl_global;

struct EasyDeleter {
  const CurlApi* curl;
  void operator()(CURL* easy) const { curl->easy_cleanup(easy); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  const CurlApi* curl;
  void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// The shared connection, DNS and TLS-session cache, with the locks curl asks for.
struct Share {
  const CurlApi* curl = nullptr;
  CURLSH* handle = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  ~Share() {
    if (handle) curl->share_cleanup(handle);
  }
};

void share_lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
  static_cast<Share*>(user)->locks[static_cast<size_t>(data)].lock();
}
void share_unlock(CURL*, curl_lock_data data, void* user) {
  static_cast<Share*>(user)->locks[static_cast<size_t>(data)].unlock();
}

bool is_tls_failure(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
      return true;
    default:
      return false;
  }
}

// Receives a 2xx body with the status it came with.
using Consumer = std::function<Result<void>(long status, std::span<const char>)>;

struct Request {
  std::string method = "GET";  // GET, HEAD, POST, PUT, PATCH, DELETE
  std::string target;          // "/v2/..." (scheme and host added) or an absolute URL
  std::vector<std::string> headers;
  std::vector<std::string> scopes;  // bearer token scopes; empty for /v2/
  std::string_view body;            // POST/PUT/PATCH body from memory
  const SourceFn* source = nullptr;  // streamed PATCH body (chunked), not retried
  int64_t source_size = -1;
  bool follow_redirects = false;
  const Consumer* consumer = nullptr;  // receives 2xx bodies; others are collected
  size_t max_body = kMaxSmallBody;
  long buffer_size = 0;
  bool no_auth = false;  // token endpoint requests carry their own header
};

struct Response {
  CURLcode code = CURLE_OK;
  std::string curl_message;
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; the last response's only
  std::string body;
  std::string url;
  bool body_too_large = false;
  int64_t consumed = 0;  // bytes handed to the consumer

  std::string header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
  }
};

// Per-transfer state the curl callbacks see.
struct Transfer {
  const Request* request = nullptr;
  Response* response = nullptr;
  long current_status = 0;
  std::optional<Error> abort_error;
  size_t body_offset = 0;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();
    size_t space = line.find(' ');
    if (space != std::string_view::npos && line.size() >= space + 4) {
      std::string code(line.substr(space + 1, 3));
      t->current_status = std::strtol(code.c_str(), nullptr, 10);
    }
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name = strings::to_lower(strings::trim(line.substr(0, colon)));
    t->response->headers[name] = std::string(strings::trim(line.substr(colon + 1)));
  }
  return line.size();
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->request->consumer && t->current_status >= 200 && t->current_status < 300) {
    Result<void> consumed = (*t->request->consumer)(t->current_status, std::span<const char>(data, n));
    if (!consumed) {
      t->abort_error = consumed.error();
      return 0;
    }
    t->response->consumed += static_cast<int64_t>(n);
    return n;
  }
  if (t->response->body.size() + n > t->request->max_body) {
    t->response->body_too_large = true;
    return 0;
  }
  t->response->body.append(data, n);
  return n;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t room = size * count;
  if (t->request->source) {
    Result<size_t> got = (*t->request->source)(std::span<char>(buffer, room));
    if (!got) {
      t->abort_error = got.error();
      return CURL_READFUNC_ABORT;
    }
    return std::min(*got, room);
  }
  std::string_view body = t->request->body;
  size_t n = std::min(room, body.size() - t->body_offset);
  std::memcpy(buffer, body.data() + t->body_offset, n);
  t->body_offset += n;
  return n;
}

struct CachedToken {
  std::string token;
  std::chrono::steady_clock::time_point expires;
};

std::string digest_header_check(const Response& response, const image::Digest& computed) {
  std::string header = response.header("docker-content-digest");
  if (header.empty()) return {};
  auto parsed = image::parse_digest(header);
  if (!parsed || parsed->algorithm != "sha256") return {};
  if (parsed->hex == computed.hex) return {};
  return header;
}

}  // namespace

struct Client::Impl {
  const CurlApi* curl = nullptr;  // loaded before the Impl is made
  ClientOptions options;
  std::string url_host;  // docker.io -> registry-1.docker.io
  Share share;
  std::string ca_blob;  // system bundle + certs.d CAs; empty: curl's default
  std::string client_cert;
  std::string client_key;
  std::atomic<int> scheme{0};  // 0 unknown, 1 https, 2 http (insecure fallback)

  std::mutex auth_mutex;
  std::optional<Challenge> bearer;
  bool basic = false;
  std::map<std::string, CachedToken> tokens;

  bool has_credentials() const {
    return !options.credentials.username.empty() || !options.credentials.identity_token.empty();
  }

  std::string base_url() const {
    return fmt::format("{}://{}", scheme.load() == 2 ? "http" : "https", url_host);
  }

  std::string url_for(std::string_view target) const { return resolve_url(base_url(), target); }

  std::string where(std::string_view repository) const { return fmt::format("{}/{}", options.host, repository); }

  Result<void> load_certificates();
  Result<Response> perform(const Request& request, const std::string& authorization);
  Result<std::string> authorization_for(const std::vector<std::string>& scopes);
  Result<void> answer_challenge(const Response& response, const std::vector<std::string>& scopes);
  Result<Token> fetch_token(const Challenge& challenge, const std::vector<std::string>& scopes);
  Result<Response> send(const Request& request);
  Error status_error(const Response& response, std::string_view what) const;
  Error transport_error(const Request& request, const Response& response) const;
  void wait_before_retry(int attempt, const Response* response) const;
};

Result<void> Client::Impl::load_certificates() {
  std::string extra;
  for (const std::string& dir : options.cert_dirs) {
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) continue;  // a missing certs.d entry is normal
    std::vector<std::string> names;
    for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
      if (ec) break;
      names.push_back(it->path().filename().string());
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      std::string path = fmt::format("{}/{}", dir, name);
      if (name.ends_with(".crt")) {
        std::string pem = NOOK_TRY(sys::read_file(path));
        NOOK_DEBUG(Registry, "CA certificate {}", path);
        extra += pem;
        if (!extra.ends_with('\n')) extra.push_back('\n');
      } else if (name.ends_with(".cert")) {
        std::string key = name.substr(0, name.size() - 5) + ".key";
        if (std::find(names.begin(), names.end(), key) == names.end()) {
          return fail(ErrorKind::InvalidArgument,
                      fmt::format("missing key {:?} for client certificate {:?}", key, path));
        }
        if (client_cert.empty()) {
          client_cert = path;
          client_key = fmt::format("{}/{}", dir, key);
        }
      } else if (name.ends_with(".key")) {
        std::string cert = name.substr(0, name.size() - 4) + ".cert";
        if (std::find(names.begin(), names.end(), cert) == names.end()) {
          return fail(ErrorKind::InvalidArgument,
                      fmt::format("missing client certificate {:?} for key {:?}", cert, path));
        }
      }
    }
  }
  if (extra.empty()) return {};
  // Add to the system's trust store, as containers/image does (SystemCertPool + certs.d).
  const curl_version_info_data* info = curl->version_info(CURLVERSION_NOW);
  if (info && info->cainfo) {
    auto system = sys::read_file(info->cainfo);
    if (system) {
      ca_blob = std::move(*system);
      if (!ca_blob.empty() && !ca_blob.ends_with('\n')) ca_blob.push_back('\n');
    }
  }
  ca_blob += extra;
  return {};
}

Result<Response> Client::Impl::perform(const Request& request, const std::string& authorization) {
  EasyHandle easy(curl->easy_init(), EasyDeleter{curl});
  if (!easy) return fail(ErrorKind::Internal, "curl_easy_init failed");
  CURL* e = easy.get();
  Response response;
  response.url = url_for(request.target);
  Transfer transfer{.request = &request, .response = &response};
  char error_buffer[CURL_ERROR_SIZE] = {};

  Slist headers(nullptr, SlistDeleter{curl});
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl->slist_append(headers.get(), line.c_str());
    if (next) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  for (const std::string& line : request.headers) add_header(line);
  if (!authorization.empty()) add_header(authorization);
  add_header("Expect:");

  curl->easy_setopt(e, CURLOPT_URL, response.url.c_str());
  curl->easy_setopt(e, CURLOPT_SHARE, share.handle);
  curl->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer);
  curl->easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl->easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl->easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl->easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(
                                                      std::chrono::milliseconds(options.connect_timeout).count()));
  curl->easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl->easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.stall_timeout.count()));
  curl->easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
  curl->easy_setopt(e, CURLOPT_HEADERDATA, &transfer);
  curl->easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
  curl->easy_setopt(e, CURLOPT_WRITEDATA, &transfer);
  if (request.buffer_size > 0) curl->easy_setopt(e, CURLOPT_BUFFERSIZE, request.buffer_size);
  if (request.follow_redirects) {
    curl->easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl->easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
  }
  if (options.insecure) {
    curl->easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl->easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_blob ca{};
  if (!ca_blob.empty()) {
    ca.data = ca_blob.data();
    ca.len = ca_blob.size();
    ca.flags = CURL_BLOB_NOCOPY;
    curl->easy_setopt(e, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!client_cert.empty()) {
    curl->easy_setopt(e, CURLOPT_SSLCERT, client_cert.c_str());
    curl->easy_setopt(e, CURLOPT_SSLKEY, client_key.c_str());
  }

  if (request.method == "HEAD") {
    curl->easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST") {
    curl->easy_setopt(e, CURLOPT_POST, 1L);
    curl->easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl->easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
  } else if (request.method == "PUT" || request.method == "PATCH") {
    curl->easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl->easy_setopt(e, CURLOPT_READFUNCTION, &on_read);
    curl->easy_setopt(e, CURLOPT_READDATA, &transfer);
    if (request.method == "PATCH") curl->easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PATCH");
    if (!request.source) {
      curl->easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else if (request.source_size >= 0) {
      curl->easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.source_size));
    }
  } else if (request.method != "GET") {
    curl->easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl->easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());

  response.code = curl->easy_perform(e);
  if (transfer.abort_error) return fail(*transfer.abort_error);
  long status = 0;
  curl->easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  response.status = status;
  if (response.code != CURLE_OK) {
    response.curl_message = error_buffer[0] ? error_buffer : curl->easy_strerror(response.code);
    if (response.body_too_large) response.curl_message = "response body too large";
  }
  NOOK_DEBUG(Registry, "{} {} -> {} ({})", request.method, response.url, response.status,
             response.code == CURLE_OK ? "ok" : response.curl_message);
  return response;
}

Result<Token> Client::Impl::fetch_token(const Challenge& challenge, const std::vector<std::string>& scopes) {
  Request request;
  request.no_auth = true;
  std::string form;
  std::string authorization;
  const config::Credentials& creds = options.credentials;
  if (!creds.identity_token.empty()) {
    request.method = "POST";
    std::string realm = challenge.param("realm");
    if (realm.empty()) return fail(ErrorKind::Network, "bearer challenge without a realm");
    request.target = realm;
    form = refresh_token_form(challenge, scopes, creds.identity_token, kClientId);
    request.body = form;
    request.headers.push_back("Content-Type: application/x-www-form-urlencoded");
  } else {
    auto url = token_url(challenge, scopes);
    if (!url) return fail(ErrorKind::Network, fmt::format("{}: {}", options.host, url.error().message()));
    request.target = *url;
    if (!creds.username.empty()) {
      authorization = "Authorization: Basic " + config::base64_encode(creds.username + ":" + creds.password);
    }
  }
  Response response;
  for (int attempt = 0;; ++attempt) {
    response = NOOK_TRY(perform(request, authorization));
    if (response.code != CURLE_OK) {
      if (is_transient_curl_code(response.code) && attempt < options.max_retries) {
        wait_before_retry(attempt + 1, nullptr);
        continue;
      }
      return fail(transport_error(request, response).context("requesting a token"));
    }
    if (is_transient_status(response.status) && attempt < options.max_retries) {
      wait_before_retry(attempt + 1, &response);
      continue;
    }
    break;
  }
  if (response.status == 401 || response.status == 403) {
    return fail(ErrorKind::Permission, has_credentials() ? "invalid username/password" : "authentication required");
  }
  if (response.status < 200 || response.status >= 300) {
    return fail(status_error(response, fmt::format("requesting a token from {}", challenge.param("realm"))));
  }
  auto token = parse_token_response(response.body);
  if (!token) return fail(token.error().context(fmt::format("requesting a token from {}", challenge.param("realm"))));
  return token;
}

Result<std::string> Client::Impl::authorization_for(const std::vector<std::string>& scopes) {
  std::string key = strings::join(scopes, " ");
  std::optional<Challenge> challenge;
  {
    std::lock_guard lock(auth_mutex);
    if (basic) {
      if (options.credentials.username.empty()) return std::string();
      return "Authorization: Basic " +
             config::base64_encode(options.credentials.username + ":" + options.credentials.password);
    }
    if (!bearer) return std::string();
    auto it = tokens.find(key);
    if (it != tokens.end() && std::chrono::steady_clock::now() < it->second.expires) {
      return "Authorization: Bearer " + it->second.token;
    }
    challenge = bearer;
  }
  // Fetched without the lock: parallel requests for one scope may each fetch one.
  Token token = NOOK_TRY(fetch_token(*challenge, scopes));
  std::lock_guard lock(auth_mutex);
  tokens[key] = CachedToken{.token = token.token, .expires = std::chrono::steady_clock::now() + token.expires_in};
  return "Authorization: Bearer " + token.token;
}

Result<void> Client::Impl::answer_challenge(const Response& response, const std::vector<std::string>& scopes) {
  std::vector<Challenge> challenges = parse_www_authenticate(response.header("www-authenticate"));
  const Challenge* chosen = nullptr;
  for (const Challenge& c : challenges) {
    if (c.scheme == "bearer") {
      chosen = &c;
      break;
    }
  }
  if (!chosen) {
    for (const Challenge& c : challenges) {
      if (c.scheme == "basic") chosen = &c;
    }
  }
  if (!chosen) {
    return fail(ErrorKind::Permission, fmt::format("{}: authentication required (no supported challenge in {:?})",
                                                   options.host, response.header("www-authenticate")));
  }
  std::lock_guard lock(auth_mutex);
  if (chosen->scheme == "basic") {
    basic = true;
    if (options.credentials.username.empty()) return fail(ErrorKind::Permission, "authentication required");
    return {};
  }
  bearer = *chosen;
  tokens.erase(strings::join(scopes, " "));  // a cached token was refused: fetch a new one
  return {};
}

void Client::Impl::wait_before_retry(int attempt, const Response* response) const {
  std::optional<std::chrono::seconds> retry_after;
  if (response) {
    std::string value = response->header("retry-after");
    if (!value.empty()) retry_after = parse_retry_after(value, std::time(nullptr));
  }
  auto delay = backoff_delay(attempt, options.retry_delay, retry_after);
  NOOK_DEBUG(Registry, "retry {} in {} ms", attempt, delay.count());
  std::this_thread::sleep_for(delay);
}

Error Client::Impl::transport_error(const Request& request, const Response& response) const {
  return Error(ErrorKind::Network, fmt::format("{} {}: {}", request.method, response.url, response.curl_message));
}

Error Client::Impl::status_error(const Response& response, std::string_view what) const {
  std::string detail = registry_error_message(response.body).value_or("");
  auto with = [&](std::string_view fallback) {
    return fmt::format("{}: {}", what, detail.empty() ? std::string(fallback) : detail);
  };
  switch (response.status) {
    case 401:
      return Error(ErrorKind::Permission,
                   fmt::format("{}: {}", what, has_credentials() ? "invalid username/password" : "authentication required"));
    case 403:
      return Error(ErrorKind::Permission, with("access denied"));
    case 404:
      return Error(ErrorKind::NotFound, with("not found"));
    default:
      return Error(ErrorKind::Network,
                   fmt::format("{}: received unexpected HTTP status {}{}", what, response.status,
                               detail.empty() ? std::string() : fmt::format(" ({})", detail)));
  }
}

Result<Response> Client::Impl::send(const Request& request) {
  int attempt = 0;
  bool answered_challenge = false;
  bool relative = !request.target.starts_with("http://") && !request.target.starts_with("https://");
  while (true) {
    std::string authorization = request.no_auth ? std::string() : NOOK_TRY(authorization_for(request.scopes));
    Response response = NOOK_TRY(perform(request, authorization));
    if (response.code != CURLE_OK) {
      if (options.insecure && relative && scheme.load() == 0 &&
          (is_tls_failure(response.code) || response.code == CURLE_GOT_NOTHING || response.code == CURLE_RECV_ERROR)) {
        NOOK_DEBUG(Registry, "{}: https failed ({}), falling back to http", options.host, response.curl_message);
        scheme.store(2);
        continue;
      }
      // A streamed body cannot be replayed; a consumer's caller resumes by itself.
      if (is_transient_curl_code(response.code) && attempt < options.max_retries && !request.source &&
          response.consumed == 0) {
        ++attempt;
        wait_before_retry(attempt, nullptr);
        continue;
      }
      if (request.consumer && response.consumed > 0) return response;
      return fail(transport_error(request, response));
    }
    if (relative && scheme.load() == 0) scheme.store(1);
    if (response.status == 401 && !answered_challenge && !request.no_auth) {
      answered_challenge = true;
      NOOK_TRY_VOID(answer_challenge(response, request.scopes));
      continue;
    }
    if (is_transient_status(response.status) && attempt < options.max_retries && !request.source) {
      ++attempt;
      wait_before_retry(attempt, &response);
      continue;
    }
    return response;
  }
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<Client> Client::create(ClientOptions options) {
  if (options.host.empty()) return fail(ErrorKind::InvalidArgument, "registry host is empty");
  const CurlApi* curl = NOOK_TRY(curl_api());
  std::call_once(g_curl_global, [curl] { curl->global_init(CURL_GLOBAL_DEFAULT); });
  auto impl = std::make_unique<Impl>();
  impl->curl = curl;
  impl->share.curl = curl;
  impl->options = std::move(options);
  impl->url_host = impl->options.host == "docker.io" ? "registry-1.docker.io" : impl->options.host;
  impl->share.handle = curl->share_init();
  if (!impl->share.handle) return fail(ErrorKind::Internal, "curl_share_init failed");
  curl->share_setopt(impl->share.handle, CURLSHOPT_LOCKFUNC, &share_lock);
  curl->share_setopt(impl->share.handle, CURLSHOPT_UNLOCKFUNC, &share_unlock);
  curl->share_setopt(impl->share.handle, CURLSHOPT_USERDATA, &impl->share);
  for (curl_lock_data data : {CURL_LOCK_DATA_CONNECT, CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_SSL_SESSION}) {
    curl->share_setopt(impl->share.handle, CURLSHOPT_SHARE, data);
  }
  auto loaded = impl->load_certificates();
  if (!loaded) return fail(loaded.error().context(fmt::format("loading certificates for {:?}", impl->options.host)));
  return Client(std::move(impl));
}

const std::string& Client::host() const { return impl_->options.host; }

Result<void> Client::check_auth() {
  Request request{.target = "/v2/"};
  Response response = NOOK_TRY(impl_->send(request));
  if (response.status == 200) return {};
  return fail(impl_->status_error(response, fmt::format("checking access to {}", impl_->options.host)));
}

namespace {

std::string accept_header(const std::vector<std::string>& accept) {
  return "Accept: " + strings::join(accept.empty() ? default_accept() : accept, ", ");
}

}  // namespace

Result<ManifestResponse> Client::get_manifest(std::string_view repository, std::string_view reference,
                                              const std::vector<std::string>& accept) {
  std::string what = fmt::format("reading manifest {} in {}", reference, impl_->where(repository));
  std::optional<image::Digest> expected;
  if (reference.find(':') != std::string_view::npos) {
    auto parsed = image::parse_digest(reference);
    if (!parsed) return fail(parsed.error().context(what));
    expected = *parsed;
  }
  Request request{.target = fmt::format("/v2/{}/manifests/{}", repository, reference),
                  .headers = {accept_header(accept)},
                  .scopes = {repository_scope(repository, false)},
                  .max_body = kMaxManifestSize};
  Response response = NOOK_TRY(impl_->send(request));
  if (response.code != CURLE_OK && response.body_too_large) {
    return fail(ErrorKind::Corrupt, fmt::format("{}: manifest larger than {} bytes", what, kMaxManifestSize));
  }
  if (response.status != 200) return fail(impl_->status_error(response, what));
  ManifestResponse out;
  out.content_type = media_type_without_params(response.header("content-type"));
  if (expected && expected->algorithm != "sha256") {
    auto verifier = NOOK_TRY(image::DigestVerifier::create(*expected, -1));
    verifier.update(response.body.data(), response.body.size());
    auto checked = verifier.finish();
    if (!checked) return fail(checked.error().context(what));
    out.digest = *expected;
  } else {
    out.digest = image::Digest{.algorithm = "sha256", .hex = image::sha256_hex(response.body)};
    if (expected && *expected != out.digest) {
      return fail(ErrorKind::Corrupt, fmt::format("{}: digest mismatch for {}: got {}", what, expected->string(),
                                                  out.digest.string()));
    }
    std::string header = digest_header_check(response, out.digest);
    if (!header.empty()) {
      return fail(ErrorKind::Corrupt, fmt::format("{}: digest mismatch: the registry says {}, the body is {}", what,
                                                  header, out.digest.string()));
    }
  }
  out.bytes = std::move(response.body);
  return out;
}

Result<std::optional<ManifestResponse>> Client::head_manifest(std::string_view repository, std::string_view reference) {
  std::string what = fmt::format("reading manifest {} in {}", reference, impl_->where(repository));
  Request request{.method = "HEAD",
                  .target = fmt::format("/v2/{}/manifests/{}", repository, reference),
                  .headers = {accept_header({})},
                  .scopes = {repository_scope(repository, false)}};
  Response response = NOOK_TRY(impl_->send(request));
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) return fail(impl_->status_error(response, what));
  std::string header = response.header("docker-content-digest");
  auto digest = image::parse_digest(header);
  if (header.empty() || !digest) {
    // No usable digest header: the body tells.
    ManifestResponse full = NOOK_TRY(get_manifest(repository, reference));
    full.bytes.clear();
    return full;
  }
  ManifestResponse out;
  out.content_type = media_type_without_params(response.header("content-type"));
  out.digest = *digest;
  return out;
}

Result<void> Client::fetch_blob(std::string_view repository, const image::Digest& digest, int64_t size,
                                const SinkFn& sink, const ProgressFn& progress) {
  std::string what = fmt::format("fetching blob {} from {}", digest.string(), impl_->where(repository));
  image::DigestVerifier verifier = NOOK_TRY(image::DigestVerifier::create(digest, size));
  int64_t delivered = 0;
  int64_t total = size;
  int64_t skip = 0;     // bytes of a restarted (200) answer that the sink already has
  bool started = false;  // the current answer delivered its first byte
  bool overflow = false;
  bool sink_failed = false;
  Consumer consumer = [&](long status, std::span<const char> bytes) -> Result<void> {
    if (!started) {
      started = true;
      // 206 continues where we stopped; a registry that ignores Range starts again from byte 0.
      skip = status == 200 ? delivered : 0;
      if (skip > 0) NOOK_DEBUG(Registry, "{}: the registry ignored Range, skipping {} bytes", digest.string(), skip);
    }
    if (skip > 0) {
      auto n = std::min<int64_t>(skip, static_cast<int64_t>(bytes.size()));
      bytes = bytes.subspan(static_cast<size_t>(n));
      skip -= n;
      if (bytes.empty()) return {};
    }
    verifier.update(bytes.data(), bytes.size());
    if (verifier.overflowed()) {
      overflow = true;
      return fail(ErrorKind::Corrupt, "size overflow");
    }
    auto sunk = sink(bytes);
    if (!sunk) {
      sink_failed = true;
      return sunk;
    }
    delivered += static_cast<int64_t>(bytes.size());
    if (progress) progress(delivered, total);
    return {};
  };
  int failures = 0;
  while (true) {
    Request request{.target = fmt::format("/v2/{}/blobs/{}", repository, digest.string()),
                    .scopes = {repository_scope(repository, false)},
                    .follow_redirects = true,
                    .consumer = &consumer,
                    .buffer_size = kBlobBufferSize};
    if (delivered > 0) request.headers.push_back(fmt::format("Range: bytes={}-", delivered));
    int64_t before = delivered;
    started = false;
    auto sent = impl_->send(request);
    if (!sent) {
      if (sink_failed) return fail(sent.error());
      if (overflow) {
        auto finished = verifier.finish();
        return fail(finished ? Error(ErrorKind::Corrupt, fmt::format("{}: size mismatch", what))
                             : finished.error().context(what));
      }
      return fail(sent.error().context(what));
    }
    Response& response = *sent;
    // The manifest promised `size`; a blob that is whole and still shorter lies with it.
    auto short_blob = [&](int64_t has) {
      return Error(ErrorKind::Corrupt, fmt::format("{}: size mismatch: the manifest says {} bytes, the blob has {}",
                                                   what, size, has));
    };
    if (response.code == CURLE_OK && (response.status == 200 || response.status == 206)) {
      if (size < 0 || delivered >= size) break;
      // A complete 200 (curl checked its Content-Length) is the whole blob: nothing to resume.
      if (response.status == 200 && !response.header("content-length").empty()) return fail(short_blob(delivered));
      // A clean end before the promised size (no Content-Length): resume like a cut.
    } else if (response.code == CURLE_OK) {
      if (response.status == 416 && size >= 0 && delivered == size) break;
      // Nothing after what we have: the blob ends there.
      if (response.status == 416 && size >= 0 && delivered < size) return fail(short_blob(delivered));
      return fail(impl_->status_error(response, what));
    }
    if (delivered > before) failures = 0;
    if (++failures > impl_->options.max_retries) {
      if (response.code != CURLE_OK) return fail(impl_->transport_error(request, response).context(what));
      return fail(ErrorKind::Network, fmt::format("{}: the registry sent {} of {} bytes", what, delivered, size));
    }
    NOOK_DEBUG(Registry, "{}: transfer broke after {} bytes ({}), resuming", what, delivered, response.curl_message);
    impl_->wait_before_retry(failures, nullptr);
  }
  auto finished = verifier.finish();
  if (!finished) return fail(finished.error().context(what));
  return {};
}

Result<std::string> Client::fetch_blob_bytes(std::string_view repository, const image::Digest& digest, int64_t size,
                                             int64_t max_size) {
  if (size > max_size) {
    return fail(ErrorKind::Corrupt, fmt::format("blob {} of {} is {} bytes, more than the limit of {}", digest.string(),
                                                impl_->where(repository), size, max_size));
  }
  std::string out;
  if (size > 0) out.reserve(static_cast<size_t>(size));
  NOOK_TRY_VOID(fetch_blob(repository, digest, size, [&](std::span<const char> bytes) -> Result<void> {
    if (static_cast<int64_t>(out.size() + bytes.size()) > max_size) {
      return fail(ErrorKind::Corrupt, fmt::format("blob {} is larger than {} bytes", digest.string(), max_size));
    }
    out.append(bytes.data(), bytes.size());
    return {};
  }));
  return out;
}

Result<bool> Client::blob_exists(std::string_view repository, const image::Digest& digest) {
  Request request{.method = "HEAD",
                  .target = fmt::format("/v2/{}/blobs/{}", repository, digest.string()),
                  .scopes = {repository_scope(repository, false)},
                  .follow_redirects = true};
  Response response = NOOK_TRY(impl_->send(request));
  if (response.status == 200) return true;
  if (response.status == 404) return false;
  return fail(impl_->status_error(response, fmt::format("checking blob {} in {}", digest.string(),
                                                         impl_->where(repository))));
}

Result<bool> Client::mount_blob(std::string_view repository, const image::Digest& digest,
                                std::string_view from_repository) {
  std::string what = fmt::format("mounting blob {} from {} into {}", digest.string(), from_repository,
                                 impl_->where(repository));
  Request request{.method = "POST",
                  .target = fmt::format("/v2/{}/blobs/uploads/?mount={}&from={}", repository,
                                        url_encode(digest.string()), url_encode(from_repository)),
                  .scopes = {repository_scope(repository, true), repository_scope(from_repository, false)}};
  Response response = NOOK_TRY(impl_->send(request));
  if (response.status == 201) return true;
  if (response.status == 202) {
    std::string location = response.header("location");
    if (!location.empty()) {
      Request cancel{.method = "DELETE", .target = resolve_url(impl_->base_url(), location),
                     .scopes = {repository_scope(repository, true)}};
      (void)impl_->send(cancel);  // best effort: the registry expires abandoned uploads
    }
    return false;
  }
  return fail(impl_->status_error(response, what));
}

Result<void> Client::upload_blob(std::string_view repository, const image::Digest& digest, int64_t size,
                                 const SourceFn& source, const ProgressFn& progress) {
  std::string what = fmt::format("uploading blob {} to {}", digest.string(), impl_->where(repository));
  std::vector<std::string> scopes = {repository_scope(repository, true)};
  Request start{.method = "POST", .target = fmt::format("/v2/{}/blobs/uploads/", repository), .scopes = scopes};
  Response started = NOOK_TRY(impl_->send(start));
  if (started.status != 202) return fail(impl_->status_error(started, what));
  std::string location = started.header("location");
  if (location.empty()) return fail(ErrorKind::Network, fmt::format("{}: the registry sent no upload location", what));

  int64_t sent_bytes = 0;
  SourceFn counting = [&](std::span<char> buffer) -> Result<size_t> {
    size_t n = NOOK_TRY(source(buffer));
    sent_bytes += static_cast<int64_t>(n);
    if (progress) progress(sent_bytes, size);
    return n;
  };
  Request patch{.method = "PATCH",
                .target = resolve_url(impl_->base_url(), location),
                .headers = {"Content-Type: application/octet-stream"},
                .scopes = scopes,
                .source = &counting,
                .source_size = size,
                .buffer_size = kBlobBufferSize};
  Response patched = NOOK_TRY(impl_->send(patch));
  if (patched.status != 202 && patched.status != 204) return fail(impl_->status_error(patched, what));
  std::string next = patched.header("location");
  if (next.empty()) next = location;

  Request put{.method = "PUT",
              .target = append_query(resolve_url(impl_->base_url(), next), "digest=" + url_encode(digest.string())),
              .headers = {"Content-Type: application/octet-stream"},
              .scopes = scopes};
  Response done = NOOK_TRY(impl_->send(put));
  if (done.status == 201 || done.status == 204) return {};
  if (done.status == 400) {
    std::string code = registry_error_code(done.body);
    if (code == "DIGEST_INVALID" || code == "SIZE_INVALID" || code == "BLOB_UPLOAD_INVALID") {
      return fail(ErrorKind::Corrupt,
                  fmt::format("{}: {}", what, registry_error_message(done.body).value_or("digest invalid")));
    }
  }
  return fail(impl_->status_error(done, what));
}

Result<void> Client::upload_blob_bytes(std::string_view repository, const image::Digest& digest,
                                       std::string_view bytes) {
  size_t offset = 0;
  return upload_blob(
      repository, digest, static_cast<int64_t>(bytes.size()), [&](std::span<char> buffer) -> Result<size_t> {
        size_t n = std::min(buffer.size(), bytes.size() - offset);
        std::memcpy(buffer.data(), bytes.data() + offset, n);
        offset += n;
        return n;
      });
}

Result<image::Digest> Client::put_manifest(std::string_view repository, std::string_view reference,
                                           std::string_view bytes, std::string_view media_type) {
  std::string what = fmt::format("writing manifest {} to {}", reference, impl_->where(repository));
  Request request{.method = "PUT",
                  .target = fmt::format("/v2/{}/manifests/{}", repository, reference),
                  .headers = {fmt::format("Content-Type: {}", media_type)},
                  .scopes = {repository_scope(repository, true)},
                  .body = bytes};
  Response response = NOOK_TRY(impl_->send(request));
  if (response.status != 201 && response.status != 200 && response.status != 202) {
    return fail(impl_->status_error(response, what));
  }
  auto reported = image::parse_digest(response.header("docker-content-digest"));
  if (reported) return *reported;
  return image::Digest{.algorithm = "sha256", .hex = image::sha256_hex(bytes)};
}

Result<std::vector<std::string>> Client::list_tags(std::string_view repository) {
  std::string what = fmt::format("listing tags of {}", impl_->where(repository));
  std::vector<std::string> tags;
  std::string target = fmt::format("/v2/{}/tags/list", repository);
  for (int page = 0; page < 10000; ++page) {
    Request request{.target = target, .scopes = {repository_scope(repository, false)}, .max_body = 16 << 20};
    Response response = NOOK_TRY(impl_->send(request));
    if (response.status != 200) return fail(impl_->status_error(response, what));
    auto doc = config::parse_json(response.body, what);
    if (!doc) return fail(ErrorKind::Corrupt, doc.error().message());
    if (!doc->is_object()) return fail(ErrorKind::Corrupt, fmt::format("{}: answer is not a JSON object", what));
    auto it = doc->find("tags");
    if (it != doc->end() && it->is_array()) {
      for (const auto& tag : *it) {
        if (tag.is_string()) tags.push_back(tag.get<std::string>());
      }
    }
    auto next = link_next(response.header("link"));
    if (!next) break;
    target = *next;
  }
  return tags;
}

std::vector<std::string> cert_dirs_for(std::string_view host, std::string_view config_home, bool rootless,
                                       std::string_view cert_dir_flag) {
  if (!cert_dir_flag.empty()) return {std::string(cert_dir_flag)};
  std::vector<std::string> dirs;
  if (rootless && !config_home.empty()) dirs.push_back(fmt::format("{}/containers/certs.d/{}", config_home, host));
  dirs.push_back(fmt::format("/etc/containers/certs.d/{}", host));
  dirs.push_back(fmt::format("/etc/docker/certs.d/{}", host));
  return dirs;
}

}  // namespace nook::registry
