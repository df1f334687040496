// Go's encoding/json output for JSON values, as the `json` template function prints them
// (json.NewEncoder with SetEscapeHTML(false), trailing newline removed): compact, object keys in
// sorted order, '<' '>' '&' kept as they are, U+2028/U+2029 and control characters escaped,
// invalid UTF-8 replaced by \ufffd, floats without a ".0" and with exponents only below 1e-6 or
// from 1e21 ("1e+21", "1e-7").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace nook::format {

// The encoding of value; "" when it holds a NaN or an infinity (Go's encoder fails on those and
// podman's json function then prints nothing).
std::string go_json_marshal(const nlohmann::json& value);

}  // namespace nook::format
