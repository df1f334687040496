#include "lib/image/platform.h"

#include <sys/utsname.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/image/manifest.h"

namespace nook::image {
namespace {

using ::testing::HasSubstr;

TEST(PlatformTest, ParsesAndNormalizes) {
  struct Case {
    std::string text;
    std::string os, arch, variant;
  };
  std::vector<Case> cases = {
      {"linux/amd64", "linux", "amd64", ""},
      {"linux/x86_64", "linux", "amd64", ""},
      {"linux/x86-64", "linux", "amd64", ""},
      {"linux/amd64/v1", "linux", "amd64", ""},
      {"linux/amd64/v3", "linux", "amd64", "v3"},
      {"Linux/AMD64", "linux", "amd64", ""},
      {"linux/arm64", "linux", "arm64", "v8"},
      {"linux/aarch64", "linux", "arm64", "v8"},
      {"linux/arm64/v8", "linux", "arm64", "v8"},
      {"linux/arm64/8", "linux", "arm64", "v8"},
      {"linux/arm", "linux", "arm", "v7"},
      {"linux/arm/v6", "linux", "arm", "v6"},
      {"linux/arm/5", "linux", "arm", "v5"},
      {"linux/armhf", "linux", "arm", "v7"},
      {"linux/armel", "linux", "arm", "v6"},
      {"linux/i686", "linux", "386", ""},
      {"linux/s390x", "linux", "s390x", ""},
      {"windows/amd64", "windows", "amd64", ""},
  };
  for (const Case& c : cases) {
    Result<Platform> platform = parse_platform(c.text);
    ASSERT_TRUE(platform.has_value()) << c.text << ": " << platform.error().message();
    EXPECT_EQ(platform->os, c.os) << c.text;
    EXPECT_EQ(platform->architecture, c.arch) << c.text;
    EXPECT_EQ(platform->variant, c.variant) << c.text;
  }
}

TEST(PlatformTest, RejectsMalformed) {
  struct Case {
    std::string text;
    std::string why;
  };
  std::vector<Case> cases = {
      {"", "expected OS/ARCH[/VARIANT]"},
      {"linux", "expected OS/ARCH[/VARIANT]"},
      {"/amd64", "empty OS"},
      {"linux/", "empty architecture"},
      {"linux/arm/", "empty variant"},
      {"linux/arm/v7/x", "too many parts, expected OS/ARCH[/VARIANT]"},
  };
  for (const Case& c : cases) {
    Result<Platform> platform = parse_platform(c.text);
    ASSERT_FALSE(platform.has_value()) << c.text;
    EXPECT_EQ(platform.error().kind(), ErrorKind::InvalidArgument);
    EXPECT_EQ(platform.error().message(), "invalid platform \"" + c.text + "\": " + c.why);
  }
}

TEST(PlatformTest, ToString) {
  EXPECT_EQ(to_string(Platform{.os = "linux", .architecture = "amd64"}), "linux/amd64");
  EXPECT_EQ(to_string(Platform{.os = "linux", .architecture = "arm", .variant = "v7"}), "linux/arm/v7");
}

TEST(PlatformTest, HostPlatformFollowsUname) {
  struct utsname uts {};
  ASSERT_EQ(uname(&uts), 0);
  std::string machine = uts.machine;
  Platform host = host_platform();
  EXPECT_EQ(host.os, "linux");
  if (machine == "x86_64") {
    EXPECT_EQ(host.architecture, "amd64");
    EXPECT_EQ(host.variant, "");
  } else if (machine == "aarch64") {
    EXPECT_EQ(host.architecture, "arm64");
    EXPECT_EQ(host.variant, "v8");
  } else {
    EXPECT_FALSE(host.architecture.empty());
  }
  // The host platform is already in normal form.
  EXPECT_EQ(normalize_platform(host), host);
}

Descriptor entry(std::string arch, std::string variant, std::string os = "linux") {
  Descriptor d;
  d.media_type = std::string(kMediaTypeOciManifest);
  d.digest = Digest{"sha256", std::string(64, 'a')};
  d.size = 100;
  d.platform = Platform{.os = std::move(os), .architecture = std::move(arch), .variant = std::move(variant)};
  return d;
}

TEST(PlatformTest, SelectsFromIndex) {
  Index index;
  index.manifests = {
      entry("amd64", ""),            // 0
      entry("arm64", "v8"),          // 1
      entry("arm", "v6"),            // 2
      entry("arm", "v7"),            // 3
      entry("arm64", ""),            // 4: same as 1, later
      entry("amd64", "", "windows"), // 5
      entry("unknown", "", "unknown"),  // 6: attestation
      entry("ppc64le", ""),          // 7
  };
  struct Case {
    std::string wanted;
    int expected;  // index into manifests, -1 for not found
  };
  std::vector<Case> cases = {
      {"linux/amd64", 0},   {"linux/x86_64", 0},  {"linux/arm64", 1},   {"linux/arm64/v8", 1},
      {"linux/aarch64", 1}, {"linux/arm/v7", 3},  {"linux/arm", 3},     {"linux/arm/v6", 2},
      {"linux/arm/v5", -1}, {"windows/amd64", 5}, {"linux/ppc64le", 7}, {"linux/s390x", -1},
      {"linux/amd64/v3", -1},
  };
  for (const Case& c : cases) {
    Result<Platform> wanted = parse_platform(c.wanted);
    ASSERT_TRUE(wanted.has_value()) << c.wanted;
    Result<const Descriptor*> chosen = select_manifest(index, *wanted);
    if (c.expected < 0) {
      ASSERT_FALSE(chosen.has_value()) << c.wanted;
      EXPECT_EQ(chosen.error().kind(), ErrorKind::NotFound);
    } else {
      ASSERT_TRUE(chosen.has_value()) << c.wanted << ": " << chosen.error().message();
      EXPECT_EQ(*chosen, &index.manifests[static_cast<size_t>(c.expected)]) << c.wanted;
    }
  }
}

TEST(PlatformTest, ArmFallsBackToOlderVariantsInOrder) {
  Index index;
  index.manifests = {entry("arm", "v5"), entry("arm", "v6"), entry("arm64", "v8")};
  Platform arm_v7{.os = "linux", .architecture = "arm", .variant = "v7"};
  Result<const Descriptor*> chosen = select_manifest(index, arm_v7);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(*chosen, &index.manifests[1]);
  // An arm descriptor without a variant counts as v7.
  index.manifests.push_back(entry("arm", ""));
  chosen = select_manifest(index, arm_v7);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(*chosen, &index.manifests[3]);
}

TEST(PlatformTest, Arm64VariantEmptyMatchesV8) {
  Index index;
  index.manifests = {entry("amd64", ""), entry("arm64", "")};
  Result<const Descriptor*> chosen = select_manifest(index, *parse_platform("linux/arm64/v8"));
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(*chosen, &index.manifests[1]);
}

TEST(PlatformTest, DescriptorWithoutPlatformIsTheLastResort) {
  Index index;
  index.manifests = {entry("amd64", ""), entry("arm64", "v8")};
  index.manifests[1].platform.reset();
  Result<const Descriptor*> chosen = select_manifest(index, *parse_platform("linux/amd64"));
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(*chosen, &index.manifests[0]);
  chosen = select_manifest(index, *parse_platform("linux/s390x"));
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(*chosen, &index.manifests[1]);
}

TEST(PlatformTest, NotFoundMessageMatchesPodman) {
  Index index;
  index.manifests = {entry("amd64", "")};
  Result<const Descriptor*> chosen = select_manifest(index, *parse_platform("linux/arm64"));
  ASSERT_FALSE(chosen.has_value());
  EXPECT_EQ(chosen.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(chosen.error().message(),
            "no image found in image index for architecture \"arm64\", variant \"v8\", OS \"linux\"");
  EXPECT_FALSE(select_manifest(Index{}, host_platform()).has_value());
}

}  // namespace
}  // namespace nook::image
