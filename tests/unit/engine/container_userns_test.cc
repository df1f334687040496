// --userns: mode parsing, podman's keep-id maps, the choice of auto ranges, passwd/group lines and
// the fuse-overlayfs options. The namespaces themselves run in tests/e2e/093-run-flags.bats.
#include "lib/engine/container_userns.h"

#include <gtest/gtest.h>

namespace nook::engine {
namespace {

TEST(UsernsMode, ParsesPodmansModes) {
  EXPECT_EQ(parse_userns_mode("")->kind, UsernsMode::Kind::Host);
  EXPECT_EQ(parse_userns_mode("host")->kind, UsernsMode::Kind::Host);
  auto keep = parse_userns_mode("keep-id:uid=200,gid=300");
  ASSERT_TRUE(keep);
  EXPECT_EQ(keep->kind, UsernsMode::Kind::KeepId);
  EXPECT_EQ(keep->uid, 200u);
  EXPECT_EQ(keep->gid, 300u);
  auto automatic = parse_userns_mode("auto:size=500");
  ASSERT_TRUE(automatic);
  EXPECT_EQ(automatic->kind, UsernsMode::Kind::Auto);
  EXPECT_EQ(automatic->size, 500u);
  EXPECT_FALSE(parse_userns_mode("auto")->size);
}

TEST(UsernsMode, RejectsWithPodmansMessages) {
  EXPECT_EQ(parse_userns_mode("bogus").error().message(), "unrecognized namespace mode bogus passed");
  EXPECT_EQ(parse_userns_mode("keep-id:foo=1").error().message(), "unknown option specified: \"foo=1\"");
  EXPECT_EQ(parse_userns_mode("keep-id:uid=abc").error().message(),
            "strconv.ParseUint: parsing \"abc\": invalid syntax");
  EXPECT_EQ(parse_userns_mode("auto:size=-1").error().message(), "strconv.ParseUint: parsing \"-1\": invalid syntax");
  EXPECT_EQ(parse_userns_mode("auto:uid=1").error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(parse_userns_mode("nomap").error().kind(), ErrorKind::Unsupported);
}

TEST(NookIds, ReadsTheRootlessMaps) {
  NookIds ids = parse_nook_ids("         0       1001          1\n         1     131072      65536\n",
                               "         0       1002          1\n         1     131072      65536\n");
  EXPECT_TRUE(ids.rootless);
  EXPECT_EQ(ids.user_uid, 1001u);
  EXPECT_EQ(ids.user_gid, 1002u);
  EXPECT_EQ(ids.subordinate_uids, 65536u);
  EXPECT_EQ(ids.subordinate_gids, 65536u);
  EXPECT_FALSE(parse_nook_ids("         0          0 4294967295\n", "         0          0 4294967295\n").rootless);
}

TEST(KeepId, MatchesPodman43) {
  // podman 4.3 here: {"UidMap":["0:1:1001","1001:0:1","1002:1002:64535"]}
  EXPECT_EQ(mapping_strings(keep_id_mapping(1001, 65536)),
            (std::vector<std::string>{"0:1:1001", "1001:0:1", "1002:1002:64535"}));
  EXPECT_EQ(mapping_strings(keep_id_mapping(200, 65536)),
            (std::vector<std::string>{"0:1:200", "200:0:1", "201:201:65336"}));
  EXPECT_EQ(mapping_strings(keep_id_mapping(1001, 0)), (std::vector<std::string>{"1001:0:1"}));
  EXPECT_EQ(mapping_strings(keep_id_mapping(0, 65536)), (std::vector<std::string>{"0:0:1", "1:1:65536"}));
}

TEST(AutoRange, FirstFitWithoutOverlap) {
  EXPECT_EQ(*choose_auto_range(1024, 1, 65536, {}), 1u);
  std::vector<oci::IdMapping> used = {{0, 1, 1024}, {0, 3000, 100}};
  EXPECT_EQ(*choose_auto_range(1024, 1, 65536, used), 1025u);
  EXPECT_EQ(*choose_auto_range(2000, 1, 65536, used), 3100u);
  EXPECT_EQ(*choose_auto_range(65536 - 3099, 1, 65536, used), 3100u);
  auto full = choose_auto_range(65536 - 3098, 1, 65536, used);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().message(), "creating container storage: could not find enough available IDs");
  EXPECT_FALSE(choose_auto_range(100000, 1, 65536, {}));
  EXPECT_FALSE(choose_auto_range(0, 1, 65536, {}));
  EXPECT_EQ(*choose_auto_range(10, 100000, 20, {}), 100000u);
}

TEST(MappingStrings, RoundTripAndRejectGarbage) {
  std::vector<oci::IdMapping> maps = {{0, 1, 1001}, {1001, 0, 1}};
  EXPECT_EQ(*parse_mapping_strings(mapping_strings(maps)), maps);
  EXPECT_EQ(parse_mapping_strings({"0:1"}).error().kind(), ErrorKind::Corrupt);
  EXPECT_EQ(parse_mapping_strings({"a:b:c"}).error().kind(), ErrorKind::Corrupt);
  EXPECT_EQ(map_to_host(maps, 5), 6u);
  EXPECT_EQ(map_to_host(maps, 1001), 0u);
  EXPECT_FALSE(map_to_host(maps, 1002));
}

TEST(FuseMapping, JoinsTriples) {
  EXPECT_EQ(fuse_mapping_options({{0, 1, 1001}, {1001, 0, 1}}, {{0, 5, 10}}),
            "uidmapping=0:1:1001:1001:0:1,gidmapping=0:5:10");
}

TEST(KeepIdFiles, AddTheUserOnlyWhenMissing) {
  EXPECT_EQ(keep_id_passwd_line("root:x:0:0:root:/root:/bin/sh\n", "nooktest", 1001, 1001, "/"),
            "nooktest:*:1001:1001::/:/bin/sh\n");
  EXPECT_EQ(keep_id_passwd_line("nooktest:x:5:5::/home:/bin/sh\n", "nooktest", 1001, 1001, "/"), "");
  EXPECT_EQ(keep_id_passwd_line("other:x:1001:5::/home:/bin/sh\n", "nooktest", 1001, 1001, "/"), "");
  EXPECT_EQ(keep_id_group_line("root:x:0:\nmail:x:8:\n", "nooktest", 1001), "nooktest:x:1001:nooktest\n");
  EXPECT_EQ(keep_id_group_line("users:x:1001:\n", "nooktest", 1001), "");
}

}  // namespace
}  // namespace nook::engine
