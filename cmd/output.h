// Printing results: JSON the way podman indents it, and --format templates.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "lib/util/error.h"

namespace nook::cli {

// JSON followed by a newline; indent 0 prints it on one line.
void print_json(const nlohmann::json& value, int indent);

// One object (info, version, inspect): "json" prints JSON with `json_indent`; anything else is a
// Go template (podman's --format). Template errors are InvalidArgument naming the position.
[[nodiscard]] Result<void> print_formatted(std::string_view format, const nlohmann::json& data, int json_indent);

}  // namespace nook::cli
