#include "lib/registry/credentials.h"

#include <fmt/format.h>

#include "lib/config/json_adapter.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::registry {

namespace {

constexpr std::string_view kNotFound = "credentials not found";

std::string registry_of(std::string_view key) { return std::string(key.substr(0, key.find('/'))); }

// Runs docker-credential-<helper> <action> with `input` on stdin.
Result<sys::CaptureResult> run_helper(std::string_view helper, std::string_view action, std::string_view input) {
  std::string program = fmt::format("docker-credential-{}", helper);
  sys::Pipe pipe = NOOK_TRY(sys::Pipe::create());
  // The input is a server name or a small JSON document: it fits in the pipe buffer.
  NOOK_TRY_VOID(sys::write_all(pipe.write.get(), input));
  pipe.write.reset();
  sys::SpawnOptions options{.argv = {program, std::string(action)}};
  options.stdin_from = sys::Redirect::to_fd(pipe.read.get());
  NOOK_DEBUG(Registry, "running {} {}", program, action);
  auto result = sys::run_capture(std::move(options), kHelperTimeout);
  if (!result) return fail(result.error().context(fmt::format("running credential helper {:?}", program)));
  return result;
}

// The helper's complaint for an error message: stdout (where the protocol puts it), else stderr.
std::string helper_message(const sys::CaptureResult& result) {
  std::string_view text = strings::trim(result.stdout_data);
  if (text.empty()) text = strings::trim(result.stderr_data);
  if (text.empty()) return fmt::format("exit status {}", result.status.shell_code());
  return std::string(text);
}

bool says_not_found(const sys::CaptureResult& result) {
  return result.stdout_data.find(kNotFound) != std::string::npos ||
         result.stderr_data.find(kNotFound) != std::string::npos;
}

}  // namespace

Result<std::optional<config::Credentials>> helper_get(std::string_view helper, std::string_view server) {
  sys::CaptureResult result = NOOK_TRY(run_helper(helper, "get", server));
  std::string program = fmt::format("docker-credential-{}", helper);
  if (!result.status.success()) {
    if (says_not_found(result)) return std::nullopt;
    return fail(ErrorKind::Permission,
                fmt::format("credential helper {:?} get {:?}: {}", program, server, helper_message(result)));
  }
  auto doc = config::parse_json(result.stdout_data, program);
  if (!doc) return fail(doc.error());
  if (!doc->is_object()) {
    return fail(ErrorKind::Corrupt, fmt::format("credential helper {:?} printed no JSON object", program));
  }
  auto text = [&](const char* key) -> std::string {
    auto it = doc->find(key);
    return it != doc->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  config::Credentials credentials;
  std::string username = text("Username");
  std::string secret = text("Secret");
  if (username == "<token>") {
    credentials.identity_token = secret;
  } else {
    credentials.username = username;
    credentials.password = secret;
  }
  if (credentials.username.empty() && credentials.identity_token.empty()) return std::nullopt;
  return credentials;
}

Result<void> helper_store(std::string_view helper, std::string_view server, std::string_view username,
                          std::string_view secret) {
  nlohmann::json doc = {{"ServerURL", server}, {"Username", username}, {"Secret", secret}};
  sys::CaptureResult result = NOOK_TRY(run_helper(helper, "store", config::dump_json(doc)));
  if (!result.status.success()) {
    return fail(ErrorKind::Permission, fmt::format("credential helper \"docker-credential-{}\" store {:?}: {}", helper,
                                                   server, helper_message(result)));
  }
  return {};
}

Result<bool> helper_erase(std::string_view helper, std::string_view server) {
  sys::CaptureResult result = NOOK_TRY(run_helper(helper, "erase", server));
  if (!result.status.success()) {
    if (says_not_found(result)) return false;
    return fail(ErrorKind::Permission, fmt::format("credential helper \"docker-credential-{}\" erase {:?}: {}", helper,
                                                   server, helper_message(result)));
  }
  return true;
}

Result<config::Credentials> credentials_for(const std::vector<std::string>& auth_read_paths, std::string_view key) {
  config::AuthLookup lookup = NOOK_TRY(config::lookup_credentials(auth_read_paths, key));
  switch (lookup.kind) {
    case config::AuthLookup::Kind::None:
      return config::Credentials{};
    case config::AuthLookup::Kind::Credentials:
      NOOK_DEBUG(Registry, "credentials for {} from {} (key {})", key, lookup.path, lookup.matched_key);
      return lookup.credentials;
    case config::AuthLookup::Kind::Helper: {
      std::optional<config::Credentials> found = NOOK_TRY(helper_get(lookup.helper, lookup.registry));
      return found ? *found : config::Credentials{};
    }
  }
  return config::Credentials{};
}

Result<std::optional<std::string>> owning_helper(const std::string& path, std::string_view key) {
  config::AuthFile file = NOOK_TRY(config::read_auth_file(path));
  for (const std::string& owner : {std::string(key), registry_of(key)}) {
    if (auto it = file.cred_helpers.find(owner); it != file.cred_helpers.end()) return it->second;
  }
  return std::nullopt;
}

Result<void> store_credentials(const std::string& write_path, std::string_view key, std::string_view username,
                               std::string_view password) {
  NOOK_TRY_VOID(config::validate_auth_key(key));
  std::optional<std::string> helper = NOOK_TRY(owning_helper(write_path, key));
  if (helper) return helper_store(*helper, registry_of(key), username, password);
  return config::set_credentials(write_path, key, username, password);
}

Result<bool> erase_stored_credentials(const std::string& write_path, std::string_view key) {
  NOOK_TRY_VOID(config::validate_auth_key(key));
  std::optional<std::string> helper = NOOK_TRY(owning_helper(write_path, key));
  if (helper) return helper_erase(*helper, registry_of(key));
  return config::erase_credentials(write_path, key);
}

Result<config::Credentials> parse_creds(std::string_view creds) {
  if (creds.empty()) return fail(ErrorKind::InvalidArgument, "credentials can't be empty");
  size_t colon = creds.find(':');
  if (colon == 0) return fail(ErrorKind::InvalidArgument, "username can't be empty");
  config::Credentials out;
  out.username = std::string(creds.substr(0, colon));
  if (colon != std::string_view::npos) out.password = std::string(creds.substr(colon + 1));
  return out;
}

}  // namespace nook::registry
