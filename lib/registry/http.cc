#include "lib/registry/http.h"

#include "lib/config/json_adapter.h"
#include "lib/util/strings.h"

namespace nook::registry {

std::string media_type_without_params(std::string_view content_type) {
  return strings::to_lower(strings::trim(content_type.substr(0, content_type.find(';'))));
}

namespace {

const nlohmann::json* first_error(const nlohmann::json& doc) {
  if (!doc.is_object()) return nullptr;
  auto it = doc.find("errors");
  if (it == doc.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return nullptr;
  return &(*it)[0];
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<std::string> registry_error_message(std::string_view body) {
  if (body.empty() || strings::trim(body).front() != '{') return std::nullopt;
  auto doc = config::parse_json(body, "error body");
  if (!doc) return std::nullopt;
  const nlohmann::json* error = first_error(*doc);
  if (!error) return std::nullopt;
  std::string message = string_field(*error, "message");
  if (!message.empty()) return message;
  std::string code = strings::to_lower(string_field(*error, "code"));
  for (char& c : code) {
    if (c == '_') c = ' ';
  }
  if (code.empty()) return std::nullopt;
  return code;
}

std::string registry_error_code(std::string_view body) {
  if (body.empty() || strings::trim(body).front() != '{') return {};
  auto doc = config::parse_json(body, "error body");
  if (!doc) return {};
  const nlohmann::json* error = first_error(*doc);
  return error ? string_field(*error, "code") : std::string();
}

std::optional<std::string> link_next(std::string_view link) {
  for (const std::string& part : strings::split(link, ',')) {
    std::string_view item = strings::trim(part);
    size_t open = item.find('<');
    size_t close = item.find('>');
    if (open != 0 || close == std::string_view::npos) continue;
    std::string params = strings::to_lower(item.substr(close + 1));
    if (params.find("rel=\"next\"") == std::string::npos && params.find("rel=next") == std::string::npos) continue;
    return std::string(item.substr(1, close - 1));
  }
  return std::nullopt;
}

std::string resolve_url(std::string_view base, std::string_view target) {
  if (target.starts_with("http://") || target.starts_with("https://")) return std::string(target);
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  if (!target.starts_with('/')) out.push_back('/');
  out += target;
  return out;
}

std::string append_query(std::string_view url, std::string_view key_value) {
  std::string out(url);
  out.push_back(url.find('?') == std::string_view::npos ? '?' : '&');
  out += key_value;
  return out;
}

std::optional<std::string> header_value(std::string_view line, std::string_view name) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (!strings::iequals(strings::trim(line.substr(0, colon)), name)) return std::nullopt;
  return std::string(strings::trim(line.substr(colon + 1)));
}

}  // namespace nook::registry
