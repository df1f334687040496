#include "lib/image/short_name.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nook::image {
namespace {

using ::testing::ElementsAre;

const std::string kSha256A = "sha256:" + std::string(64, 'a');
constexpr const char* kConfPath = "/etc/containers/registries.conf";

config::RegistriesConf search_conf(std::vector<std::string> registries,
                                   config::ShortNameMode mode = config::ShortNameMode::Permissive) {
  config::RegistriesConf conf;
  conf.unqualified_search_registries = std::move(registries);
  conf.unqualified_search_registries_origin = kConfPath;
  conf.short_name_mode = mode;
  return conf;
}

void add_alias(config::RegistriesConf& conf, const std::string& name, const std::string& value) {
  conf.aliases[name] = config::ShortNameAlias{value, kConfPath};
}

void block(config::RegistriesConf& conf, const std::string& prefix) {
  config::Registry registry;
  registry.prefix = prefix;
  registry.endpoint.location = prefix;
  registry.blocked = true;
  registry.origin = kConfPath;
  conf.registries.push_back(registry);
}

std::vector<std::string> strings(const std::vector<Candidate>& candidates) {
  std::vector<std::string> out;
  for (const Candidate& candidate : candidates) out.push_back(candidate.origin + " " + candidate.ref.string());
  return out;
}

std::vector<std::string> strings(const std::vector<Reference>& refs) {
  std::vector<std::string> out;
  for (const Reference& ref : refs) out.push_back(ref.string());
  return out;
}

std::vector<std::string> resolved(std::string_view input, const config::RegistriesConf& conf,
                                  bool interactive = false) {
  Result<std::vector<Candidate>> candidates = resolve_pull_candidates(input, conf, interactive);
  EXPECT_TRUE(candidates.has_value()) << input << ": " << candidates.error().message();
  return candidates ? strings(*candidates) : std::vector<std::string>{};
}

std::string error_of(std::string_view input, const config::RegistriesConf& conf, bool interactive = false) {
  Result<std::vector<Candidate>> candidates = resolve_pull_candidates(input, conf, interactive);
  EXPECT_FALSE(candidates.has_value()) << input;
  if (candidates) return "";
  EXPECT_EQ(candidates.error().kind(), ErrorKind::InvalidArgument);
  return candidates.error().message();
}

TEST(ShortName, FullyQualifiedIsItself) {
  config::RegistriesConf conf = search_conf({"quay.io", "docker.io"}, config::ShortNameMode::Enforcing);
  EXPECT_THAT(resolved("quay.io/podman/hello", conf), ElementsAre("fully-qualified quay.io/podman/hello:latest"));
  EXPECT_THAT(resolved("docker.io/alpine:3", conf), ElementsAre("fully-qualified docker.io/library/alpine:3"));
  EXPECT_THAT(resolved("index.docker.io/foo/bar", conf), ElementsAre("fully-qualified docker.io/foo/bar:latest"));
  EXPECT_THAT(resolved("localhost/img@" + kSha256A, conf), ElementsAre("fully-qualified localhost/img@" + kSha256A));
  EXPECT_THAT(resolved("localhost:5000/img:1", conf), ElementsAre("fully-qualified localhost:5000/img:1"));
}

TEST(ShortName, SearchRegistriesInOrder) {
  config::RegistriesConf conf = search_conf({"registry.fedoraproject.org", "quay.io", "docker.io"});
  EXPECT_THAT(resolved("busybox", conf),
              ElementsAre("search registry.fedoraproject.org/busybox:latest", "search quay.io/busybox:latest",
                          "search docker.io/library/busybox:latest"));
  EXPECT_THAT(resolved("foo/bar:2", conf),
              ElementsAre("search registry.fedoraproject.org/foo/bar:2", "search quay.io/foo/bar:2",
                          "search docker.io/foo/bar:2"));
  EXPECT_THAT(resolved("busybox@" + kSha256A, conf),
              ElementsAre("search registry.fedoraproject.org/busybox@" + kSha256A, "search quay.io/busybox@" + kSha256A,
                          "search docker.io/library/busybox@" + kSha256A));
}

TEST(ShortName, AliasWinsAndCarriesTagAndDigest) {
  config::RegistriesConf conf = search_conf({"quay.io", "docker.io"}, config::ShortNameMode::Enforcing);
  add_alias(conf, "fedora", "registry.fedoraproject.org/fedora");
  add_alias(conf, "ns/tool", "quay.io/ns/tool");
  add_alias(conf, "ubuntu", "docker.io/library/ubuntu");
  EXPECT_THAT(resolved("fedora", conf), ElementsAre("alias registry.fedoraproject.org/fedora:latest"));
  EXPECT_THAT(resolved("fedora:39", conf), ElementsAre("alias registry.fedoraproject.org/fedora:39"));
  EXPECT_THAT(resolved("fedora@" + kSha256A, conf), ElementsAre("alias registry.fedoraproject.org/fedora@" + kSha256A));
  EXPECT_THAT(resolved("fedora:39@" + kSha256A, conf),
              ElementsAre("alias registry.fedoraproject.org/fedora:39@" + kSha256A));
  EXPECT_THAT(resolved("ns/tool:v1", conf), ElementsAre("alias quay.io/ns/tool:v1"));
  EXPECT_THAT(resolved("ubuntu", conf), ElementsAre("alias docker.io/library/ubuntu:latest"));
  auto candidates = resolve_pull_candidates("ubuntu", conf);
  ASSERT_TRUE(candidates);
  EXPECT_EQ(candidates->front().alias_file, kConfPath) << "for \"Resolved ... as an alias (FILE)\"";
}

TEST(ShortName, CachedAliasBeatsConfAndErasedAliasFallsBack) {
  config::RegistriesConf conf = search_conf({"docker.io"});
  add_alias(conf, "fedora", "registry.fedoraproject.org/fedora");
  conf.cached_aliases["fedora"] = config::ShortNameAlias{"quay.io/fedora/fedora", "/home/u/.cache/aliases.conf"};
  EXPECT_THAT(resolved("fedora", conf), ElementsAre("alias quay.io/fedora/fedora:latest"));
  add_alias(conf, "centos", "");  // erased by a drop-in
  EXPECT_THAT(resolved("centos", conf), ElementsAre("search docker.io/library/centos:latest"));
}

TEST(ShortName, BadAliasIsAnError) {
  config::RegistriesConf conf = search_conf({"docker.io"});
  add_alias(conf, "bad", "Not A Reference");
  EXPECT_THAT(error_of("bad", conf), ::testing::StartsWith("parsing alias \"bad\"=\"Not A Reference\""));
}

TEST(ShortName, NoSearchRegistries) {
  config::RegistriesConf conf = search_conf({});
  EXPECT_EQ(error_of("busybox", conf),
            "short-name \"busybox\" did not resolve to an alias and no unqualified-search registries are defined in "
            "\"/etc/containers/registries.conf\"");
  config::RegistriesConf none;
  EXPECT_EQ(error_of("busybox:1", none),
            "short-name \"busybox:1\" did not resolve to an alias and no containers-registries.conf(5) was found");
  add_alias(none, "busybox", "docker.io/library/busybox");
  EXPECT_THAT(resolved("busybox:1", none), ElementsAre("alias docker.io/library/busybox:1"));
}

TEST(ShortName, Modes) {
  config::RegistriesConf conf = search_conf({"quay.io", "docker.io"}, config::ShortNameMode::Enforcing);
  EXPECT_EQ(error_of("busybox", conf), "short-name resolution enforced but cannot prompt without a TTY");
  // With a TTY the caller prompts among the candidates.
  EXPECT_EQ(resolved("busybox", conf, true).size(), 2u);
  // One candidate is not ambiguous.
  config::RegistriesConf single = search_conf({"docker.io"}, config::ShortNameMode::Enforcing);
  EXPECT_THAT(resolved("busybox", single), ElementsAre("search docker.io/library/busybox:latest"));
  conf.short_name_mode = config::ShortNameMode::Permissive;
  EXPECT_EQ(resolved("busybox", conf).size(), 2u);
  conf.short_name_mode = config::ShortNameMode::Disabled;
  EXPECT_EQ(resolved("busybox", conf).size(), 2u);
}

TEST(ShortName, BlockedRegistries) {
  config::RegistriesConf conf = search_conf({"quay.io", "docker.io"}, config::ShortNameMode::Enforcing);
  block(conf, "quay.io");
  // Dropping the blocked candidate leaves one: no ambiguity even when enforcing.
  EXPECT_THAT(resolved("busybox", conf), ElementsAre("search docker.io/library/busybox:latest"));
  block(conf, "docker.io");
  EXPECT_EQ(error_of("busybox", conf), "registries \"quay.io\", \"docker.io\" are blocked in registries.conf");
  EXPECT_EQ(error_of("quay.io/podman/hello", conf), "registry \"quay.io\" is blocked in registries.conf");
  add_alias(conf, "hello", "docker.io/library/hello-world");
  EXPECT_EQ(error_of("hello", conf), "registry \"docker.io\" is blocked in registries.conf");

  // A blocked namespace blocks only what is under it.
  config::RegistriesConf ns = search_conf({"quay.io"});
  block(ns, "quay.io/evil");
  EXPECT_THAT(resolved("good/img", ns), ElementsAre("search quay.io/good/img:latest"));
  EXPECT_EQ(error_of("evil/img", ns), "registry \"quay.io\" is blocked in registries.conf");
}

TEST(ShortName, InvalidInput) {
  config::RegistriesConf conf = search_conf({"docker.io"});
  EXPECT_EQ(error_of("Busybox", conf), "cannot parse input: \"Busybox\": repository name must be lowercase");
  EXPECT_EQ(error_of("", conf), "cannot parse input: \"\": repository name must have at least one component");
  EXPECT_EQ(error_of("a b", conf), "cannot parse input: \"a b\": invalid reference format");
}

TEST(ShortName, LocalCandidates) {
  config::RegistriesConf conf = search_conf({"quay.io", "docker.io"});
  EXPECT_THAT(strings(local_candidates("busybox", conf)),
              ElementsAre("localhost/busybox:latest", "quay.io/busybox:latest", "docker.io/library/busybox:latest"));
  EXPECT_THAT(strings(local_candidates("foo/bar:1", conf)),
              ElementsAre("localhost/foo/bar:1", "quay.io/foo/bar:1", "docker.io/foo/bar:1"));
  EXPECT_THAT(strings(local_candidates("busybox@" + kSha256A, conf)),
              ElementsAre("localhost/busybox@" + kSha256A, "quay.io/busybox@" + kSha256A,
                          "docker.io/library/busybox@" + kSha256A));
  add_alias(conf, "fedora", "registry.fedoraproject.org/fedora");
  EXPECT_THAT(strings(local_candidates("fedora:39", conf)),
              ElementsAre("registry.fedoraproject.org/fedora:39", "localhost/fedora:39", "quay.io/fedora:39",
                          "docker.io/library/fedora:39"));
  EXPECT_THAT(strings(local_candidates("quay.io/x/y", conf)), ElementsAre("quay.io/x/y:latest"));
  EXPECT_THAT(strings(local_candidates("docker.io/alpine", conf)), ElementsAre("docker.io/library/alpine:latest"));
  EXPECT_TRUE(local_candidates("Bad", conf).empty());
  EXPECT_THAT(strings(local_candidates("busybox", config::RegistriesConf{})), ElementsAre("localhost/busybox:latest"));
}

}  // namespace
}  // namespace nook::image
