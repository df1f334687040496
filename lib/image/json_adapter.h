// The one place lib/image calls nlohmann::json's throwing parser (STYLE.md 3.5). Everything else in
// lib/image reads the parsed value through type checks, never through throwing get<>().
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::image {

// Parses `text`. A syntax error gives Corrupt "WHAT is not valid JSON: PROBLEM", where PROBLEM is
// nlohmann's description without its "[json.exception...]" prefix, e.g.
// "manifest is not valid JSON: syntax error while parsing value - unexpected end of input; ...".
[[nodiscard]] Result<nlohmann::json> parse_json(std::string_view text, std::string_view what);

}  // namespace nook::image
