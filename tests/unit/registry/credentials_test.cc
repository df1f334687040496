#include "lib/registry/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/sys/file.h"

namespace nook::registry {
namespace {

using ::testing::HasSubstr;

// A real docker-credential-nooktest helper (a shell script keeping one JSON file per server) on
// PATH, and a temp dir for auth files.
class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = sys::make_temp_dir("/tmp", "nook-credentials-test-");
    ASSERT_TRUE(made) << made.error().message();
    dir_ = std::move(*made);
    store_ = dir_.path() + "/store";
    ASSERT_TRUE(sys::make_dirs(store_));
    std::string script = fmt::format(R"SH(#!/bin/sh
store='{0}'
case "$1" in
get)
    read -r server
    if [ -f "$store/$server" ]; then cat "$store/$server"; else echo "credentials not found in native keychain"; exit 1; fi ;;
store)
    json=$(cat)
    server=$(printf '%s' "$json" | sed -n 's/.*"ServerURL":"\([^"]*\)".*/\1/p')
    printf '%s' "$json" > "$store/$server" ;;
erase)
    read -r server
    if [ -f "$store/$server" ]; then rm "$store/$server"; else echo "credentials not found in native keychain"; exit 1; fi ;;
*)
    echo "unknown action $1" >&2; exit 2 ;;
esac
)SH",
                                     store_);
    write(dir_.path() + "/bin/docker-credential-nooktest", script);
    ASSERT_EQ(chmod((dir_.path() + "/bin/docker-credential-nooktest").c_str(), 0755), 0);
    write(dir_.path() + "/bin/docker-credential-broken", "#!/bin/sh\necho 'keyring locked' >&2\nexit 3\n");
    ASSERT_EQ(chmod((dir_.path() + "/bin/docker-credential-broken").c_str(), 0755), 0);
    const char* path = std::getenv("PATH");
    old_path_ = path ? path : "";
    setenv("PATH", (dir_.path() + "/bin:" + old_path_).c_str(), 1);
  }
  void TearDown() override { setenv("PATH", old_path_.c_str(), 1); }

  void write(const std::string& path, std::string_view text) {
    ASSERT_TRUE(sys::make_dirs(path.substr(0, path.rfind('/'))));
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }

  std::string auth_json(std::string_view body) {
    std::string path = dir_.path() + "/auth.json";
    write(path, body);
    return path;
  }

  sys::TempPath dir_;
  std::string store_;
  std::string old_path_;
};

TEST_F(CredentialsTest, FromTheAuthFile) {
  std::string path = auth_json(fmt::format(R"({{"auths":{{"reg.example:5000":{{"auth":"{}"}}}}}})",
                                           config::base64_encode("alice:s3cret")));
  auto creds = credentials_for({dir_.path() + "/missing.json", path}, "reg.example:5000/some/repo");
  ASSERT_TRUE(creds) << creds.error().message();
  EXPECT_EQ(creds->username, "alice");
  EXPECT_EQ(creds->password, "s3cret");

  creds = credentials_for({path}, "other.example");
  ASSERT_TRUE(creds);
  EXPECT_TRUE(creds->username.empty());
  EXPECT_TRUE(creds->password.empty());
}

TEST_F(CredentialsTest, HelperStoreGetErase) {
  std::string path = auth_json(R"({"auths":{},"credHelpers":{"reg.example":"nooktest"}})");
  // Nothing stored yet: "credentials not found" is anonymous, not an error.
  auto creds = credentials_for({path}, "reg.example");
  ASSERT_TRUE(creds) << creds.error().message();
  EXPECT_TRUE(creds->username.empty());

  auto helper = owning_helper(path, "reg.example/ns/repo");
  ASSERT_TRUE(helper);
  EXPECT_EQ(*helper, "nooktest");

  ASSERT_TRUE(store_credentials(path, "reg.example", "bob", "pa ss"));
  creds = credentials_for({path}, "reg.example/ns/repo");
  ASSERT_TRUE(creds) << creds.error().message();
  EXPECT_EQ(creds->username, "bob");
  EXPECT_EQ(creds->password, "pa ss");
  // The auth file itself was not touched.
  EXPECT_EQ(*sys::read_file(path), R"({"auths":{},"credHelpers":{"reg.example":"nooktest"}})");

  auto erased = erase_stored_credentials(path, "reg.example");
  ASSERT_TRUE(erased) << erased.error().message();
  EXPECT_TRUE(*erased);
  erased = erase_stored_credentials(path, "reg.example");
  ASSERT_TRUE(erased) << erased.error().message();
  EXPECT_FALSE(*erased);
}

TEST_F(CredentialsTest, IdentityTokenFromHelper) {
  ASSERT_TRUE(helper_store("nooktest", "tok.example", "<token>", "refresh-me"));
  auto creds = helper_get("nooktest", "tok.example");
  ASSERT_TRUE(creds) << creds.error().message();
  ASSERT_TRUE(creds->has_value());
  EXPECT_EQ((*creds)->identity_token, "refresh-me");
  EXPECT_TRUE((*creds)->username.empty());
}

TEST_F(CredentialsTest, FileStoreAndErase) {
  std::string path = dir_.path() + "/sub/auth.json";
  ASSERT_TRUE(store_credentials(path, "127.0.0.1:5000", "carol", "pw"));
  auto creds = credentials_for({path}, "127.0.0.1:5000");
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->username, "carol");
  EXPECT_EQ(*erase_stored_credentials(path, "127.0.0.1:5000"), true);
  EXPECT_EQ(*erase_stored_credentials(path, "127.0.0.1:5000"), false);
  EXPECT_EQ(store_credentials(path, "https://x", "a", "b").error().kind(), ErrorKind::InvalidArgument);
}

TEST_F(CredentialsTest, HelperFailuresAreErrors) {
  auto broken = helper_get("broken", "reg.example");
  ASSERT_FALSE(broken);
  EXPECT_THAT(broken.error().message(), HasSubstr("keyring locked"));
  auto missing = helper_get("does-not-exist-anywhere", "reg.example");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message(), HasSubstr("docker-credential-does-not-exist-anywhere"));
  std::string path = auth_json(R"({"auths":{},"credsStore":"broken"})");
  EXPECT_FALSE(credentials_for({path}, "reg.example"));
}

}  // namespace
}  // namespace nook::registry

namespace nook::registry {
namespace {

TEST(ParseCreds, UserAndPassword) {
  auto c = parse_creds("alice:s3:cret");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "alice");
  EXPECT_EQ(c->password, "s3:cret");
  auto only_user = parse_creds("bob");
  ASSERT_TRUE(only_user);
  EXPECT_EQ(only_user->username, "bob");
  EXPECT_EQ(only_user->password, "");
}

TEST(ParseCreds, EmptyValuesAreRefused) {
  auto empty = parse_creds("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(), "credentials can't be empty");
  auto no_user = parse_creds(":pw");
  ASSERT_FALSE(no_user);
  EXPECT_EQ(no_user.error().message(), "username can't be empty");
}

}  // namespace
}  // namespace nook::registry
