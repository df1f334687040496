#include "lib/config/registries_conf.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/config/toml_adapter.h"
#include "tests/unit/config/test_support.h"

namespace nook::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

Result<void> merge(RegistriesConf& conf, std::string_view text, std::string_view path = "/etc/containers/registries.conf") {
  Result<toml::table> table = parse_toml(text, path);
  if (!table) return fail(table.error());
  return merge_registries_conf(*table, path, conf);
}

RegistriesConf parsed_registries(std::string_view text) {
  RegistriesConf conf;
  Result<void> ok = merge(conf, text);
  EXPECT_TRUE(ok.has_value()) << ok.error().message();
  return conf;
}

std::string registries_error(std::string_view text) {
  RegistriesConf conf;
  Result<void> ok = merge(conf, text);
  EXPECT_FALSE(ok.has_value()) << text;
  if (ok) return "";
  EXPECT_EQ(ok.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_THAT(ok.error().message(), HasSubstr("/etc/containers/registries.conf"));
  return ok.error().message();
}

TEST(RegistriesConfTest, PrefixMatchesAtPathComponentBoundaries) {
  EXPECT_EQ(match_prefix("example.com/foo", "example.com/foo"), 15u);
  EXPECT_EQ(match_prefix("example.com/foo/bar", "example.com/foo"), 15u);
  EXPECT_EQ(match_prefix("example.com/foo:tag", "example.com/foo"), 15u);
  EXPECT_EQ(match_prefix("example.com/foo@sha256:abc", "example.com/foo"), 15u);
  EXPECT_EQ(match_prefix("example.com/foobar", "example.com/foo"), std::nullopt);
  EXPECT_EQ(match_prefix("example.com", "example.com/foo"), std::nullopt);
  EXPECT_EQ(match_prefix("example.community/x", "example.com"), std::nullopt);
  EXPECT_EQ(match_prefix("other.com/example.com", "example.com"), std::nullopt);
  EXPECT_EQ(match_prefix("example.com/x", ""), std::nullopt);
}

TEST(RegistriesConfTest, WildcardPrefixMatchesSubdomains) {
  EXPECT_EQ(match_prefix("a.example.com/img", "*.example.com"), 13u);
  EXPECT_EQ(match_prefix("a.b.example.com:5000/img", "*.example.com"), 15u);
  EXPECT_EQ(match_prefix("a.example.com", "*.example.com"), 13u);
  EXPECT_EQ(match_prefix("example.com/img", "*.example.com"), std::nullopt);  // not the domain itself
  EXPECT_EQ(match_prefix("a.example.com.evil.org/img", "*.example.com"), std::nullopt);
  EXPECT_EQ(match_prefix("evil.org/a.example.com", "*.example.com"), std::nullopt);
  EXPECT_EQ(match_prefix("aexample.com/img", "*.example.com"), std::nullopt);
}

TEST(RegistriesConfTest, FindRegistryPicksTheLongestPrefix) {
  RegistriesConf conf = parsed_registries(R"(
[[registry]]
location = "example.com"
insecure = true

[[registry]]
prefix = "example.com/foo"
location = "mirror.local/foo"

[[registry]]
prefix = "example.com/foo/bar"
location = "mirror.local/deep"

[[registry]]
prefix = "*.example.com"
blocked = true

[[registry]]
prefix = "*.sub.example.com"
location = "sub.local"
)");
  auto prefix_of = [&](std::string_view ref) -> std::string {
    const Registry* r = conf.find_registry(ref);
    return r ? r->prefix : "<none>";
  };
  EXPECT_EQ(prefix_of("example.com/foo/bar/img"), "example.com/foo/bar");
  EXPECT_EQ(prefix_of("example.com/foo/img"), "example.com/foo");
  EXPECT_EQ(prefix_of("example.com/foobar"), "example.com");  // not example.com/foo
  EXPECT_EQ(prefix_of("example.com/other"), "example.com");
  EXPECT_EQ(prefix_of("a.example.com/img"), "*.example.com");
  EXPECT_EQ(prefix_of("x.sub.example.com/img"), "*.sub.example.com");
  EXPECT_EQ(prefix_of("quay.io/img"), "<none>");
  EXPECT_TRUE(conf.find_registry("example.com/x")->endpoint.insecure);
  EXPECT_TRUE(conf.find_registry("a.example.com/x")->blocked);
}

TEST(RegistriesConfTest, RewriteLocation) {
  RegistriesConf conf = parsed_registries(R"(
[[registry]]
prefix = "example.com/foo"
location = "internal-registry-for-example.net/bar"

[[registry]]
prefix = "*.corp.example"

[[registry]]
prefix = "*.apps.example"
location = "proxy.example"
)");
  const Registry* foo = conf.find_registry("example.com/foo/myimage:latest");
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(rewrite_location(*foo, "example.com/foo/myimage:latest"), "internal-registry-for-example.net/bar/myimage:latest");
  EXPECT_EQ(rewrite_location(*foo, "example.com/foo@sha256:1234"), "internal-registry-for-example.net/bar@sha256:1234");
  EXPECT_EQ(rewrite_location(*foo, "quay.io/other"), "quay.io/other");  // not matched: unchanged
  const Registry* corp = conf.find_registry("r.corp.example/img:1");
  ASSERT_NE(corp, nullptr);
  EXPECT_EQ(corp->endpoint.location, "");
  EXPECT_EQ(rewrite_location(*corp, "r.corp.example/img:1"), "r.corp.example/img:1");
  const Registry* apps = conf.find_registry("a.apps.example/ns/img");
  ASSERT_NE(apps, nullptr);
  EXPECT_EQ(rewrite_location(*apps, "a.apps.example/ns/img"), "proxy.example/ns/img");
}

TEST(RegistriesConfTest, PullSourcesMirrorsThenPrimary) {
  RegistriesConf conf = parsed_registries(R"(
unqualified-search-registries = ["example.com"]

[[registry]]
prefix = "example.com/foo"
insecure = false
blocked = false
location = "internal-registry-for-example.com/bar"

[[registry.mirror]]
location = "example-mirror-0.local/mirror-for-foo"

[[registry.mirror]]
location = "example-mirror-1.local/mirrors/foo"
insecure = true

[[registry.mirror]]
location = "digest-mirror.local/foo"
pull-from-mirror = "digest-only"

[[registry.mirror]]
location = "tag-mirror.local/foo"
pull-from-mirror = "tag-only"
)");
  const Registry* r = conf.find_registry("example.com/foo/image:latest");
  ASSERT_NE(r, nullptr);
  std::vector<std::string> tagged;
  for (const PullSource& s : pull_sources(*r, "example.com/foo/image:latest")) tagged.push_back(s.reference);
  EXPECT_THAT(tagged, ElementsAre("example-mirror-0.local/mirror-for-foo/image:latest",
                                  "example-mirror-1.local/mirrors/foo/image:latest", "tag-mirror.local/foo/image:latest",
                                  "internal-registry-for-example.com/bar/image:latest"));
  std::vector<PullSource> digested = pull_sources(*r, "example.com/foo/image@sha256:0a");
  ASSERT_EQ(digested.size(), 4u);
  EXPECT_EQ(digested[2].reference, "digest-mirror.local/foo/image@sha256:0a");
  EXPECT_TRUE(digested[1].endpoint.insecure);
}

TEST(RegistriesConfTest, MirrorByDigestOnly) {
  RegistriesConf conf = parsed_registries(R"(
[[registry]]
location = "example.com"
mirror-by-digest-only = true
[[registry.mirror]]
location = "mirror.local"
)");
  const Registry& r = conf.registries.at(0);
  EXPECT_EQ(pull_sources(r, "example.com/img:1").size(), 1u);
  EXPECT_EQ(pull_sources(r, "example.com/img@sha256:00").size(), 2u);
}

TEST(RegistriesConfTest, PrefixDefaultsToLocationAndTrailingSlashesGo) {
  RegistriesConf conf = parsed_registries("[[registry]]\nlocation = \"example.com/ns/\"\n");
  ASSERT_EQ(conf.registries.size(), 1u);
  EXPECT_EQ(conf.registries[0].prefix, "example.com/ns");
  EXPECT_EQ(conf.registries[0].endpoint.location, "example.com/ns");
  EXPECT_EQ(conf.registries[0].origin, "/etc/containers/registries.conf");
}

TEST(RegistriesConfTest, GlobalSettings) {
  RegistriesConf conf = parsed_registries(R"(
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io", "localhost:5000"]
short-name-mode = "enforcing"
credential-helpers = ["pass", "containers-auth.json"]
)");
  EXPECT_THAT(conf.unqualified_search_registries, ElementsAre("registry.fedoraproject.org", "docker.io", "localhost:5000"));
  EXPECT_EQ(conf.unqualified_search_registries_origin, "/etc/containers/registries.conf");
  EXPECT_EQ(conf.short_name_mode, ShortNameMode::Enforcing);
  EXPECT_THAT(conf.credential_helpers, ElementsAre("pass", "containers-auth.json"));
  RegistriesConf defaults;
  EXPECT_EQ(defaults.short_name_mode, ShortNameMode::Permissive);
  EXPECT_THAT(defaults.credential_helpers, ElementsAre("containers-auth.json"));
}

TEST(RegistriesConfTest, DropInsMergeByPrefix) {
  RegistriesConf conf;
  ASSERT_TRUE(merge(conf, R"(
unqualified-search-registries = ["a.io"]
short-name-mode = "enforcing"
[[registry]]
location = "z.io"
insecure = true
[[registry]]
location = "b.io"
)").has_value());
  ASSERT_TRUE(merge(conf, R"(
[[registry]]
location = "b.io"
blocked = true
[[registry]]
location = "c.io"
)", "/etc/containers/registries.conf.d/10.conf").has_value());
  // Not setting unqualified-search-registries or short-name-mode keeps the earlier values.
  EXPECT_THAT(conf.unqualified_search_registries, ElementsAre("a.io"));
  EXPECT_EQ(conf.short_name_mode, ShortNameMode::Enforcing);
  ASSERT_EQ(conf.registries.size(), 3u);
  EXPECT_EQ(conf.registries[0].prefix, "b.io");  // sorted by prefix
  EXPECT_TRUE(conf.registries[0].blocked);       // replaced by the drop-in
  EXPECT_EQ(conf.registries[0].origin, "/etc/containers/registries.conf.d/10.conf");
  EXPECT_EQ(conf.registries[1].prefix, "c.io");
  EXPECT_EQ(conf.registries[2].prefix, "z.io");
  EXPECT_TRUE(conf.registries[2].endpoint.insecure);
  ASSERT_TRUE(merge(conf, "unqualified-search-registries = []\n", "/d.conf").has_value());
  EXPECT_TRUE(conf.unqualified_search_registries.empty());  // an explicit [] replaces
  EXPECT_EQ(conf.unqualified_search_registries_origin, "/d.conf");
}

TEST(RegistriesConfTest, FirstRegistryWithAPrefixWinsWithinAFile) {
  RegistriesConf conf = parsed_registries("[[registry]]\nprefix = \"p.io\"\nlocation = \"one.io\"\n[[registry]]\nprefix = \"p.io\"\nlocation = \"two.io\"\n");
  ASSERT_EQ(conf.registries.size(), 1u);
  EXPECT_EQ(conf.registries[0].endpoint.location, "one.io");
}

TEST(RegistriesConfTest, Aliases) {
  RegistriesConf conf;
  ASSERT_TRUE(merge(conf, R"(
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"alpine" = "docker.io/alpine"
"old" = "quay.io/old/image"
"ns/image" = "quay.io/ns/image"
)").has_value());
  ASSERT_TRUE(merge(conf, R"(
[aliases]
"old" = ""
"fedora" = "quay.io/fedora/fedora"
)", "/etc/containers/registries.conf.d/shortnames.conf").has_value());
  ASSERT_NE(conf.resolve_alias("fedora"), nullptr);
  EXPECT_EQ(conf.resolve_alias("fedora")->value, "quay.io/fedora/fedora");
  EXPECT_EQ(conf.resolve_alias("fedora")->origin, "/etc/containers/registries.conf.d/shortnames.conf");
  EXPECT_EQ(conf.resolve_alias("alpine")->value, "docker.io/library/alpine");  // normalized
  EXPECT_EQ(conf.resolve_alias("ns/image")->value, "quay.io/ns/image");
  EXPECT_EQ(conf.resolve_alias("old"), nullptr);  // erased by the drop-in
  EXPECT_EQ(conf.resolve_alias("unknown"), nullptr);
}

TEST(RegistriesConfTest, AliasCacheWins) {
  RegistriesConf conf = parsed_registries("[aliases]\n\"img\" = \"quay.io/from/config\"\n");
  Result<toml::table> cache = parse_toml("[aliases]\n\"img\" = \"quay.io/from/cache\"\n", "/cache.conf");
  ASSERT_TRUE(merge_alias_cache(*cache, "/cache.conf", conf).has_value());
  EXPECT_EQ(conf.resolve_alias("img")->value, "quay.io/from/cache");
  EXPECT_EQ(conf.resolve_alias("img")->origin, "/cache.conf");
}

TEST(RegistriesConfTest, MalformedFiles) {
  EXPECT_THAT(registries_error("[registries.search]\nregistries = [\"docker.io\"]\n"), HasSubstr("version 1 format"));
  EXPECT_THAT(registries_error("short-name-mode = \"sometimes\"\n"), HasSubstr("invalid short-name mode \"sometimes\""));
  EXPECT_THAT(registries_error("[[registry]]\nlocation = \"https://example.com\"\n"), HasSubstr("URI schemes are not supported"));
  EXPECT_THAT(registries_error("[[registry]]\ninsecure = true\n"), HasSubstr("both location and prefix are unset"));
  EXPECT_THAT(registries_error("[[registry]]\nprefix = \"example.com\"\n"), HasSubstr("location is unset"));
  EXPECT_THAT(registries_error("[[registry]]\nprefix = \"*.example.com/foo\"\n"), HasSubstr("*.example.com"));
  EXPECT_THAT(registries_error("[[registry]]\nprefix = \"example.*.com\"\nlocation = \"x.io\"\n"), HasSubstr("wildcard"));
  EXPECT_THAT(registries_error("[[registry]]\nlocation = \"x.io\"\npull-from-mirror = \"all\"\n"),
              HasSubstr("registry[1].pull-from-mirror: may only be set for a [[registry.mirror]]"));
  EXPECT_THAT(registries_error("[[registry]]\nlocation = \"x.io\"\n[[registry.mirror]]\nlocation = \"m.io\"\npull-from-mirror = \"some\"\n"),
              HasSubstr("unsupported value \"some\""));
  EXPECT_THAT(registries_error("[[registry]]\nlocation = \"x.io\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m.io\"\npull-from-mirror = \"all\"\n"),
              HasSubstr("mirror-by-digest-only"));
  EXPECT_THAT(registries_error("[[registry]]\nlocation = \"x.io\"\n[[registry.mirror]]\ninsecure = true\n"),
              HasSubstr("mirror location is unset"));
  EXPECT_THAT(registries_error("[[registry]]\nlocation = \"x.io\"\ninsecure = true\n[[registry]]\nprefix = \"y.io\"\nlocation = \"x.io\"\n"),
              HasSubstr("conflicting 'insecure' setting"));
  EXPECT_THAT(registries_error("unqualified-search-registries = [\"docker.io/library\"]\n"), HasSubstr("expected host[:port]"));
  EXPECT_THAT(registries_error("unqualified-search-registries = \"docker.io\"\n"), HasSubstr("expected an array of strings"));
  EXPECT_THAT(registries_error("[aliases]\n\"img:tag\" = \"quay.io/a/img\"\n"), HasSubstr("must not contain a tag"));
  EXPECT_THAT(registries_error("[aliases]\n\"quay.io/img\" = \"quay.io/a/img\"\n"), HasSubstr("must not contain a registry"));
  EXPECT_THAT(registries_error("[aliases]\n\"img\" = \"img\"\n"), HasSubstr("must contain registry and repository"));
  EXPECT_THAT(registries_error("[aliases]\n\"img\" = \"quay.io/a/img:1\"\n"), HasSubstr("must not contain a tag"));
  EXPECT_THAT(registries_error("[aliases]\n\"img\" = \"quay.io/a/img@sha256:00\"\n"), HasSubstr("must not contain a digest"));
  EXPECT_THAT(registries_error("[[registry]]\nlocation = 5\n"), HasSubstr("line 2, column 12: registry[1].location: expected a string"));
}

class RegistriesConfLoadTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Environment env_ = testing::rootless_env(dir_);
  std::string system_ = env_.system_path("/etc/containers/registries.conf");
  std::string user_ = env_.home + "/.config/containers/registries.conf";
};

TEST_F(RegistriesConfLoadTest, SystemFileThenDropInsInNameOrder) {
  write_file(system_, "unqualified-search-registries = [\"a.io\"]\n[[registry]]\nlocation = \"x.io\"\n");
  write_file(system_ + ".d/20-b.conf", "unqualified-search-registries = [\"b20.io\"]\n");
  write_file(system_ + ".d/10-a.conf", "unqualified-search-registries = [\"a10.io\"]\n[[registry]]\nlocation = \"x.io\"\nblocked = true\n");
  write_file(system_ + ".d/000-shortnames.conf", "[aliases]\n\"fedora\" = \"registry.fedoraproject.org/fedora\"\n");
  write_file(env_.home + "/.config/containers/registries.conf.d/user.conf", "short-name-mode = \"disabled\"\n");
  std::vector<std::string> files_read;
  Result<RegistriesConf> conf = load_registries_conf(env_, &files_read);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_THAT(conf->unqualified_search_registries, ElementsAre("b20.io"));
  EXPECT_EQ(conf->unqualified_search_registries_origin, system_ + ".d/20-b.conf");
  EXPECT_TRUE(conf->find_registry("x.io/img")->blocked);
  EXPECT_EQ(conf->short_name_mode, ShortNameMode::Disabled);
  EXPECT_EQ(conf->resolve_alias("fedora")->value, "registry.fedoraproject.org/fedora");
  EXPECT_THAT(files_read, ElementsAre(system_, system_ + ".d/000-shortnames.conf", system_ + ".d/10-a.conf",
                                      system_ + ".d/20-b.conf", env_.home + "/.config/containers/registries.conf.d/user.conf"));
}

TEST_F(RegistriesConfLoadTest, UserFileReplacesSystemFiles) {
  write_file(system_, "unqualified-search-registries = [\"system.io\"]\n");
  write_file(system_ + ".d/shortnames.conf", "[aliases]\n\"fedora\" = \"registry.fedoraproject.org/fedora\"\n");
  write_file(user_, "unqualified-search-registries = [\"user.io\"]\n");
  Result<RegistriesConf> conf = load_registries_conf(env_);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_THAT(conf->unqualified_search_registries, ElementsAre("user.io"));
  EXPECT_EQ(conf->resolve_alias("fedora"), nullptr);
}

TEST_F(RegistriesConfLoadTest, EnvironmentVariableNamesTheMainFile) {
  write_file(user_, "unqualified-search-registries = [\"user.io\"]\n");
  write_file(dir_ / "custom.conf", "unqualified-search-registries = [\"custom.io\"]\n");
  env_.vars["CONTAINERS_REGISTRIES_CONF"] = dir_ / "custom.conf";
  Result<RegistriesConf> conf = load_registries_conf(env_);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_THAT(conf->unqualified_search_registries, ElementsAre("custom.io"));
  env_.vars["CONTAINERS_REGISTRIES_CONF"] = dir_ / "missing.conf";
  conf = load_registries_conf(env_);
  ASSERT_FALSE(conf.has_value());
  EXPECT_EQ(conf.error().kind(), ErrorKind::NotFound);
}

TEST_F(RegistriesConfLoadTest, AliasCacheFromXdgCacheHome) {
  write_file(system_, "[aliases]\n\"img\" = \"quay.io/config/img\"\n");
  std::string cache = env_.home + "/.cache/containers/short-name-aliases.conf";
  write_file(cache, "[aliases]\n\"img\" = \"quay.io/cache/img\"\n");
  std::vector<std::string> files_read;
  Result<RegistriesConf> conf = load_registries_conf(env_, &files_read);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_EQ(conf->resolve_alias("img")->value, "quay.io/cache/img");
  EXPECT_THAT(files_read, ElementsAre(system_, cache));
  write_file(cache, "[aliases]\n\"img\" = 5\n");
  conf = load_registries_conf(env_);
  ASSERT_FALSE(conf.has_value());
  EXPECT_THAT(conf.error().message(), HasSubstr(cache));
}

TEST_F(RegistriesConfLoadTest, SyntaxErrorNamesTheDropIn) {
  write_file(system_ + ".d/bad.conf", "[[registry]\nlocation = \"x.io\"\n");
  Result<RegistriesConf> conf = load_registries_conf(env_);
  ASSERT_FALSE(conf.has_value());
  EXPECT_THAT(conf.error().message(), HasSubstr(fmt::format("parsing \"{}.d/bad.conf\": line 1", system_)));
}

}  // namespace
}  // namespace nook::config
