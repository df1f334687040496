#include "lib/config/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/test_support.h"

namespace nook::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view kPolicy = R"({
  "default": [{"type": "reject"}],
  "transports": {
    "docker": {
      "docker.io/library/busybox:1.36": [{"type": "insecureAcceptAnything"}],
      "docker.io/library/busybox": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k.gpg"}],
      "docker.io/openshift": [{"type": "insecureAcceptAnything"}],
      "registry.local:5000": [{"type": "insecureAcceptAnything"}],
      "*.temporary-project.example.com": [{"type": "insecureAcceptAnything"}],
      "*.example.com": [{"type": "sigstoreSigned", "keyPath": "/cosign.pub",
                         "signedIdentity": {"type": "matchRepository"}}],
      "quay.io": [{"type": "insecureAcceptAnything"}, {"type": "reject"}]
    },
    "dir": {
      "": [{"type": "insecureAcceptAnything"}]
    },
    "oci": {
      "/srv/images": [{"type": "insecureAcceptAnything"}]
    },
    "docker-daemon": {
      "": [{"type": "insecureAcceptAnything"}]
    }
  }
})";

Policy parsed_policy(std::string_view text = kPolicy) {
  Result<Policy> policy = parse_policy(text, "/etc/containers/policy.json");
  EXPECT_TRUE(policy.has_value()) << policy.error().message();
  return policy ? std::move(*policy) : Policy{};
}

std::string policy_error(std::string_view text) {
  Result<Policy> policy = parse_policy(text, "/etc/containers/policy.json");
  EXPECT_FALSE(policy.has_value()) << text;
  if (policy) return "";
  EXPECT_EQ(policy.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_THAT(policy.error().message(), HasSubstr("\"/etc/containers/policy.json\""));
  return policy.error().message();
}

TEST(PolicyTest, DockerScopesMostSpecificFirst) {
  EXPECT_THAT(policy_scopes("docker", "a.b.example.com:5000/ns/repo:tag"),
              ElementsAre("a.b.example.com:5000/ns/repo:tag", "a.b.example.com:5000/ns/repo", "a.b.example.com:5000/ns",
                          "a.b.example.com:5000", "*.b.example.com", "*.example.com", "*.com"));
  EXPECT_THAT(policy_scopes("docker", "docker.io/library/busybox@sha256:00"),
              ElementsAre("docker.io/library/busybox@sha256:00", "docker.io/library/busybox", "docker.io/library",
                          "docker.io", "*.io"));
  EXPECT_THAT(policy_scopes("docker", "localhost:5000/img"), ElementsAre("localhost:5000/img", "localhost:5000"));
  EXPECT_THAT(policy_scopes("dir", "/srv/images/one"), ElementsAre("/srv/images/one", "/srv/images", "/srv"));
  EXPECT_THAT(policy_scopes("oci", "/srv/images/layout:v1"),
              ElementsAre("/srv/images/layout:v1", "/srv/images/layout", "/srv/images", "/srv"));
  EXPECT_THAT(policy_scopes("tarball", "/x.tar"), ElementsAre("/x.tar"));
}

TEST(PolicyTest, EvaluateUsesTheMostSpecificScope) {
  Policy policy = parsed_policy();
  auto decide = [&](std::string_view transport, std::string_view identity) {
    return policy.evaluate(transport, identity);
  };
  PolicyEvaluation exact = decide("docker", "docker.io/library/busybox:1.36");
  EXPECT_EQ(exact.decision, PolicyDecision::Accept);
  EXPECT_EQ(exact.scope, "docker.io/library/busybox:1.36");
  PolicyEvaluation repo = decide("docker", "docker.io/library/busybox:latest");
  EXPECT_EQ(repo.decision, PolicyDecision::SignatureRequired);
  EXPECT_EQ(repo.scope, "docker.io/library/busybox");
  ASSERT_NE(repo.requirements, nullptr);
  EXPECT_EQ(repo.requirements->at(0).raw["keyPath"], "/k.gpg");
  EXPECT_EQ(decide("docker", "docker.io/openshift/hello:1").scope, "docker.io/openshift");
  EXPECT_EQ(decide("docker", "docker.io/openshift/hello:1").decision, PolicyDecision::Accept);
  EXPECT_EQ(decide("docker", "registry.local:5000/any/thing:1").decision, PolicyDecision::Accept);
  EXPECT_EQ(decide("docker", "x.temporary-project.example.com/img:1").scope, "*.temporary-project.example.com");
  EXPECT_EQ(decide("docker", "x.temporary-project.example.com/img:1").decision, PolicyDecision::Accept);
  EXPECT_EQ(decide("docker", "other.example.com/img:1").decision, PolicyDecision::SignatureRequired);
  // All requirements must hold: a reject among them rejects.
  EXPECT_EQ(decide("docker", "quay.io/org/img:1").decision, PolicyDecision::Reject);
  // No docker scope matches and docker has no "" scope: the global default.
  PolicyEvaluation fallback = decide("docker", "ghcr.io/org/img:1");
  EXPECT_EQ(fallback.decision, PolicyDecision::Reject);
  EXPECT_TRUE(fallback.global_default);
  // The transport default.
  PolicyEvaluation dir = decide("dir", "/tmp/image");
  EXPECT_EQ(dir.decision, PolicyDecision::Accept);
  EXPECT_EQ(dir.scope, "");
  EXPECT_FALSE(dir.global_default);
  EXPECT_EQ(decide("oci", "/srv/images/layout:v1").decision, PolicyDecision::Accept);
  EXPECT_EQ(decide("oci", "/elsewhere/layout:v1").decision, PolicyDecision::Reject);
  EXPECT_EQ(decide("containers-storage", "whatever").decision, PolicyDecision::Reject);
}

TEST(PolicyTest, DefaultPolicyAcceptsEverything) {
  Policy policy = default_policy();
  EXPECT_EQ(policy.evaluate("docker", "docker.io/library/busybox:latest").decision, PolicyDecision::Accept);
  EXPECT_EQ(policy.path, "");
  Policy minimal = parsed_policy(R"({"default": [{"type": "insecureAcceptAnything"}]})");
  EXPECT_EQ(minimal.evaluate("docker", "quay.io/a:b").decision, PolicyDecision::Accept);
}

TEST(PolicyTest, AllRequirementTypesParse) {
  Policy policy = parsed_policy(R"({
    "default": [{"type": "reject"}],
    "transports": {"docker": {
      "a.io/x": [{"type": "signedBy", "keyType": "GPGKeys", "keyPaths": ["/a", "/b"],
                  "signedIdentity": {"type": "remapIdentity", "prefix": "a.io/x", "signedPrefix": "b.io/x"}}],
      "a.io/y": [{"type": "signedBy", "keyType": "GPGKeys", "keyData": "AAAA",
                  "signedIdentity": {"type": "exactReference", "dockerReference": "a.io/y:1"}}],
      "a.io/z": [{"type": "sigstoreSigned", "fulcio": {"caPath": "/ca", "oidcIssuer": "https://x", "subjectEmail": "a@b"},
                  "rekorPublicKeyPath": "/rekor.pub", "signedIdentity": {"type": "matchRepoDigestOrExact"}}],
      "a.io/w": [{"type": "signedBaseLayer", "baseLayerIdentity": {"type": "matchExact"}}]
    }}
  })");
  EXPECT_EQ(policy.evaluate("docker", "a.io/x:1").decision, PolicyDecision::SignatureRequired);
  EXPECT_EQ(policy.evaluate("docker", "a.io/y:1").decision, PolicyDecision::SignatureRequired);
  EXPECT_EQ(policy.evaluate("docker", "a.io/z:1").decision, PolicyDecision::SignatureRequired);
  EXPECT_EQ(policy.evaluate("docker", "a.io/w:1").decision, PolicyDecision::Reject);
}

TEST(PolicyTest, MalformedFilesNameTheFile) {
  EXPECT_THAT(policy_error("{\n  \"default\": [\n    {\"type\": \"reject\"},\n  ]\n}\n"), HasSubstr("line 4, column "));
  EXPECT_THAT(policy_error("[]"), HasSubstr("must be a JSON object"));
  EXPECT_THAT(policy_error(R"({"transports": {}})"), HasSubstr("\"default\" policy is missing"));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "reject"}], "extra": 1})"), HasSubstr("unknown field \"extra\""));
  EXPECT_THAT(policy_error(R"({"default": []})"), HasSubstr("default: the list of requirements must not be empty"));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "acceptSome"}]})"), HasSubstr("unknown policy requirement type \"acceptSome\""));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "reject", "why": "x"}]})"), HasSubstr("default[0]: unknown field \"why\""));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "reject"}], "default": [{"type": "reject"}]})"), HasSubstr("duplicate key"));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "signedBy", "keyType": "GPGKeys"}]})"), HasSubstr("exactly one of keyPath"));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "signedBy", "keyType": "PGP", "keyPath": "/k"}]})"), HasSubstr("invalid keyType"));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "signedIdentity": {"type": "matchAll"}}]})"),
              HasSubstr("unknown identity type \"matchAll\""));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "sigstoreSigned"}]})"), HasSubstr("exactly one of keyPath, keyPaths, keyData"));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "reject"}], "transports": {"docker": {"busybox": [{"type": "reject"}]}}})"),
              HasSubstr("transports.docker[\"busybox\"]: invalid scope"));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "reject"}], "transports": {"dir": {"/": [{"type": "reject"}]}}})"),
              HasSubstr("\"/\" is not allowed"));
  EXPECT_THAT(policy_error(R"({"default": [{"type": "reject"}], "transports": {"docker": []}})"), HasSubstr("must be an object"));
  EXPECT_THAT(policy_error(R"({"default": {"type": "reject"}})"), HasSubstr("must be an array of requirements"));
}

TEST(PolicyTest, LoadPolicyReadsTheFile) {
  testing::TempDir dir;
  testing::write_file(dir / "policy.json", kPolicy);
  Result<Policy> policy = load_policy(dir / "policy.json");
  ASSERT_TRUE(policy.has_value()) << policy.error().message();
  EXPECT_EQ(policy->path, dir / "policy.json");
  Result<Policy> missing = load_policy(dir / "missing.json");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);
}

}  // namespace
}  // namespace nook::config
