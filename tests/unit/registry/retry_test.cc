#include "lib/registry/retry.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

namespace nook::registry {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RetryTest, TransientCurlCodes) {
  EXPECT_TRUE(is_transient_curl_code(CURLE_COULDNT_CONNECT));
  EXPECT_TRUE(is_transient_curl_code(CURLE_OPERATION_TIMEDOUT));
  EXPECT_TRUE(is_transient_curl_code(CURLE_PARTIAL_FILE));
  EXPECT_TRUE(is_transient_curl_code(CURLE_RECV_ERROR));
  EXPECT_TRUE(is_transient_curl_code(CURLE_GOT_NOTHING));
  EXPECT_FALSE(is_transient_curl_code(CURLE_OK));
  EXPECT_FALSE(is_transient_curl_code(CURLE_PEER_FAILED_VERIFICATION));
  EXPECT_FALSE(is_transient_curl_code(CURLE_SSL_CONNECT_ERROR));
  EXPECT_FALSE(is_transient_curl_code(CURLE_WRITE_ERROR));
  EXPECT_FALSE(is_transient_curl_code(CURLE_URL_MALFORMAT));
}

TEST(RetryTest, TransientStatuses) {
  for (long status : {408L, 429L, 500L, 502L, 503L, 504L, 599L}) EXPECT_TRUE(is_transient_status(status)) << status;
  for (long status : {200L, 206L, 301L, 400L, 401L, 403L, 404L, 416L, 501L, 505L}) {
    EXPECT_FALSE(is_transient_status(status)) << status;
  }
}

TEST(RetryTest, BackoffDoublesAndCaps) {
  EXPECT_EQ(backoff_delay(1, milliseconds(200)), milliseconds(200));
  EXPECT_EQ(backoff_delay(2, milliseconds(200)), milliseconds(400));
  EXPECT_EQ(backoff_delay(3, milliseconds(200)), milliseconds(800));
  EXPECT_EQ(backoff_delay(0, milliseconds(200)), milliseconds(200));
  EXPECT_EQ(backoff_delay(40, milliseconds(200)), milliseconds(30'000));
  EXPECT_EQ(backoff_delay(1, milliseconds(200), seconds(3)), milliseconds(3000));
  EXPECT_EQ(backoff_delay(1, milliseconds(200), seconds(120)), milliseconds(10'000));
  EXPECT_EQ(backoff_delay(1, milliseconds(200), seconds(0)), milliseconds(0));
}

TEST(RetryTest, RetryAfter) {
  std::time_t now = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT
  EXPECT_EQ(parse_retry_after("5", now), seconds(5));
  EXPECT_EQ(parse_retry_after(" 0 ", now), seconds(0));
  EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now), seconds(10));
  EXPECT_EQ(parse_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now), seconds(0));
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-3", now), std::nullopt);
}

}  // namespace
}  // namespace nook::registry
