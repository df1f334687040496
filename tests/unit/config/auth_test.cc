#include "lib/config/auth.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/config/json_adapter.h"
#include "tests/unit/config/test_support.h"

namespace nook::config {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

std::string entry(std::string_view user, std::string_view pass) {
  return fmt::format(R"({{"auth": "{}"}})", base64_encode(fmt::format("{}:{}", user, pass)));
}

AuthFile parsed_auth(std::string_view text, std::string_view path = "/run/user/1000/containers/auth.json") {
  Result<AuthFile> file = parse_auth_file(text, path);
  EXPECT_TRUE(file.has_value()) << file.error().message();
  return file ? std::move(*file) : AuthFile{};
}

TEST(AuthTest, Base64) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_EQ(*base64_decode("dXNlcjpwYXNz"), "user:pass");
  EXPECT_EQ(*base64_decode("Zg=="), "f");
  EXPECT_EQ(*base64_decode("Zm8="), "fo");
  EXPECT_FALSE(base64_decode("not base64!").has_value());
  EXPECT_FALSE(base64_decode("Z").has_value());
  EXPECT_FALSE(base64_decode("Zg=x").has_value());
  std::string binary("\x00\xff\x10 a", 5);
  EXPECT_EQ(*base64_decode(base64_encode(binary)), binary);
}

TEST(AuthTest, ParsesAuthsHelpersAndStore) {
  AuthFile file = parsed_auth(fmt::format(R"({{
    "auths": {{"quay.io": {}, "ghcr.io": {{"auth": "", "identitytoken": "tok"}}}},
    "credHelpers": {{"gcr.io": "gcloud"}},
    "credsStore": "desktop",
    "HttpHeaders": {{"User-Agent": "x"}}
  }})", entry("u", "p")));
  EXPECT_EQ(file.auths.size(), 2u);
  EXPECT_EQ(file.auths["quay.io"].auth, base64_encode("u:p"));
  EXPECT_EQ(file.auths["ghcr.io"].identity_token, "tok");
  EXPECT_EQ(file.cred_helpers["gcr.io"], "gcloud");
  EXPECT_EQ(file.creds_store, "desktop");
}

TEST(AuthTest, LookupExactAndNamespaced) {
  AuthFile file = parsed_auth(fmt::format(R"({{"auths": {{
    "quay.io": {}, "quay.io/org": {}, "quay.io/org/repo": {}, "localhost:5000": {}
  }}}})", entry("host", "1"), entry("org", "2"), entry("repo", "3"), entry("local", "4")));
  auto user_for = [&](std::string_view key) {
    Result<AuthLookup> lookup = find_credentials(file, key);
    EXPECT_TRUE(lookup.has_value()) << lookup.error().message();
    return lookup && lookup->kind == AuthLookup::Kind::Credentials ? lookup->credentials.username : "<none>";
  };
  EXPECT_EQ(user_for("quay.io"), "host");
  EXPECT_EQ(user_for("quay.io/org/repo"), "repo");
  EXPECT_EQ(user_for("quay.io/org/other"), "org");
  EXPECT_EQ(user_for("quay.io/orgx/repo"), "host");  // "quay.io/org" is not a prefix of "quay.io/orgx"
  EXPECT_EQ(user_for("quay.io/elsewhere"), "host");
  EXPECT_EQ(user_for("localhost:5000/img"), "local");
  EXPECT_EQ(user_for("ghcr.io"), "<none>");
  Result<AuthLookup> hit = find_credentials(file, "quay.io/org/repo");
  EXPECT_EQ(hit->matched_key, "quay.io/org/repo");
  EXPECT_EQ(hit->registry, "quay.io");
  EXPECT_EQ(hit->credentials.password, "3");
  EXPECT_EQ(hit->path, "/run/user/1000/containers/auth.json");
}

TEST(AuthTest, LookupMatchesKeysWrittenWithASchemeAndDockerHubAliases) {
  AuthFile file = parsed_auth(fmt::format(R"({{"auths": {{
    "https://index.docker.io/v1/": {}, "http://registry.example:5000/v2/": {}
  }}}})", entry("hub", "h"), entry("ex", "e")));
  Result<AuthLookup> hub = find_credentials(file, "docker.io");
  ASSERT_TRUE(hub.has_value());
  ASSERT_EQ(hub->kind, AuthLookup::Kind::Credentials);
  EXPECT_EQ(hub->credentials.username, "hub");
  EXPECT_EQ(hub->matched_key, "https://index.docker.io/v1/");
  EXPECT_EQ(find_credentials(file, "docker.io/library/busybox")->credentials.username, "hub");
  EXPECT_EQ(find_credentials(file, "registry-1.docker.io")->credentials.username, "hub");
  EXPECT_EQ(find_credentials(file, "registry.example:5000/ns/img")->credentials.username, "ex");
  EXPECT_EQ(find_credentials(file, "registry.example")->kind, AuthLookup::Kind::None);
}

TEST(AuthTest, CredHelpersAndCredsStore) {
  AuthFile file = parsed_auth(fmt::format(R"({{"auths": {{"quay.io": {}, "docker.io": {{}}}},
    "credHelpers": {{"gcr.io": "gcloud"}}, "credsStore": "secretservice"}})", entry("q", "q")));
  Result<AuthLookup> gcr = find_credentials(file, "gcr.io/project/img");
  ASSERT_EQ(gcr->kind, AuthLookup::Kind::Helper);
  EXPECT_EQ(gcr->helper, "gcloud");
  EXPECT_EQ(gcr->registry, "gcr.io");
  EXPECT_EQ(find_credentials(file, "quay.io")->kind, AuthLookup::Kind::Credentials);
  // An empty entry (Docker's marker for credsStore-held secrets) and unknown hosts go to credsStore.
  EXPECT_EQ(find_credentials(file, "docker.io")->helper, "secretservice");
  EXPECT_EQ(find_credentials(file, "ghcr.io")->helper, "secretservice");
}

TEST(AuthTest, EntryWithoutColonIsSkippedAndInvalidBase64IsAnError) {
  AuthFile file = parsed_auth(fmt::format(R"({{"auths": {{"a.io": {{"auth": "{}"}}, "b.io": {{"auth": "%%%"}}}}}})",
                                     base64_encode("nocolon")));
  EXPECT_EQ(find_credentials(file, "a.io")->kind, AuthLookup::Kind::None);
  Result<AuthLookup> bad = find_credentials(file, "b.io");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), HasSubstr("/run/user/1000/containers/auth.json"));
  EXPECT_THAT(bad.error().message(), HasSubstr("\"b.io\""));
}

TEST(AuthTest, PasswordKeepsColonsAndLosesNulPadding) {
  AuthFile file = parsed_auth(fmt::format(R"({{"auths": {{"a.io": {{"auth": "{}"}}}}}})",
                                     base64_encode(std::string("user:pa:ss\0\0", 12))));
  Result<AuthLookup> hit = find_credentials(file, "a.io");
  EXPECT_EQ(hit->credentials.username, "user");
  EXPECT_EQ(hit->credentials.password, "pa:ss");
}

TEST(AuthTest, KeyValidation) {
  EXPECT_TRUE(validate_auth_key("quay.io").has_value());
  EXPECT_TRUE(validate_auth_key("localhost:5000/ns").has_value());
  EXPECT_THAT(validate_auth_key("https://quay.io").error().message(), HasSubstr("http[s]://"));
  EXPECT_THAT(validate_auth_key("quay.io/a@sha256:00").error().message(), HasSubstr("'@'"));
  EXPECT_THAT(validate_auth_key("quay.io/a:tag").error().message(), HasSubstr("':'"));
  EXPECT_FALSE(find_credentials(AuthFile{}, "").has_value());
}

TEST(AuthTest, MalformedFilesNameThePath) {
  for (std::string_view text : {"{\"auths\": ", "[]", R"({"auths": []})", R"({"auths": {"a.io": "x"}})",
                                R"({"auths": {"a.io": {"auth": 5}}})", R"({"credHelpers": {"a.io": 1}})",
                                R"({"credsStore": true})"}) {
    Result<AuthFile> file = parse_auth_file(text, "/home/u/.docker/config.json");
    ASSERT_FALSE(file.has_value()) << text;
    EXPECT_EQ(file.error().kind(), ErrorKind::InvalidArgument);
    EXPECT_THAT(file.error().message(), HasSubstr("\"/home/u/.docker/config.json\"")) << text;
  }
}

class AuthFilesTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string primary_ = dir_ / "run/containers/auth.json";
  std::string config_home_ = dir_ / "config/containers/auth.json";
  std::string docker_ = dir_ / "home/.docker/config.json";
  std::vector<std::string> paths_ = {primary_, config_home_, docker_};
};

TEST_F(AuthFilesTest, LookupFallsBackThroughTheFiles) {
  write_file(docker_, fmt::format(R"({{"auths": {{"https://index.docker.io/v1/": {}, "quay.io": {}}}}})",
                                  entry("docker-hub", "x"), entry("docker-quay", "x")));
  write_file(config_home_, fmt::format(R"({{"auths": {{"quay.io": {}}}}})", entry("xdg-quay", "x")));
  Result<AuthLookup> hub = lookup_credentials(paths_, "docker.io/library/alpine");
  ASSERT_TRUE(hub.has_value()) << hub.error().message();
  EXPECT_EQ(hub->credentials.username, "docker-hub");
  EXPECT_EQ(hub->path, docker_);
  EXPECT_EQ(lookup_credentials(paths_, "quay.io/x")->credentials.username, "xdg-quay");
  write_file(primary_, fmt::format(R"({{"auths": {{"quay.io": {}}}}})", entry("primary", "x")));
  EXPECT_EQ(lookup_credentials(paths_, "quay.io/x")->credentials.username, "primary");
  EXPECT_EQ(lookup_credentials(paths_, "ghcr.io")->kind, AuthLookup::Kind::None);
}

TEST_F(AuthFilesTest, LookupStopsAtAMalformedFile) {
  write_file(config_home_, "{not json");
  Result<AuthLookup> lookup = lookup_credentials(paths_, "quay.io");
  ASSERT_FALSE(lookup.has_value());
  EXPECT_THAT(lookup.error().message(), HasSubstr(config_home_));
  EXPECT_THAT(lookup.error().message(), HasSubstr("line 1"));
}

TEST_F(AuthFilesTest, SetCredentialsWritesAPrivateFileAtomically) {
  mode_t old_umask = umask(022);
  Result<void> set = set_credentials(primary_, "quay.io", "alice", "s3cret");
  umask(old_umask);
  ASSERT_TRUE(set.has_value()) << set.error().message();
  EXPECT_EQ(testing::mode_of(primary_), 0600u);
  EXPECT_EQ(testing::mode_of(dir_ / "run/containers"), 0700u);
  Result<AuthLookup> lookup = lookup_credentials({primary_}, "quay.io/any");
  ASSERT_EQ(lookup->kind, AuthLookup::Kind::Credentials);
  EXPECT_EQ(lookup->credentials.username, "alice");
  EXPECT_EQ(lookup->credentials.password, "s3cret");
  // A namespaced key next to it.
  ASSERT_TRUE(set_credentials(primary_, "quay.io/team", "bob", "pw").has_value());
  EXPECT_EQ(lookup_credentials({primary_}, "quay.io/team/img")->credentials.username, "bob");
  EXPECT_EQ(lookup_credentials({primary_}, "quay.io/other")->credentials.username, "alice");
}

TEST_F(AuthFilesTest, RewritesKeepFieldsNookDoesNotUse) {
  write_file(docker_, fmt::format(R"({{"auths": {{"quay.io": {{"auth": "{}", "email": "a@b"}}, "gone.io": {}}},
                                      "HttpHeaders": {{"User-Agent": "docker"}}, "credHelpers": {{"gcr.io": "gcloud"}}}})",
                                  base64_encode("old:old"), entry("g", "g")));
  ASSERT_TRUE(set_credentials(docker_, "quay.io", "new", "new").has_value());
  Result<bool> erased = erase_credentials(docker_, "gone.io");
  ASSERT_TRUE(erased.has_value());
  EXPECT_TRUE(*erased);
  Result<std::string> text = read_text_file(docker_);
  Result<nlohmann::json> doc = parse_json(*text, docker_);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ((*doc)["HttpHeaders"]["User-Agent"], "docker");
  EXPECT_EQ((*doc)["credHelpers"]["gcr.io"], "gcloud");
  EXPECT_EQ((*doc)["auths"]["quay.io"]["email"], "a@b");
  EXPECT_EQ((*doc)["auths"]["quay.io"]["auth"], base64_encode("new:new"));
  EXPECT_FALSE((*doc)["auths"].contains("gone.io"));
}

TEST_F(AuthFilesTest, EraseReportsWhetherAnythingWasRemoved) {
  Result<bool> nothing = erase_credentials(primary_, "quay.io");
  ASSERT_TRUE(nothing.has_value());
  EXPECT_FALSE(*nothing);
  EXPECT_FALSE(*path_exists(primary_));  // not created by a no-op logout
  ASSERT_TRUE(set_credentials(primary_, "quay.io", "a", "b").has_value());
  EXPECT_TRUE(*erase_credentials(primary_, "quay.io"));
  EXPECT_FALSE(*erase_credentials(primary_, "quay.io"));
  EXPECT_EQ(lookup_credentials({primary_}, "quay.io")->kind, AuthLookup::Kind::None);
}

TEST_F(AuthFilesTest, HelperManagedKeysAreNotWritten) {
  write_file(primary_, R"({"auths": {}, "credHelpers": {"gcr.io": "gcloud"}})");
  Result<void> set = set_credentials(primary_, "gcr.io", "a", "b");
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().kind(), ErrorKind::Unsupported);
  EXPECT_THAT(set.error().message(), HasSubstr("gcloud"));
}

TEST_F(AuthFilesTest, WritingRejectsBadKeysAndMalformedFiles) {
  EXPECT_FALSE(set_credentials(primary_, "https://quay.io", "a", "b").has_value());
  write_file(primary_, "{\"auths\": 5}");
  Result<void> set = set_credentials(primary_, "quay.io", "a", "b");
  ASSERT_FALSE(set.has_value());
  EXPECT_THAT(set.error().message(), HasSubstr(primary_));
  EXPECT_EQ(*read_text_file(primary_), "{\"auths\": 5}");  // untouched
}

}  // namespace
}  // namespace nook::config
