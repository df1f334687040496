// The client against a small HTTP/1.1 server on loopback (in this process), which can cut
// responses, ignore Range, fail with 5xx and demand bearer tokens, so resume, retries and the
// token flow are exercised over real sockets. The full registry is tested end to end
// (tests/e2e/040-login.bats, 045-registry-faults.bats).
#include "lib/registry/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/util/strings.h"

namespace nook::registry {
namespace {

using ::testing::HasSubstr;

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct HttpReply {
  int status = 200;
  std::vector<std::string> headers;
  std::string body;
  long cut_after = -1;  // close the connection after this many body bytes
};

class TinyServer {
 public:
  using Handler = std::function<HttpReply(const HttpRequest&)>;

  explicit TinyServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~TinyServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    for (std::thread& t : workers_) t.join();
    ::close(listen_fd_);
  }

  std::string host() const { return fmt::format("127.0.0.1:{}", port_); }
  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string buffer;
    char chunk[65536];
    while (true) {
      size_t end;
      while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0 || (buffer.empty() && chunk[0] == 0x16)) {  // closed, or a TLS handshake
          ::close(fd);
          return;
        }
        buffer.append(chunk, static_cast<size_t>(n));
      }
      HttpRequest request;
      std::vector<std::string> lines = strings::split(buffer.substr(0, end), '\n');
      std::vector<std::string> first = strings::split(strings::trim(lines[0]), ' ');
      request.method = first[0];
      request.path = first.size() > 1 ? first[1] : "";
      for (size_t i = 1; i < lines.size(); ++i) {
        size_t colon = lines[i].find(':');
        if (colon == std::string::npos) continue;
        request.headers[strings::to_lower(strings::trim(lines[i].substr(0, colon)))] =
            std::string(strings::trim(lines[i].substr(colon + 1)));
      }
      buffer.erase(0, end + 4);
      size_t length = request.headers.count("content-length") ? std::stoul(request.headers["content-length"]) : 0;
      while (buffer.size() < length) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<size_t>(n));
      }
      buffer.erase(0, std::min(length, buffer.size()));
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      HttpReply reply = handler_(request);
      std::string head = fmt::format("HTTP/1.1 {} X\r\nContent-Length: {}\r\n", reply.status, reply.body.size());
      for (const std::string& h : reply.headers) head += h + "\r\n";
      head += "\r\n";
      std::string out = head + (request.method == "HEAD" ? std::string() : reply.body);
      if (reply.cut_after >= 0) out.resize(head.size() + static_cast<size_t>(reply.cut_after));
      ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (reply.cut_after >= 0) {
        ::close(fd);
        return;
      }
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::vector<HttpRequest> requests_;
};

std::string random_bytes(size_t n) {
  std::mt19937 rng(42);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

image::Digest digest_of(std::string_view bytes) { return image::Digest{.algorithm = "sha256", .hex = image::sha256_hex(bytes)}; }

ClientOptions options_for(const TinyServer& server) {
  ClientOptions options;
  options.host = server.host();
  options.insecure = true;  // https first, then plain http: the fallback is exercised too
  options.retry_delay = std::chrono::milliseconds(1);
  return options;
}

// The blob from byte N when the request has "Range: bytes=N-".
HttpReply blob_reply(const HttpRequest& request, const std::string& blob) {
  auto it = request.headers.find("range");
  if (it == request.headers.end()) return HttpReply{.status = 200, .body = blob};
  size_t from = std::stoul(it->second.substr(6));
  return HttpReply{.status = 206,
                   .headers = {fmt::format("Content-Range: bytes {}-{}/{}", from, blob.size() - 1, blob.size())},
                   .body = blob.substr(from)};
}

TEST(ClientTest, CertDirs) {
  EXPECT_EQ(cert_dirs_for("quay.io", "/home/u/.config", true),
            (std::vector<std::string>{"/home/u/.config/containers/certs.d/quay.io", "/etc/containers/certs.d/quay.io",
                                      "/etc/docker/certs.d/quay.io"}));
  EXPECT_EQ(cert_dirs_for("127.0.0.1:5000", "/root/.config", false),
            (std::vector<std::string>{"/etc/containers/certs.d/127.0.0.1:5000", "/etc/docker/certs.d/127.0.0.1:5000"}));
  EXPECT_EQ(cert_dirs_for("quay.io", "/home/u/.config", true, "/my/certs"), (std::vector<std::string>{"/my/certs"}));
}

TEST(ClientTest, CreateRejectsAnEmptyHost) {
  EXPECT_EQ(Client::create(ClientOptions{}).error().kind(), ErrorKind::InvalidArgument);
}

TEST(ClientTest, ConnectionRefusedIsANetworkError) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // nothing listens there now
  ClientOptions options;
  options.host = fmt::format("127.0.0.1:{}", ntohs(addr.sin_port));
  options.max_retries = 1;
  options.retry_delay = std::chrono::milliseconds(1);
  auto client = Client::create(options);
  ASSERT_TRUE(client);
  auto checked = client->check_auth();
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().kind(), ErrorKind::Network);
  EXPECT_THAT(checked.error().message(), HasSubstr(options.host));
}

TEST(ClientTest, FetchBlobResumesWithRange) {
  std::string blob = random_bytes(700 * 1024);
  std::atomic<int> blob_requests{0};
  TinyServer server([&](const HttpRequest& request) {
    if (request.path == "/v2/") return HttpReply{};
    if (blob_requests++ == 0) return HttpReply{.status = 200, .body = blob, .cut_after = 300000};
    return blob_reply(request, blob);
  });
  auto client = Client::create(options_for(server));
  ASSERT_TRUE(client) << client.error().message();
  std::string received;
  int64_t last_progress = 0;
  auto fetched = client->fetch_blob(
      "lib/blob", digest_of(blob), static_cast<int64_t>(blob.size()),
      [&](std::span<const char> bytes) -> Result<void> {
        received.append(bytes.data(), bytes.size());
        return {};
      },
      [&](int64_t done, int64_t total) {
        EXPECT_EQ(total, static_cast<int64_t>(blob.size()));
        EXPECT_GT(done, last_progress);
        last_progress = done;
      });
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_TRUE(received == blob);
  EXPECT_EQ(last_progress, static_cast<int64_t>(blob.size()));
  bool saw_range = false;
  for (const HttpRequest& r : server.requests()) {
    if (r.headers.count("range")) {
      saw_range = true;
      EXPECT_EQ(r.headers.at("range"), "bytes=300000-");
    }
  }
  EXPECT_TRUE(saw_range);
}

TEST(ClientTest, FetchBlobRestartsWhenRangeIsIgnored) {
  std::string blob = random_bytes(200 * 1024);
  std::atomic<int> blob_requests{0};
  TinyServer server([&](const HttpRequest&) {
    if (blob_requests++ == 0) return HttpReply{.status = 200, .body = blob, .cut_after = 50000};
    return HttpReply{.status = 200, .body = blob};
  });
  auto client = Client::create(options_for(server));
  ASSERT_TRUE(client);
  std::string received;
  auto fetched = client->fetch_blob("x", digest_of(blob), -1, [&](std::span<const char> bytes) -> Result<void> {
    received.append(bytes.data(), bytes.size());
    return {};
  });
  // Without a known size a clean cut is only noticed by curl through Content-Length.
  ASSERT_TRUE(fetched) << fetched.error().message();
  EXPECT_TRUE(received == blob);
}

TEST(ClientTest, FetchBlobDigestMismatchIsCorrupt) {
  std::string blob = random_bytes(4096);
  std::string bad = blob;
  bad[100] ^= 1;
  TinyServer server([&](const HttpRequest&) { return HttpReply{.status = 200, .body = bad}; });
  auto client = Client::create(options_for(server));
  ASSERT_TRUE(client);
  auto bytes = client->fetch_blob_bytes("x", digest_of(blob), static_cast<int64_t>(blob.size()));
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().kind(), ErrorKind::Corrupt);
  EXPECT_THAT(bytes.error().message(), HasSubstr("digest mismatch"));

  auto small = client->fetch_blob_bytes("x", digest_of(blob), -1, 1000);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().kind(), ErrorKind::Corrupt);

  auto longer = client->fetch_blob_bytes("x", digest_of(blob), 10);
  ASSERT_FALSE(longer);
  EXPECT_THAT(longer.error().message(), HasSubstr("size mismatch"));
}

TEST(ClientTest, ManifestRetriesServerErrorsAndMapsNotFound) {
  std::string manifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})";
  std::atomic<int> failures{2};
  TinyServer server([&](const HttpRequest& request) {
    if (request.path == "/v2/app/manifests/latest") {
      if (failures-- > 0) return HttpReply{.status = 500, .body = "boom"};
      return HttpReply{.status = 200,
                       .headers = {"Content-Type: application/vnd.oci.image.manifest.v1+json; charset=x",
                                   "Docker-Content-Digest: " + digest_of(manifest).string()},
                       .body = manifest};
    }
    return HttpReply{.status = 404,
                     .headers = {"Content-Type: application/json"},
                     .body = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})"};
  });
  auto client = Client::create(options_for(server));
  ASSERT_TRUE(client);
  auto got = client->get_manifest("app", "latest");
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->bytes, manifest);
  EXPECT_EQ(got->content_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(got->digest, digest_of(manifest));

  auto by_digest = client->get_manifest("app", digest_of("other").string());
  ASSERT_FALSE(by_digest);
  EXPECT_EQ(by_digest.error().kind(), ErrorKind::NotFound);
  EXPECT_THAT(by_digest.error().message(), HasSubstr("manifest unknown"));
  EXPECT_THAT(by_digest.error().message(), HasSubstr(server.host() + "/app"));

  auto head = client->head_manifest("app", "nope");
  ASSERT_TRUE(head) << head.error().message();
  EXPECT_FALSE(head->has_value());
}

TEST(ClientTest, BearerTokensAreFetchedCachedAndRefreshed) {
  std::atomic<int> tokens_issued{0};
  std::string valid_token;
  std::mutex mutex;
  std::string blob = "hello";
  int port = 0;
  TinyServer* self = nullptr;
  TinyServer server([&](const HttpRequest& request) {
    std::lock_guard lock(mutex);
    if (request.path.starts_with("/token")) {
      EXPECT_THAT(request.path, HasSubstr("service=svc"));
      if (request.header("authorization") != "Basic " + config::base64_encode("u:p")) return HttpReply{.status = 401};
      valid_token = fmt::format("tok{}", ++tokens_issued);
      return HttpReply{.status = 200, .body = fmt::format(R"({{"token":"{}","expires_in":3600}})", valid_token)};
    }
    if (request.header("authorization") != "Bearer " + valid_token || valid_token.empty()) {
      return HttpReply{.status = 401,
                       .headers = {fmt::format(R"(WWW-Authenticate: Bearer realm="http://{}/token",service="svc")",
                                               self ? self->host() : std::to_string(port))}};
    }
    return HttpReply{.status = 200, .body = blob};
  });
  self = &server;
  ClientOptions options = options_for(server);
  options.credentials = config::Credentials{.username = "u", .password = "p", .identity_token = ""};
  auto client = Client::create(options);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->check_auth());
  auto bytes = client->fetch_blob_bytes("r", digest_of(blob), 5);
  ASSERT_TRUE(bytes) << bytes.error().message();
  bytes = client->fetch_blob_bytes("r", digest_of(blob), 5);
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(tokens_issued.load(), 2);  // one for no scope (/v2/), one for repository:r:pull, then cached
  {
    std::lock_guard lock(mutex);
    valid_token = "revoked";  // the server forgets the token: the client asks for a new one
  }
  bytes = client->fetch_blob_bytes("r", digest_of(blob), 5);
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(tokens_issued.load(), 3);

  options.credentials.password = "wrong";
  auto wrong = Client::create(options);
  ASSERT_TRUE(wrong);
  auto refused = wrong->check_auth();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::Permission);
  EXPECT_THAT(refused.error().message(), HasSubstr("invalid username/password"));
}

TEST(ClientTest, BasicAuthWrongPassword) {
  TinyServer server([&](const HttpRequest& request) {
    if (request.header("authorization") == "Basic " + config::base64_encode("u:p")) return HttpReply{};
    return HttpReply{.status = 401, .headers = {R"(WWW-Authenticate: Basic realm="test")"}};
  });
  ClientOptions options = options_for(server);
  options.credentials = config::Credentials{.username = "u", .password = "p", .identity_token = ""};
  ASSERT_TRUE(Client::create(options)->check_auth());
  options.credentials.password = "bad";
  auto refused = Client::create(options)->check_auth();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), ErrorKind::Permission);
  EXPECT_THAT(refused.error().message(), HasSubstr("invalid username/password"));
  options.credentials = {};
  refused = Client::create(options)->check_auth();
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error().message(), HasSubstr("authentication required"));
}

}  // namespace
}  // namespace nook::registry
