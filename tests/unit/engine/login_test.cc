#include "lib/engine/login.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nook::engine {
namespace {

using ::testing::HasSubstr;

TEST(LoginTest, CredentialsKeyOfAHost) {
  auto key = parse_credentials_key("127.0.0.1:5000");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->key, "127.0.0.1:5000");
  EXPECT_EQ(key->registry, "127.0.0.1:5000");
  EXPECT_EQ(parse_credentials_key("quay.io")->key, "quay.io");
  EXPECT_EQ(parse_credentials_key("localhost")->registry, "localhost");
  EXPECT_EQ(parse_credentials_key("[::1]:5000")->registry, "[::1]:5000");
}

TEST(LoginTest, UrlsBecomeHostPort) {
  EXPECT_EQ(parse_credentials_key("https://index.docker.io/v1/")->key, "index.docker.io");
  EXPECT_EQ(parse_credentials_key("http://127.0.0.1:5000")->key, "127.0.0.1:5000");
}

TEST(LoginTest, RepositoryKeys) {
  auto key = parse_credentials_key("quay.io/my-org/repo_1");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(key->key, "quay.io/my-org/repo_1");
  EXPECT_EQ(key->registry, "quay.io");
  EXPECT_THAT(parse_credentials_key("quay.io/org/repo:tag").error().message(), HasSubstr("contains tag or digest"));
  EXPECT_THAT(parse_credentials_key("quay.io/org/repo@sha256:0123").error().message(),
              HasSubstr("contains tag or digest"));
}

TEST(LoginTest, MalformedArguments) {
  for (const char* bad : {"", "bad host", "host:", "host:port", "-host", "quay.io/Upper", "quay.io//x", "quay.io/a-",
                          "https://"}) {
    auto key = parse_credentials_key(bad);
    ASSERT_FALSE(key) << bad;
    EXPECT_EQ(key.error().kind(), ErrorKind::InvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace nook::engine
