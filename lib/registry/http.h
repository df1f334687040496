// Small pure helpers for registry HTTP answers: header values, distribution error bodies, Link
// pagination, URL joining.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nook::registry {

// "application/json; charset=utf-8" -> "application/json" (trimmed, lower case).
std::string media_type_without_params(std::string_view content_type);

// A distribution-spec error body {"errors":[{"code","message","detail"}]} as "manifest unknown"
// (the first error's message, else its code in lower case with '_' as ' '); nullopt when the body
// is not one.
std::optional<std::string> registry_error_message(std::string_view body);

// The first error code ("MANIFEST_UNKNOWN"), "" when none.
std::string registry_error_code(std::string_view body);

// The target of a `Link: <URL>; rel="next"` header value, nullopt when there is no next link.
std::optional<std::string> link_next(std::string_view link);

// Resolves a Location or Link target against the base "https://host:port": absolute URLs are kept,
// "/v2/..." gets the base prepended.
std::string resolve_url(std::string_view base, std::string_view target);

// `url` with "key=value" appended to its query ('?' or '&').
std::string append_query(std::string_view url, std::string_view key_value);

// The value of an HTTP header line "Name: value\r\n" when its name is `name` (case-insensitive).
std::optional<std::string> header_value(std::string_view line, std::string_view name);

}  // namespace nook::registry
