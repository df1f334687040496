#include "lib/registry/retry.h"

#include <curl/curl.h>

#include <algorithm>
#include <string>

#include "lib/registry/curl_api.h"
#include "lib/util/strings.h"

namespace nook::registry {

bool is_transient_curl_code(int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return true;
    default:
      return false;
  }
}

bool is_transient_status(long status) {
  if (status == 408 || status == 429) return true;
  return status >= 500 && status <= 599 && status != 501 && status != 505;
}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::optional<std::chrono::seconds> retry_after) {
  using std::chrono::milliseconds;
  if (retry_after) return std::min<milliseconds>(*retry_after, std::chrono::seconds(10));
  int shift = std::clamp(attempt - 1, 0, 20);
  int64_t ms = base.count() << shift;
  return milliseconds(std::min<int64_t>(ms, 30'000));
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::time_t now) {
  std::string_view text = strings::trim(value);
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 9) return std::chrono::seconds(999'999'999);
    return std::chrono::seconds(std::stoll(std::string(text)));
  }
  // An HTTP date: parsed by curl, which answered the request (so it is loaded).
  auto curl = curl_api();
  if (!curl) return std::nullopt;
  std::time_t when = (*curl)->getdate(std::string(text).c_str(), nullptr);
  if (when == -1) return std::nullopt;
  return std::chrono::seconds(std::max<std::time_t>(0, when - now));
}

}  // namespace nook::registry
