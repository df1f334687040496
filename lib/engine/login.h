// `nook login` / `nook logout` (podman-login(1), podman-logout(1); containers/common pkg/auth):
// check credentials against the registry, then store them in auth.json (or the credential helper
// that credHelpers names); remove them again. Also how any verb builds a registry client's
// options from the configuration (TLS verification, certs.d, credentials).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook::registry {
struct ClientOptions;
}

namespace nook::engine {

struct Settings;

// How a verb reaches a registry: --tls-verify (unset: registries.conf `insecure` decides),
// --cert-dir, --authfile (unset: REGISTRY_AUTH_FILE, then the default locations).
struct RegistryAccess {
  std::optional<bool> tls_verify;
  std::string cert_dir;
  std::string authfile;
};

// Options for a client of `host` (a registry host[:port], as in a reference): TLS per
// registries.conf and --tls-verify, certs.d directories, credentials for `auth_key` (the host, or
// host/repository for per-repository credentials; empty: the host).
[[nodiscard]] Result<registry::ClientOptions> registry_client_options(const Settings& settings, std::string_view host,
                                                                      const RegistryAccess& access,
                                                                      std::string_view auth_key = {});

struct LoginOptions {
  std::optional<std::string> registry;  // the argument; unset: the first unqualified-search registry
  RegistryAccess access;
  std::string compat_auth_file;  // --compat-auth-file (unsupported)
  bool get_login = false;
  std::string username;
  std::string password;
  bool password_stdin = false;
  bool verbose = false;
};

// The terminal side of login, provided by cmd/.
struct LoginIo {
  std::function<void(const std::string&)> print_line;  // to stdout
  std::function<Result<std::string>()> read_stdin;     // all of stdin (--password-stdin)
  // Asks on the terminal (without echo when `secret`); empty when stdin is not a terminal.
  std::function<Result<std::string>(const std::string& prompt, bool secret)> prompt;
};

// Logs in: prints "Login Succeeded!" (and more with --verbose) through io. Errors as podman:
// "logging into \"HOST\": invalid username/password", "not logged into HOST" (--get-login).
[[nodiscard]] Result<void> login(const Settings& settings, const LoginOptions& options, const LoginIo& io);

struct LogoutOptions {
  std::optional<std::string> registry;
  std::string authfile;
  std::string compat_auth_file;
  bool all = false;
};

// Logs out; returns the line to print ("Removed login credentials for HOST"). "not logged into
// HOST" when there was nothing to remove.
[[nodiscard]] Result<std::string> logout(const Settings& settings, const LogoutOptions& options);

// The credentials key and registry of a login/logout argument (containers/common
// parseCredentialsKey): "https://host/v1/" -> host; "host/ns/repo" is accepted (per-repository
// credentials) unless it has a tag or digest; InvalidArgument for malformed names.
struct CredentialsKey {
  std::string key;
  std::string registry;
};
[[nodiscard]] Result<CredentialsKey> parse_credentials_key(std::string_view argument);

}  // namespace nook::engine
