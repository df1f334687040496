#include "lib/registry/challenge.h"

#include <fmt/format.h>

#include <cctype>

#include "lib/config/json_adapter.h"
#include "lib/util/strings.h"

namespace nook::registry {

namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~/=").find(c) !=
                                                            std::string_view::npos;
}

void skip_space(std::string_view text, size_t& i) {
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
}

std::string read_token(std::string_view text, size_t& i) {
  size_t start = i;
  while (i < text.size() && is_token_char(text[i]) && text[i] != '=') ++i;
  return std::string(text.substr(start, i - start));
}

// A quoted string starting at text[i] == '"'; backslash escapes the next character.
std::string read_quoted(std::string_view text, size_t& i) {
  std::string out;
  ++i;
  while (i < text.size() && text[i] != '"') {
    if (text[i] == '\\' && i + 1 < text.size()) ++i;
    out.push_back(text[i++]);
  }
  if (i < text.size()) ++i;  // closing quote
  return out;
}

}  // namespace

std::string Challenge::param(std::string_view key) const {
  auto it = params.find(std::string(key));
  return it == params.end() ? std::string() : it->second;
}

std::vector<Challenge> parse_www_authenticate(std::string_view value) {
  std::vector<Challenge> out;
  size_t i = 0;
  while (i < value.size()) {
    skip_space(value, i);
    while (i < value.size() && (value[i] == ',' || value[i] == ' ')) ++i;
    if (i >= value.size()) break;
    std::string name = read_token(value, i);
    if (name.empty()) {
      ++i;  // garbage
      continue;
    }
    // `name` is either a new scheme or (after a scheme) a parameter name followed by '='.
    size_t after = i;
    skip_space(value, after);
    if (!out.empty() && after < value.size() && value[after] == '=') {
      i = after + 1;
      skip_space(value, i);
      std::string param_value;
      if (i < value.size() && value[i] == '"') {
        param_value = read_quoted(value, i);
      } else {
        size_t start = i;
        while (i < value.size() && value[i] != ',' && value[i] != ' ') ++i;
        param_value = std::string(value.substr(start, i - start));
      }
      out.back().params[strings::to_lower(name)] = std::move(param_value);
      continue;
    }
    out.push_back(Challenge{.scheme = strings::to_lower(name), .params = {}});
  }
  return out;
}

std::string repository_scope(std::string_view repository, bool push) {
  return fmt::format("repository:{}:{}", repository, push ? "pull,push" : "pull");
}

std::string url_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

Result<std::string> token_url(const Challenge& challenge, const std::vector<std::string>& scopes) {
  std::string realm = challenge.param("realm");
  if (realm.empty()) return fail(ErrorKind::InvalidArgument, "bearer challenge without a realm");
  if (!realm.starts_with("https://") && !realm.starts_with("http://")) {
    return fail(ErrorKind::InvalidArgument, fmt::format("unsupported token realm {:?}", realm));
  }
  std::string url = realm;
  char sep = realm.find('?') == std::string::npos ? '?' : '&';
  std::string service = challenge.param("service");
  if (!service.empty()) {
    url += fmt::format("{}service={}", sep, url_encode(service));
    sep = '&';
  }
  for (const std::string& scope : scopes) {
    if (scope.empty()) continue;
    url += fmt::format("{}scope={}", sep, url_encode(scope));
    sep = '&';
  }
  return url;
}

std::string refresh_token_form(const Challenge& challenge, const std::vector<std::string>& scopes,
                               std::string_view refresh_token, std::string_view client_id) {
  std::string form = fmt::format("grant_type=refresh_token&refresh_token={}&client_id={}", url_encode(refresh_token),
                                 url_encode(client_id));
  std::string service = challenge.param("service");
  if (!service.empty()) form += "&service=" + url_encode(service);
  std::vector<std::string> nonempty;
  for (const std::string& scope : scopes) {
    if (!scope.empty()) nonempty.push_back(scope);
  }
  if (!nonempty.empty()) form += "&scope=" + url_encode(strings::join(nonempty, " "));
  return form;
}

Result<Token> parse_token_response(std::string_view body) {
  auto parsed = config::parse_json(body, "token response");
  if (!parsed) return fail(ErrorKind::Corrupt, parsed.error().message());
  const nlohmann::json& doc = *parsed;
  if (!doc.is_object()) return fail(ErrorKind::Corrupt, "token response is not a JSON object");
  Token token;
  for (const char* key : {"token", "access_token"}) {
    auto it = doc.find(key);
    if (it != doc.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      token.token = it->get<std::string>();
      break;
    }
  }
  if (token.token.empty()) return fail(ErrorKind::Corrupt, "token response has no token");
  auto expires = doc.find("expires_in");
  if (expires != doc.end() && expires->is_number()) {
    double seconds = expires->get<double>();
    if (seconds >= 1 && seconds < 1e9) token.expires_in = std::chrono::seconds(static_cast<int64_t>(seconds));
  }
  return token;
}

}  // namespace nook::registry
