// nlohmann::json::parse throws on syntax errors; the exception is caught here and nowhere else in
// lib/image.
#include "lib/image/json_adapter.h"

#include <exception>
#include <string>

#include <fmt/format.h>

#include "lib/util/json_error.h"

namespace nook::image {

Result<nlohmann::json> parse_json(std::string_view text, std::string_view what) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    return fail(ErrorKind::Corrupt, fmt::format("{} is not valid JSON: {}", what, json_error_problem(e.what())));
  }
}

}  // namespace nook::image
