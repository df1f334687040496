// The part of an nlohmann::json exception message a user can act on.
#pragma once

#include <string>
#include <string_view>

namespace nook {

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while parsing
// value - invalid literal; last read: 'x'" -> "syntax error while parsing value - invalid literal;
// last read: 'x'"; other "[json.exception.X] text" -> "text"; anything else unchanged.
std::string json_error_problem(std::string_view what);

}  // namespace nook
