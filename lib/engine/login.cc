// `nook login` / `nook logout`, after containers/common pkg/auth (Login, Logout, getUserAndPass,
// parseCredentialsKey).
#include "lib/engine/login.h"

#include <fmt/format.h>

#include <cctype>

#include "lib/config/auth.h"
#include "lib/engine/engine.h"
#include "lib/registry/client.h"
#include "lib/registry/credentials.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// A registry host[:port]: DNS-ish labels or a bracketed IPv6 address, then an optional port.
bool valid_host(std::string_view host) {
  if (host.empty()) return false;
  std::string_view name = host;
  std::string_view port;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    name = host.substr(0, close + 1);
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (port.empty()) return false;
    }
  } else {
    size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
      if (port.empty()) return false;
    }
    if (name.empty() || name.front() == '-' || name.front() == '.' || name.back() == '-' || name.back() == '.') {
      return false;
    }
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
    }
  }
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A repository path component: [a-z0-9]+ joined by '.', '_', '__' or runs of '-'.
bool valid_component(std::string_view part) {
  if (part.empty() || !is_lower_alnum(part.front()) || !is_lower_alnum(part.back())) return false;
  for (size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (is_lower_alnum(c) || c == '-') continue;
    if (c == '.' || c == '_') {
      if (i + 1 < part.size() && part[i + 1] == '_' && c == '_') {
        ++i;  // "__"
        if (i + 1 < part.size() && !is_lower_alnum(part[i + 1])) return false;
        continue;
      }
      if (i + 1 < part.size() && !is_lower_alnum(part[i + 1])) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool has_credentials(const config::Credentials& c) { return !c.username.empty() || !c.identity_token.empty(); }

std::string first_search_registry(const Settings& settings) {
  const auto& registries = settings.config.registries.unqualified_search_registries;
  return registries.empty() ? std::string() : registries.front();
}

config::AuthPaths auth_paths(const Settings& settings, std::string_view authfile) {
  if (!authfile.empty()) {
    return config::AuthPaths{
        .write_path = std::string(authfile), .read_paths = {std::string(authfile)}, .user_specified = true};
  }
  return config::auth_file_paths(settings.env, settings.config.runtime_dir);
}

Result<void> check_compat(const std::string& compat, const std::string& authfile) {
  if (compat.empty()) return {};
  if (!authfile.empty()) {
    return fail(ErrorKind::InvalidArgument,
                "options for paths to the credential file and to the Docker-compatible credential file can not be set "
                "simultaneously");
  }
  return fail(ErrorKind::Unsupported, "--compat-auth-file is not supported");
}

Result<CredentialsKey> key_for(const Settings& settings, const std::optional<std::string>& registry) {
  if (registry) return parse_credentials_key(*registry);
  std::string first = first_search_registry(settings);
  if (first.empty()) {
    return fail(ErrorKind::InvalidArgument, "no registries found in registries.conf, a registry must be provided");
  }
  NOOK_DEBUG(Registry, "registry not specified, default to the first registry {:?} from registries.conf", first);
  return CredentialsKey{.key = first, .registry = first};
}

// The password given on stdin: every line, without the line ends (bufio.Scanner in podman).
std::string password_from_stdin(std::string_view text) {
  std::string out;
  for (const std::string& line : strings::split(text, '\n')) {
    std::string_view l = line;
    if (l.ends_with('\r')) l.remove_suffix(1);
    out += l;
  }
  return out;
}

}  // namespace

Result<CredentialsKey> parse_credentials_key(std::string_view argument) {
  std::string key(argument);
  if (key.starts_with("http://") || key.starts_with("https://")) {
    std::string_view rest = std::string_view(key).substr(key.find("://") + 3);
    key = std::string(rest.substr(0, rest.find_first_of("/?#")));
  }
  if (key.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("invalid registry {:?}", argument));
  std::vector<std::string> parts = strings::split(key, '/');
  if (!valid_host(parts[0])) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("parse reference from {:?}: invalid reference format", std::string(argument)));
  }
  if (parts.size() > 1) {
    std::string_view last = parts.back();
    if (last.find(':') != std::string_view::npos || key.find('@') != std::string::npos) {
      return fail(ErrorKind::InvalidArgument, fmt::format("reference {:?} contains tag or digest", key));
    }
    for (size_t i = 1; i < parts.size(); ++i) {
      if (!valid_component(parts[i])) {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("parse reference from {:?}: invalid reference format", key));
      }
    }
  }
  NOOK_TRY_VOID(config::validate_auth_key(key));
  return CredentialsKey{.key = key, .registry = parts[0]};
}

namespace {

// TLS and certificates for `host`; no credentials.
registry::ClientOptions transport_options(const Settings& settings, std::string_view host, const RegistryAccess& access) {
  registry::ClientOptions options;
  options.host = std::string(host);
  if (access.tls_verify) {
    options.insecure = !*access.tls_verify;
  } else if (const config::Registry* reg = settings.config.registries.find_registry(host)) {
    options.insecure = reg->endpoint.insecure;
  }
  options.cert_dirs = registry::cert_dirs_for(host, config::xdg_config_home(settings.env), settings.env.rootless(),
                                              access.cert_dir);
  return options;
}

}  // namespace

Result<registry::ClientOptions> registry_client_options(const Settings& settings, std::string_view host,
                                                        const RegistryAccess& access, std::string_view auth_key) {
  registry::ClientOptions options = transport_options(settings, host, access);
  config::AuthPaths paths = auth_paths(settings, access.authfile);
  options.credentials =
      NOOK_TRY(registry::credentials_for(paths.read_paths, auth_key.empty() ? host : auth_key));
  return options;
}

Result<void> login(const Settings& settings, const LoginOptions& options, const LoginIo& io) {
  NOOK_TRY_VOID(check_compat(options.compat_auth_file, options.access.authfile));
  CredentialsKey target = NOOK_TRY(key_for(settings, options.registry));
  config::AuthPaths paths = auth_paths(settings, options.access.authfile);
  auto existing_result = registry::credentials_for(paths.read_paths, target.key);
  if (!existing_result) return fail(existing_result.error().context("get credentials"));
  config::Credentials existing = *existing_result;

  if (options.get_login) {
    if (existing.username.empty()) return fail(ErrorKind::NotFound, fmt::format("not logged into {}", target.key));
    io.print_line(existing.username);
    return {};
  }
  if (!existing.identity_token.empty()) {
    return fail(ErrorKind::InvalidState, "currently logged in, auth file contains an Identity token");
  }

  std::string username = options.username;
  std::string password = options.password;
  if (options.password_stdin) {
    if (!options.password.empty()) {
      return fail(ErrorKind::InvalidArgument, "can't specify both --password-stdin and --password");
    }
    if (options.username.empty()) return fail(ErrorKind::InvalidArgument, "must provide --username with --password-stdin");
    std::string text = NOOK_TRY(io.read_stdin());
    password = password_from_stdin(text);
  }

  auto check = [&](const std::string& user, const std::string& pass) -> Result<void> {
    registry::ClientOptions client_options = transport_options(settings, target.registry, options.access);
    client_options.credentials = config::Credentials{.username = user, .password = pass, .identity_token = ""};
    registry::Client client = NOOK_TRY(registry::Client::create(std::move(client_options)));
    return client.check_auth();
  };

  if (username.empty() && password.empty() && !existing.username.empty() && !existing.password.empty()) {
    io.print_line(fmt::format("Authenticating with existing credentials for {}", target.key));
    if (check(existing.username, existing.password)) {
      io.print_line(fmt::format("Existing credentials are valid. Already logged in to {}", target.registry));
      return {};
    }
    io.print_line("Existing credentials are invalid, please enter valid username and password");
  }

  if (username.empty()) {
    if (!io.prompt) {
      return fail(ErrorKind::InvalidArgument,
                  "getting username and password: cannot prompt for username without a terminal: use --username");
    }
    std::string shown = existing.username.empty() ? "Username: " : fmt::format("Username ({}): ", existing.username);
    auto answer = io.prompt(shown, false);
    if (!answer) return fail(answer.error().context("getting username and password: reading username"));
    username = std::string(strings::trim(*answer));
    if (username.empty()) username = existing.username;
    if (username.empty()) return fail(ErrorKind::InvalidArgument, "getting username and password: no username given");
  }
  if (password.empty()) {
    if (!io.prompt) {
      return fail(ErrorKind::InvalidArgument,
                  "getting username and password: cannot prompt for password without a terminal: use --password or "
                  "--password-stdin");
    }
    auto answer = io.prompt("Password: ", true);
    if (!answer) return fail(answer.error().context("getting username and password: reading password"));
    password = *answer;
  }

  auto checked = check(username, password);
  if (!checked) {
    if (checked.error().kind() == ErrorKind::Permission) {
      NOOK_DEBUG(Registry, "error logging into {:?}: {}", target.key, checked.error().message());
      return fail(ErrorKind::Permission, fmt::format("logging into {:?}: invalid username/password", target.key));
    }
    return fail(checked.error().context(fmt::format("authenticating creds for {:?}", target.key)));
  }
  NOOK_TRY_VOID(registry::store_credentials(paths.write_path, target.key, username, password));
  if (options.verbose) io.print_line(fmt::format("Used:  {}", paths.write_path));
  io.print_line("Login Succeeded!");
  return {};
}

Result<std::string> logout(const Settings& settings, const LogoutOptions& options) {
  NOOK_TRY_VOID(check_compat(options.compat_auth_file, options.authfile));
  if (!options.authfile.empty()) {
    auto exists = sys::path_exists(options.authfile);
    if (!exists || !*exists) {
      return fail(ErrorKind::NotFound,
                  fmt::format("checking authfile: stat {}: no such file or directory", options.authfile));
    }
  }
  config::AuthPaths paths = auth_paths(settings, options.authfile);
  if (options.all) {
    if (options.registry) return fail(ErrorKind::InvalidArgument, "--all takes no arguments");
    auto exists = NOOK_TRY(sys::path_exists(paths.write_path));
    if (exists) {
      config::AuthFile file = NOOK_TRY(config::read_auth_file(paths.write_path));
      file.auths.clear();
      NOOK_TRY_VOID(config::write_auth_file(file));
    }
    return std::string("Removed login credentials for all registries");
  }
  CredentialsKey target = NOOK_TRY(key_for(settings, options.registry));
  auto removed = registry::erase_stored_credentials(paths.write_path, target.key);
  if (!removed) return fail(removed.error().context(fmt::format("logging out of {:?}", target.key)));
  if (*removed) return fmt::format("Removed login credentials for {}", target.key);
  // Credentials in another file (Docker's config.json) are not ours to remove.
  auto lookup = config::lookup_credentials(paths.read_paths, target.key);
  if (lookup && lookup->kind == config::AuthLookup::Kind::Credentials && lookup->path != paths.write_path &&
      has_credentials(lookup->credentials)) {
    return fmt::format(
        "Not logged into {} with current tool. Existing credentials were established via docker login. Please use "
        "docker logout instead.",
        target.key);
  }
  return fail(ErrorKind::NotFound, fmt::format("not logged into {}", target.key));
}

}  // namespace nook::engine
