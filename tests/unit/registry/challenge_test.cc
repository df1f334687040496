#include "lib/registry/challenge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nook::registry {
namespace {

TEST(ChallengeTest, ParsesBearerWithQuotedParams) {
  auto challenges = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].param("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(challenges[0].param("service"), "registry.docker.io");
  EXPECT_EQ(challenges[0].param("scope"), "repository:library/busybox:pull,push");
  EXPECT_EQ(challenges[0].param("missing"), "");
}

TEST(ChallengeTest, ParsesBasicAndSeveralChallenges) {
  auto challenges = parse_www_authenticate(R"(Basic realm="nook-e2e")");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].param("realm"), "nook-e2e");

  challenges = parse_www_authenticate(R"(Basic realm="a, b", BEARER Realm=http://x/token , service = "s\"q")");
  ASSERT_EQ(challenges.size(), 2u);
  EXPECT_EQ(challenges[0].param("realm"), "a, b");
  EXPECT_EQ(challenges[1].scheme, "bearer");
  EXPECT_EQ(challenges[1].param("realm"), "http://x/token");
  EXPECT_EQ(challenges[1].param("service"), "s\"q");
}

TEST(ChallengeTest, EmptyAndGarbage) {
  EXPECT_TRUE(parse_www_authenticate("").empty());
  EXPECT_TRUE(parse_www_authenticate(" , ,").empty());
  auto challenges = parse_www_authenticate("Negotiate");
  ASSERT_EQ(challenges.size(), 1u);
  EXPECT_EQ(challenges[0].scheme, "negotiate");
}

TEST(ChallengeTest, Scopes) {
  EXPECT_EQ(repository_scope("library/busybox", false), "repository:library/busybox:pull");
  EXPECT_EQ(repository_scope("a/b", true), "repository:a/b:pull,push");
}

TEST(ChallengeTest, UrlEncode) {
  EXPECT_EQ(url_encode("repository:a/b:pull,push"), "repository%3Aa%2Fb%3Apull%2Cpush");
  EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url_encode("a b"), "a%20b");
}

TEST(ChallengeTest, TokenUrl) {
  Challenge c{.scheme = "bearer", .params = {{"realm", "https://auth.example/token"}, {"service", "reg.example"}}};
  auto url = token_url(c, {"repository:a/b:pull", "repository:c:pull"});
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_EQ(*url,
            "https://auth.example/token?service=reg.example&scope=repository%3Aa%2Fb%3Apull&scope=repository%3Ac%3Apull");
  EXPECT_EQ(*token_url(c, {}), "https://auth.example/token?service=reg.example");

  Challenge query{.scheme = "bearer", .params = {{"realm", "http://127.0.0.1:5/token?x=1"}}};
  EXPECT_EQ(*token_url(query, {"", "s"}), "http://127.0.0.1:5/token?x=1&scope=s");

  Challenge none{.scheme = "bearer", .params = {}};
  EXPECT_EQ(token_url(none, {}).error().kind(), ErrorKind::InvalidArgument);
  Challenge ftp{.scheme = "bearer", .params = {{"realm", "ftp://x/"}}};
  EXPECT_EQ(token_url(ftp, {}).error().kind(), ErrorKind::InvalidArgument);
}

TEST(ChallengeTest, RefreshTokenForm) {
  Challenge c{.scheme = "bearer", .params = {{"realm", "https://a/token"}, {"service", "svc"}}};
  EXPECT_EQ(refresh_token_form(c, {"repository:a:pull", "repository:b:pull"}, "tok en", "nook"),
            "grant_type=refresh_token&refresh_token=tok%20en&client_id=nook&service=svc"
            "&scope=repository%3Aa%3Apull%20repository%3Ab%3Apull");
}

TEST(ChallengeTest, TokenResponse) {
  auto token = parse_token_response(R"({"token":"abc","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"})");
  ASSERT_TRUE(token) << token.error().message();
  EXPECT_EQ(token->token, "abc");
  EXPECT_EQ(token->expires_in, std::chrono::seconds(300));

  token = parse_token_response(R"({"access_token":"xyz"})");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->token, "xyz");
  EXPECT_EQ(token->expires_in, std::chrono::seconds(60));

  token = parse_token_response(R"({"token":"t","expires_in":0})");
  EXPECT_EQ(token->expires_in, std::chrono::seconds(60));

  EXPECT_EQ(parse_token_response("not json").error().kind(), ErrorKind::Corrupt);
  EXPECT_EQ(parse_token_response(R"({"token":""})").error().kind(), ErrorKind::Corrupt);
  EXPECT_EQ(parse_token_response("[1]").error().kind(), ErrorKind::Corrupt);
}

}  // namespace
}  // namespace nook::registry
