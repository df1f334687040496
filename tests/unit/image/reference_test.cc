#include "lib/image/reference.h"

#include <string>

#include <gtest/gtest.h>

namespace nook::image {
namespace {

const std::string kSha256 = "sha256:" + std::string(64, 'f');
const std::string kSha512 = "sha512:" + std::string(128, 'f');

struct ValidCase {
  std::string input;
  std::string domain;
  std::string path;
  std::string tag;
  std::string digest;
};

// From distribution/reference reference_test.go TestReferenceParse, with our domain rule: a first
// component is a domain only with '.', ':' or "localhost" (distribution's Parse says "foo" in
// "foo/bar"; its ParseNormalizedNamed and containers/image say no domain, as we do).
TEST(Reference, ParsesValidReferences) {
  const ValidCase cases[] = {
      {"test_com", "", "test_com", "", ""},
      {"test.com:tag", "", "test.com", "tag", ""},
      {"test.com:5000", "", "test.com", "5000", ""},
      {"test.com/repo:tag", "test.com", "repo", "tag", ""},
      {"test:5000/repo", "test:5000", "repo", "", ""},
      {"test:5000/repo:tag", "test:5000", "repo", "tag", ""},
      {"test:5000/repo@" + kSha256, "test:5000", "repo", "", kSha256},
      {"test:5000/repo:tag@" + kSha256, "test:5000", "repo", "tag", kSha256},
      {"lowercase:Uppercase", "", "lowercase", "Uppercase", ""},
      {"sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", "", ""},
      {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", ""},
      {"b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app",
       "test.example.com", ""},
      {"xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", ""},
      {"xn--7o8h.com/myimage:xn--7o8h.com@" + kSha512, "xn--7o8h.com", "myimage", "xn--7o8h.com", kSha512},
      {"foo_bar.com:8080", "", "foo_bar.com", "8080", ""},
      {"foo/foo_bar.com:8080", "", "foo/foo_bar.com", "8080", ""},
      {"192.168.1.1", "", "192.168.1.1", "", ""},
      {"192.168.1.1:tag", "", "192.168.1.1", "tag", ""},
      {"192.168.1.1:5000", "", "192.168.1.1", "5000", ""},
      {"192.168.1.1/repo", "192.168.1.1", "repo", "", ""},
      {"192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", "", ""},
      {"192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", ""},
      {"[2001:db8::1]/repo", "[2001:db8::1]", "repo", "", ""},
      {"[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", ""},
      {"[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", "", ""},
      {"[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag", ""},
      {"[2001:db8::1]:5000/repo@" + kSha256, "[2001:db8::1]:5000", "repo", "", kSha256},
      {"[2001:db8::1]:5000/repo:tag@" + kSha256, "[2001:db8::1]:5000", "repo", "tag", kSha256},
      {"[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", "", ""},
      {"[::1]:5000/repo", "[::1]:5000", "repo", "", ""},
      {"localhost/foo", "localhost", "foo", "", ""},
      {"localhost:5000/foo/bar:1.0", "localhost:5000", "foo/bar", "1.0", ""},
      {"repo@" + kSha256, "", "repo", "", kSha256},
      {"a--b__c.d_e/f", "", "a--b__c.d_e/f", "", ""},
      {"busybox:" + std::string(128, 't'), "", "busybox", std::string(128, 't'), ""},
  };
  for (const ValidCase& c : cases) {
    Result<Reference> ref = parse_reference(c.input);
    ASSERT_TRUE(ref.has_value()) << c.input << ": " << ref.error().message();
    EXPECT_EQ(ref->domain, c.domain) << c.input;
    EXPECT_EQ(ref->path, c.path) << c.input;
    EXPECT_EQ(ref->tag, c.tag) << c.input;
    EXPECT_EQ(ref->digest, c.digest) << c.input;
    EXPECT_EQ(ref->string(), c.input) << c.input;
  }
}

TEST(Reference, NameOfExactlyMaxLengthIsAccepted) {
  std::string name;
  for (int i = 0; i < 127; ++i) name += "a/";
  name += "a";  // 255 characters
  Result<Reference> ref = parse_reference(name + ":tag-puts-this-over-max");
  ASSERT_TRUE(ref.has_value()) << ref.error().message();
  EXPECT_EQ(ref->name().size(), 255u);
  EXPECT_EQ(ref->tag, "tag-puts-this-over-max");
}

struct InvalidCase {
  std::string input;
  std::string message;
};

TEST(Reference, RejectsInvalidReferences) {
  std::string too_long;
  for (int i = 0; i < 128; ++i) too_long += "a/";
  too_long += "a:tag";
  const InvalidCase cases[] = {
      {"", "repository name must have at least one component"},
      {":justtag", "invalid reference format"},
      {"@" + kSha256, "invalid reference format"},
      {"repo@sha256:" + std::string(63, 'f') + "x", "invalid reference format"},  // not hex
      {"repo@sha256:" + std::string(64, 'F'), "invalid checksum digest format"},
      {"repo@sha256:" + std::string(65, 'f'), "invalid checksum digest length"},
      {"repo@sha512:" + std::string(64, 'f'), "invalid checksum digest length"},
      {"repo@sha256:ffff", "invalid reference format"},  // fewer than 32 hex digits
      {"validname@invaliddigest:" + std::string(64, 'f'), "unsupported digest algorithm"},
      {"repo@sha256", "invalid reference format"},
      {"repo@1sha:" + std::string(64, 'f'), "invalid reference format"},
      {"Uppercase:tag", "repository name must be lowercase"},
      {"test:5000/Uppercase/lowercase:tag", "repository name must be lowercase"},
      {"FOO", "repository name must be lowercase"},
      {too_long, "repository name must not be more than 255 characters"},
      {"aa/asdf$$^/aa", "invalid reference format"},
      {"a..b", "invalid reference format"},
      {"a___b", "invalid reference format"},
      {"a-_b", "invalid reference format"},
      {"-a", "invalid reference format"},
      {"a-", "invalid reference format"},
      {"a//b", "invalid reference format"},
      {"a/", "invalid reference format"},
      {"repo:", "invalid reference format"},
      {"repo:-tag", "invalid reference format"},
      {"repo:.tag", "invalid reference format"},
      {"repo:" + std::string(129, 't'), "invalid reference format"},
      {"repo:t@g", "invalid reference format"},
      {"-host.com/repo", "invalid reference format"},
      {"host-.com/repo", "invalid reference format"},
      {"host.com:/repo", "invalid reference format"},
      {"host.com:50a0/repo", "invalid reference format"},
      {"[2001:db8::1]", "invalid reference format"},
      {"[2001:db8::1]:5000", "invalid reference format"},
      {"[2001:db8::1]:tag", "invalid reference format"},
      {"[fe80::1%eth0]:5000/repo", "invalid reference format"},
      {"[fe80::1%@invalidzone]:5000/repo", "invalid reference format"},
      {"[]:5000/repo", "invalid reference format"},
      {"docker://busybox", "invalid reference format"},
  };
  for (const InvalidCase& c : cases) {
    Result<Reference> ref = parse_reference(c.input);
    ASSERT_FALSE(ref.has_value()) << c.input << " parsed as " << ref->string();
    EXPECT_EQ(ref.error().message(), c.message) << c.input;
    EXPECT_EQ(ref.error().kind(), ErrorKind::InvalidArgument) << c.input;
  }
}

TEST(Reference, NormalizesLikeParseNormalizedNamed) {
  const std::pair<std::string, std::string> cases[] = {
      {"busybox", "docker.io/library/busybox"},
      {"busybox:1.36", "docker.io/library/busybox:1.36"},
      {"busybox@" + kSha256, "docker.io/library/busybox@" + kSha256},
      {"library/busybox", "docker.io/library/busybox"},
      {"dmcgowan/myapp", "docker.io/dmcgowan/myapp"},
      {"dmcgowan/myapp/sub", "docker.io/dmcgowan/myapp/sub"},
      {"docker.io/ubuntu", "docker.io/library/ubuntu"},
      {"docker.io/library/ubuntu:22.04", "docker.io/library/ubuntu:22.04"},
      {"index.docker.io/ubuntu", "docker.io/library/ubuntu"},
      {"index.docker.io/foo/bar", "docker.io/foo/bar"},
      {"localhost/foo", "localhost/foo"},
      {"localhost:5000/foo", "localhost:5000/foo"},
      {"quay.io/podman/hello:latest", "quay.io/podman/hello:latest"},
      {"example.com/busybox", "example.com/busybox"},
      {"127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox"},
      {"[::1]:5000/busybox", "[::1]:5000/busybox"},
      {"foo_bar.com:8080", "docker.io/library/foo_bar.com:8080"},
  };
  for (const auto& [input, expected] : cases) {
    Result<Reference> ref = parse_normalized(input);
    ASSERT_TRUE(ref.has_value()) << input << ": " << ref.error().message();
    EXPECT_EQ(ref->string(), expected) << input;
  }
}

TEST(Reference, NormalizedRejects) {
  const InvalidCase cases[] = {
      {std::string(64, 'a'),
       "invalid repository name (" + std::string(64, 'a') + "), cannot specify 64-byte hexadecimal strings"},
      {"Busybox", "invalid reference format: repository name must be lowercase"},
      {"Foo/bar", "invalid reference format: repository name must be lowercase"},
      {"docker.io/Foo", "invalid reference format: repository name must be lowercase"},
      {"example.com/Foo", "invalid reference format: repository name must be lowercase"},
      {"", "invalid reference format"},
      {"busybox:-x", "invalid reference format"},
      // Go's regexp falls back to a domain-less path here; a normalized name must have a domain.
      {"foo_bar.com/x", "invalid reference format"},
  };
  for (const InvalidCase& c : cases) {
    Result<Reference> ref = parse_normalized(c.input);
    ASSERT_FALSE(ref.has_value()) << c.input << " parsed as " << ref->string();
    EXPECT_EQ(ref.error().message(), c.message) << c.input;
  }
  // A 64-hex string with a tag or registry is a name, not an ID.
  EXPECT_TRUE(parse_normalized(std::string(64, 'a') + ":tag").has_value());
  EXPECT_TRUE(parse_normalized("example.com/" + std::string(64, 'a')).has_value());
}

TEST(Reference, Familiar) {
  const std::pair<std::string, std::string> cases[] = {
      {"busybox", "busybox"},
      {"busybox:latest", "busybox:latest"},
      {"docker.io/library/busybox@" + kSha256, "busybox@" + kSha256},
      {"dmcgowan/myapp", "dmcgowan/myapp"},
      {"docker.io/library/a/b", "library/a/b"},
      {"localhost/foo:1", "localhost/foo:1"},
      {"quay.io/library/foo", "quay.io/library/foo"},
  };
  for (const auto& [input, expected] : cases) {
    Result<Reference> ref = parse_normalized(input);
    ASSERT_TRUE(ref.has_value()) << input;
    EXPECT_EQ(ref->familiar(), expected) << input;
  }
}

TEST(Reference, NameAndString) {
  Reference ref{"quay.io", "a/b", "1", kSha256};
  EXPECT_EQ(ref.name(), "quay.io/a/b");
  EXPECT_EQ(ref.string(), "quay.io/a/b:1@" + kSha256);
  Reference bare{"", "busybox", "", ""};
  EXPECT_EQ(bare.name(), "busybox");
  EXPECT_EQ(bare.string(), "busybox");
}

TEST(Reference, IsShortName) {
  const std::string digested = "image@" + kSha256;
  for (const char* input : {"busybox", "image:tag", "library/fedora", "foo/bar/baz:1", digested.c_str()}) {
    EXPECT_TRUE(is_short_name(input)) << input;
  }
  for (const char* input :
       {"quay.io/image", "localhost/image:tag", "server.org:5000/lib/image", "[::1]/x", "Bad", ""}) {
    EXPECT_FALSE(is_short_name(input)) << input;
  }
}

TEST(Reference, WithDefaultTag) {
  EXPECT_EQ(with_default_tag(Reference{"docker.io", "library/busybox", "", ""}).string(),
            "docker.io/library/busybox:latest");
  EXPECT_EQ(with_default_tag(Reference{"docker.io", "library/busybox", "1", ""}).tag, "1");
  Reference digested = with_default_tag(Reference{"docker.io", "library/busybox", "", kSha256});
  EXPECT_EQ(digested.tag, "");
  EXPECT_EQ(digested.digest, kSha256);
}

}  // namespace
}  // namespace nook::image
