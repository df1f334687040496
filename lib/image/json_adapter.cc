// nlohmann::json::parse throws on syntax errors; the exception is caught here and nowhere else in
// lib/image.
#include "lib/image/json_adapter.h"

#include <exception>
#include <string>

#include <fmt/format.h>

namespace nook::image {

namespace {

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." -> the part
// after the position, which is what a user can act on.
std::string problem_of(std::string_view what) {
  size_t at = what.find("parse error");
  if (at != std::string_view::npos) {
    size_t colon = what.find(": ", at);
    if (colon != std::string_view::npos) return std::string(what.substr(colon + 2));
  }
  size_t bracket = what.find("] ");
  if (what.starts_with("[") && bracket != std::string_view::npos) return std::string(what.substr(bracket + 2));
  return std::string(what);
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text, std::string_view what) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    return fail(ErrorKind::Corrupt, fmt::format("{} is not valid JSON: {}", what, problem_of(e.what())));
  }
}

}  // namespace nook::image
