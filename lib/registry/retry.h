// When a registry request is worth repeating, and how long to wait first. Pure.
#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <string_view>

namespace nook::registry {

// A curl result code (CURLcode as int) that a retry may cure: connection refused or reset, DNS
// hiccups, timeouts, a transfer cut short. TLS verification failures and local errors are not.
bool is_transient_curl_code(int curl_code);

// HTTP statuses that are worth retrying: 408, 429, 500, 502, 503, 504 (and other 5xx but 501/505).
bool is_transient_status(long status);

// The delay before retry number `attempt` (1 for the first retry): base * 2^(attempt-1), capped at
// 30 s; a Retry-After from the server replaces it when given, capped at 10 s.
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::optional<std::chrono::seconds> retry_after = std::nullopt);

// A Retry-After value: delay-seconds ("120") or an HTTP-date, relative to `now`. nullopt when it
// cannot be parsed (or, for a date, when libcurl, which parses it, cannot be loaded); a date in
// the past is 0.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::time_t now);

}  // namespace nook::registry
