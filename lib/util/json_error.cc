#include "lib/util/json_error.h"

namespace nook {

std::string json_error_problem(std::string_view what) {
  size_t at = what.find("parse error");
  if (at != std::string_view::npos) {
    size_t colon = what.find(": ", at);
    if (colon != std::string_view::npos) return std::string(what.substr(colon + 2));
  }
  size_t bracket = what.find("] ");
  if (what.starts_with("[") && bracket != std::string_view::npos) return std::string(what.substr(bracket + 2));
  return std::string(what);
}

}  // namespace nook
