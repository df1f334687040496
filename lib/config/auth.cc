#include "lib/config/auth.h"

#include <array>

#include <fmt/format.h>

#include "lib/config/file_io.h"
#include "lib/config/json_adapter.h"

namespace nook::config {

namespace {

using json = nlohmann::json;

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Error format_error(std::string_view path, std::string_view problem) {
  return Error(ErrorKind::InvalidArgument, fmt::format("parsing \"{}\": {}", path, problem));
}

std::string_view registry_of(std::string_view key) { return key.substr(0, key.find('/')); }

// containers/image normalizeRegistry: Docker Hub's aliases compare equal.
std::string normalize_registry(std::string_view registry) {
  if (registry == "registry-1.docker.io" || registry == "docker.io") return "index.docker.io";
  return std::string(registry);
}

// containers/image normalizeAuthFileKey: "https://host/v1/" -> "host".
std::string normalize_key(std::string_view key) {
  std::string_view stripped = key;
  if (stripped.starts_with("http://")) {
    stripped.remove_prefix(7);
  } else if (stripped.starts_with("https://")) {
    stripped.remove_prefix(8);
  }
  if (stripped.size() != key.size()) stripped = stripped.substr(0, stripped.find('/'));
  return normalize_registry(stripped);
}

// "quay.io/a/b" -> {"quay.io/a/b", "quay.io/a", "quay.io"}
std::vector<std::string> keys_for(std::string_view key) {
  std::vector<std::string> keys;
  while (true) {
    keys.emplace_back(key);
    size_t slash = key.rfind('/');
    if (slash == std::string_view::npos) break;
    key = key.substr(0, slash);
  }
  return keys;
}

// Decodes an entry; nullopt when it holds no "user:password" (Docker skips those).
Result<std::optional<Credentials>> decode_entry(const AuthFile& file, const std::string& key, const AuthEntry& entry) {
  Result<std::string> decoded = base64_decode(entry.auth);
  if (!decoded) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("reading \"{}\": the \"auth\" field of \"{}\" is not valid base64", file.path, key));
  }
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::optional<Credentials>();
  Credentials creds;
  creds.username = decoded->substr(0, colon);
  creds.password = decoded->substr(colon + 1);
  while (!creds.password.empty() && creds.password.back() == '\0') creds.password.pop_back();
  while (!creds.password.empty() && creds.password.front() == '\0') creds.password.erase(0, 1);
  creds.identity_token = entry.identity_token;
  return std::optional<Credentials>(std::move(creds));
}

Result<AuthLookup> answer(const AuthFile& file, const std::string& key, const AuthEntry& entry,
                          AuthLookup lookup) {
  std::optional<Credentials> creds = NOOK_TRY(decode_entry(file, key, entry));
  if (creds) {
    lookup.kind = AuthLookup::Kind::Credentials;
    lookup.credentials = std::move(*creds);
    lookup.matched_key = key;
    lookup.path = file.path;
  } else if (!file.creds_store.empty()) {
    // Docker writes "auths": {"host": {}} for hosts whose secret is in the credsStore.
    lookup.kind = AuthLookup::Kind::Helper;
    lookup.helper = file.creds_store;
    lookup.path = file.path;
  }
  return lookup;
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::array<int, 256> values{};
  values.fill(-1);
  for (size_t i = 0; i < kAlphabet.size(); ++i) values[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int>(i);
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t digits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int value = values[static_cast<uint8_t>(c)];
    if (value < 0 || padding > 0) return fail(ErrorKind::InvalidArgument, "invalid base64 data");
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    ++digits;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  if (digits % 4 == 1 || padding > 2 || (padding > 0 && (digits + padding) % 4 != 0)) {
    return fail(ErrorKind::InvalidArgument, "invalid base64 data");
  }
  return out;
}

Result<AuthFile> parse_auth_file(std::string_view text, std::string_view path) {
  AuthFile file;
  file.path = std::string(path);
  file.document = NOOK_TRY(parse_json(text, path));
  const json& doc = file.document;
  if (!doc.is_object()) return fail(format_error(path, "expected a JSON object"));
  if (auto it = doc.find("auths"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return fail(format_error(path, "\"auths\" must be an object"));
    for (const auto& [key, value] : it->items()) {
      if (!value.is_object()) return fail(format_error(path, fmt::format("auths[\"{}\"] must be an object", key)));
      AuthEntry entry;
      if (auto field = value.find("auth"); field != value.end() && !field->is_null()) {
        if (!field->is_string()) return fail(format_error(path, fmt::format("auths[\"{}\"].auth must be a string", key)));
        entry.auth = field->get<std::string>();
      }
      if (auto field = value.find("identitytoken"); field != value.end() && !field->is_null()) {
        if (!field->is_string()) {
          return fail(format_error(path, fmt::format("auths[\"{}\"].identitytoken must be a string", key)));
        }
        entry.identity_token = field->get<std::string>();
      }
      file.auths.emplace(key, std::move(entry));
    }
  }
  if (auto it = doc.find("credHelpers"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return fail(format_error(path, "\"credHelpers\" must be an object"));
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) return fail(format_error(path, fmt::format("credHelpers[\"{}\"] must be a string", key)));
      file.cred_helpers.emplace(key, value.get<std::string>());
    }
  }
  if (auto it = doc.find("credsStore"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return fail(format_error(path, "\"credsStore\" must be a string"));
    file.creds_store = it->get<std::string>();
  }
  return file;
}

Result<AuthFile> read_auth_file(const std::string& path) {
  Result<std::string> text = read_text_file(path);
  if (!text) {
    if (text.error().kind() == ErrorKind::NotFound) {
      AuthFile empty;
      empty.path = path;
      return empty;
    }
    return fail(text.error());
  }
  return parse_auth_file(*text, path);
}

Result<void> validate_auth_key(std::string_view key) {
  if (key.empty()) return fail(ErrorKind::InvalidArgument, "empty registry key");
  if (key.starts_with("http://") || key.starts_with("https://")) {
    return fail(ErrorKind::InvalidArgument, fmt::format("key \"{}\" contains an http[s]:// prefix", key));
  }
  if (key.find('@') != std::string_view::npos) {
    return fail(ErrorKind::InvalidArgument, fmt::format("key \"{}\" contains a '@' character", key));
  }
  size_t slash = key.find('/');
  if (slash != std::string_view::npos && key.find(':', slash + 1) != std::string_view::npos) {
    return fail(ErrorKind::InvalidArgument, fmt::format("key \"{}\" contains a ':' character after host[:port]", key));
  }
  return {};
}

Result<AuthLookup> find_credentials(const AuthFile& file, std::string_view key) {
  NOOK_TRY_VOID(validate_auth_key(key));
  AuthLookup lookup;
  lookup.registry = std::string(registry_of(key));
  if (auto it = file.cred_helpers.find(lookup.registry); it != file.cred_helpers.end()) {
    lookup.kind = AuthLookup::Kind::Helper;
    lookup.helper = it->second;
    lookup.path = file.path;
    return lookup;
  }
  for (const std::string& candidate : keys_for(key)) {
    if (auto it = file.auths.find(candidate); it != file.auths.end()) {
      return answer(file, it->first, it->second, std::move(lookup));
    }
  }
  std::string wanted = normalize_registry(lookup.registry);
  for (const auto& [file_key, entry] : file.auths) {
    if (normalize_key(file_key) == wanted) return answer(file, file_key, entry, std::move(lookup));
  }
  if (!file.creds_store.empty()) {
    lookup.kind = AuthLookup::Kind::Helper;
    lookup.helper = file.creds_store;
    lookup.path = file.path;
  }
  return lookup;
}

Result<AuthLookup> lookup_credentials(const std::vector<std::string>& paths, std::string_view key) {
  NOOK_TRY_VOID(validate_auth_key(key));
  for (const std::string& path : paths) {
    AuthFile file = NOOK_TRY(read_auth_file(path));
    AuthLookup lookup = NOOK_TRY(find_credentials(file, key));
    if (lookup.kind != AuthLookup::Kind::None) return lookup;
  }
  AuthLookup none;
  none.registry = std::string(registry_of(key));
  return none;
}

Result<void> write_auth_file(const AuthFile& file) {
  json doc = file.document.is_object() ? file.document : json::object();
  json old_auths = doc.contains("auths") && doc["auths"].is_object() ? doc["auths"] : json::object();
  json auths = json::object();
  for (const auto& [key, entry] : file.auths) {
    json value = old_auths.contains(key) && old_auths[key].is_object() ? old_auths[key] : json::object();
    value["auth"] = entry.auth;
    if (entry.identity_token.empty()) {
      value.erase("identitytoken");
    } else {
      value["identitytoken"] = entry.identity_token;
    }
    auths[key] = std::move(value);
  }
  doc["auths"] = std::move(auths);
  if (!file.cred_helpers.empty() || doc.contains("credHelpers")) {
    json helpers = json::object();
    for (const auto& [registry, helper] : file.cred_helpers) helpers[registry] = helper;
    doc["credHelpers"] = std::move(helpers);
  }
  if (!file.creds_store.empty()) {
    doc["credsStore"] = file.creds_store;
  } else {
    doc.erase("credsStore");
  }
  std::string text = dump_json(doc, 1, '\t');
  text += '\n';
  Result<void> written = write_file_atomic(file.path, text, 0600);
  if (!written) return fail(written.error().context(fmt::format("writing \"{}\"", file.path)));
  return {};
}

Result<void> set_credentials(const std::string& path, std::string_view key, std::string_view username,
                             std::string_view password) {
  NOOK_TRY_VOID(validate_auth_key(key));
  AuthFile file = NOOK_TRY(read_auth_file(path));
  std::string registry(registry_of(key));
  for (const std::string& owner : {std::string(key), registry}) {
    if (auto it = file.cred_helpers.find(owner); it != file.cred_helpers.end()) {
      return fail(ErrorKind::Unsupported, fmt::format("credentials for \"{}\" are managed by credential helper \"{}\" (in \"{}\")",
                                                      owner, it->second, path));
    }
  }
  std::string secret = fmt::format("{}:{}", username, password);
  file.auths[std::string(key)] = AuthEntry{.auth = base64_encode(secret), .identity_token = ""};
  return write_auth_file(file);
}

Result<bool> erase_credentials(const std::string& path, std::string_view key) {
  NOOK_TRY_VOID(validate_auth_key(key));
  AuthFile file = NOOK_TRY(read_auth_file(path));
  if (file.auths.erase(std::string(key)) == 0) return false;
  NOOK_TRY_VOID(write_auth_file(file));
  return true;
}

}  // namespace nook::config
