// The one place lib/config calls nlohmann::json's throwing parse and dump.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::config {

struct JsonParseOptions {
  // containers-policy.json(5): "duplicated ... fields cause the entire file ... to be rejected".
  bool reject_duplicate_keys = false;
};

// Parses JSON text read from `path` (used in messages only). A syntax error gives InvalidArgument
// "parsing \"PATH\": line L, column C: PROBLEM".
[[nodiscard]] Result<nlohmann::json> parse_json(std::string_view text, std::string_view path,
                                                JsonParseOptions options = {});

// Serializes `value` (indent < 0: compact; else `indent` copies of `indent_char` per level). Invalid UTF-8 in strings is replaced with U+FFFD
// instead of throwing.
std::string dump_json(const nlohmann::json& value, int indent = -1, char indent_char = ' ');

}  // namespace nook::config
