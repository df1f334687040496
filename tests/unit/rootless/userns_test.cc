#include "rootless/userns.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <limits>
#include <vector>

namespace nook::rootless {
namespace {

TEST(BuildMappings, OwnIdOnlyWithoutRanges) {
  auto m = build_mappings(1000, {});
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, (std::vector<IdMapping>{{0, 1000, 1}}));
}

TEST(BuildMappings, RangesFollowInOrder) {
  std::vector<IdRange> ranges{{100000, 65536}, {300000, 10}};
  auto m = build_mappings(1000, ranges);
  ASSERT_TRUE(m) << m.error().message();
  EXPECT_EQ(*m, (std::vector<IdMapping>{{0, 1000, 1}, {1, 100000, 65536}, {65537, 300000, 10}}));
}

TEST(BuildMappings, RejectsRangeContainingOwnId) {
  std::vector<IdRange> ranges{{900, 200}};
  auto m = build_mappings(1000, ranges);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_NE(m.error().message().find("own id 1000"), std::string::npos) << m.error().message();
}

TEST(BuildMappings, RejectsEmptyAndOverlappingRanges) {
  std::vector<IdRange> empty{{100000, 0}};
  EXPECT_FALSE(build_mappings(1000, empty));
  std::vector<IdRange> overlap{{100000, 100}, {100050, 100}};
  auto m = build_mappings(1000, overlap);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("overlap"), std::string::npos) << m.error().message();
}

TEST(BuildMappings, RejectsOverflowOfContainerIds) {
  constexpr uint32_t kMax = std::numeric_limits<uint32_t>::max();
  std::vector<IdRange> fits{{1, kMax - 1}};  // container ids 1 .. kMax - 1 ((uid_t)-1 stays unmapped)
  EXPECT_TRUE(build_mappings(0, fits));
  std::vector<IdRange> too_many{{1, kMax}};  // would need container id kMax: one too many
  auto m = build_mappings(0, too_many);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().kind(), ErrorKind::InvalidArgument);
}

TEST(MappingArgs, TriplesForNewuidmap) {
  std::vector<IdMapping> m{{0, 1000, 1}, {1, 100000, 65536}};
  EXPECT_EQ(mapping_args(m), (std::vector<std::string>{"0", "1000", "1", "1", "100000", "65536"}));
  EXPECT_TRUE(mapping_args({}).empty());
}

TEST(MapFileContent, OneLinePerMapping) {
  std::vector<IdMapping> m{{0, 1000, 1}, {1, 100000, 65536}};
  EXPECT_EQ(map_file_content(m), "0 1000 1\n1 100000 65536\n");
}

TEST(SingleMappingWarning, NamesUserAndFix) {
  EXPECT_EQ(single_mapping_warning("alice"),
            "no subordinate uid range for alice in /etc/subuid: running with a single-uid mapping; add a "
            "line such as 'alice:100000:65536' to /etc/subuid and /etc/subgid");
}

TEST(EnterUserNamespace, NoOpAsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs uid 0 (checks the root no-op)";
  UsernsPlan plan{.uid = 0, .gid = 0, .user_name = "root", .uid_mappings = {{0, 0, 1}}, .gid_mappings = {{0, 0, 1}}};
  auto entry = enter_user_namespace(plan);
  ASSERT_TRUE(entry) << entry.error().message();
  EXPECT_FALSE(entry->entered);
  EXPECT_FALSE(entry->warning);
}

}  // namespace
}  // namespace nook::rootless
