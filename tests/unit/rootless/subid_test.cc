#include "rootless/subid.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lib/sys/file.h"

namespace nook::rootless {
namespace {

using Severity = SubidProblem::Severity;

constexpr std::string_view kSubuid = R"(# /etc/subuid
alice:100000:65536

bob:165536:65536
  # indented comment
1000:231072:65536
carol:296608:10
alice:400000:1000
)";

TEST(ParseSubids, ByName) {
  auto ranges = parse_subids(kSubuid, "/etc/subuid", "alice", 1001);
  ASSERT_TRUE(ranges.has_value()) << ranges.error().message();
  EXPECT_EQ(*ranges, (std::vector<IdRange>{{100000, 65536}, {400000, 1000}}));
}

TEST(ParseSubids, ByNumericUid) {
  auto ranges = parse_subids(kSubuid, "/etc/subuid", "dave", 1000);
  ASSERT_TRUE(ranges.has_value());
  EXPECT_EQ(*ranges, (std::vector<IdRange>{{231072, 65536}}));
}

TEST(ParseSubids, ByNameAndUidInFileOrder) {
  auto ranges = parse_subids(kSubuid, "/etc/subuid", "bob", 1000);
  ASSERT_TRUE(ranges.has_value());
  EXPECT_EQ(*ranges, (std::vector<IdRange>{{165536, 65536}, {231072, 65536}}));
}

TEST(ParseSubids, NoEntry) {
  auto ranges = parse_subids(kSubuid, "/etc/subuid", "eve", 4242);
  ASSERT_TRUE(ranges.has_value());
  EXPECT_TRUE(ranges->empty());
  EXPECT_TRUE(parse_subids("", "/etc/subuid", "eve", 4242)->empty());
}

TEST(ParseSubids, WhitespaceAndCrlf) {
  auto ranges = parse_subids("  alice:1:2\r\n\t\r\nalice:10:20", "f", "alice", 5);
  ASSERT_TRUE(ranges.has_value()) << ranges.error().message();
  EXPECT_EQ(*ranges, (std::vector<IdRange>{{1, 2}, {10, 20}}));
}

TEST(ParseSubids, NumericOwnerDoesNotMatchOtherUids) {
  auto ranges = parse_subids("1000:5:5\n01000:6:6\n", "f", "x", 1001);
  ASSERT_TRUE(ranges.has_value());
  EXPECT_TRUE(ranges->empty());
  auto leading_zero = parse_subids("01000:6:6\n", "f", "x", 1000);
  EXPECT_EQ(*leading_zero, (std::vector<IdRange>{{6, 6}}));  // numeric, as shadow's strtol reads it
}

struct MalformedCase {
  std::string content;
  std::string message;
};

class ParseSubidsMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(ParseSubidsMalformed, NamesFileAndLine) {
  auto ranges = parse_subids(GetParam().content, "/etc/subuid", "alice", 1000);
  ASSERT_FALSE(ranges.has_value());
  EXPECT_EQ(ranges.error().kind(), ErrorKind::Corrupt);
  EXPECT_EQ(ranges.error().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ParseSubidsMalformed,
    ::testing::Values(
        MalformedCase{"alice:1:2\n# ok\nbroken line\n",
                      "\"/etc/subuid\": line 3: expected \"name:start:count\": \"broken line\""},
        MalformedCase{"alice:1\n",
                      "\"/etc/subuid\": line 1: expected \"name:start:count\": \"alice:1\""},
        MalformedCase{"alice:1:2:3\n",
                      "\"/etc/subuid\": line 1: expected \"name:start:count\": \"alice:1:2:3\""},
        MalformedCase{"\n\n:1:2\n", "\"/etc/subuid\": line 3: empty user name: \":1:2\""},
        MalformedCase{"alice:x:2\n", "\"/etc/subuid\": line 1: bad start id: \"alice:x:2\""},
        MalformedCase{"alice:-1:2\n", "\"/etc/subuid\": line 1: bad start id: \"alice:-1:2\""},
        MalformedCase{"alice: 1:2\n", "\"/etc/subuid\": line 1: bad start id: \"alice: 1:2\""},
        MalformedCase{"alice:1:\n", "\"/etc/subuid\": line 1: bad count: \"alice:1:\""},
        MalformedCase{"alice:1:0\n", "\"/etc/subuid\": line 1: count is zero: \"alice:1:0\""},
        MalformedCase{"alice:4294967296:1\n",
                      "\"/etc/subuid\": line 1: bad start id: \"alice:4294967296:1\""},
        MalformedCase{"alice:4294967295:2\n",
                      "\"/etc/subuid\": line 1: range goes past id 4294967295: "
                      "\"alice:4294967295:2\""},
        // Another user's broken line fails too (containers/storage is as strict).
        MalformedCase{"alice:1:2\nbob:1:two\n",
                      "\"/etc/subuid\": line 2: bad count: \"bob:1:two\""}),
    // Stable, readable test names ("Lines/ParseSubidsMalformed.NamesFileAndLine/case3") instead
    // of gtest's byte dump of the struct, which includes pointers.
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return "case" + std::to_string(info.index); });

TEST(ParseSubids, LastIdFits) {
  auto ranges = parse_subids("alice:4294967295:1", "f", "alice", 0);
  ASSERT_TRUE(ranges.has_value());
  EXPECT_EQ(ranges->at(0).end(), uint64_t{1} << 32);
}

class SubidFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = sys::make_temp_dir(::testing::TempDir(), "nook-subid-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_ = std::move(*dir);
  }
  std::string path(std::string_view name) const { return dir_.path() + "/" + std::string(name); }

  sys::TempPath dir_;
};

TEST_F(SubidFileTest, FindSubidsReadsTheFile) {
  ASSERT_TRUE(sys::write_file_atomic(path("subuid"), kSubuid).has_value());
  auto ranges = find_subids(path("subuid"), "carol", 2000);
  ASSERT_TRUE(ranges.has_value()) << ranges.error().message();
  EXPECT_EQ(*ranges, (std::vector<IdRange>{{296608, 10}}));
}

TEST_F(SubidFileTest, FindSubidsMissingFileIsEmpty) {
  auto ranges = find_subids(path("subuid"), "alice", 1000);
  ASSERT_TRUE(ranges.has_value());
  EXPECT_TRUE(ranges->empty());
}

TEST_F(SubidFileTest, FindSubidsMalformedNamesTheRealPath) {
  ASSERT_TRUE(sys::write_file_atomic(path("subgid"), "alice:1:2\nalice;1;2\n").has_value());
  auto ranges = find_subids(path("subgid"), "alice", 1000);
  ASSERT_FALSE(ranges.has_value());
  EXPECT_EQ(ranges.error().message(),
            "\"" + path("subgid") + "\": line 2: expected \"name:start:count\": \"alice;1;2\"");
}

TEST(CheckSubidRanges, AllGood) {
  std::vector<IdRange> ranges{{100000, 65536}};
  EXPECT_TRUE(check_subid_ranges(ranges, 1000, "/etc/subuid", "alice").empty());
  std::vector<IdRange> split{{100000, 30000}, {200000, 40000}};
  EXPECT_TRUE(check_subid_ranges(split, 1000, "/etc/subuid", "alice").empty());
}

TEST(CheckSubidRanges, NoRangesIsAnError) {
  auto problems = check_subid_ranges({}, 1000, "/etc/subgid", "alice");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Severity::Error);
  EXPECT_EQ(problems[0].message,
            "no subordinate ids for \"alice\" in \"/etc/subgid\": as root, run usermod "
            "--add-subgids 100000-165535 alice (pick a range no other user has)");
}

TEST(CheckSubidRanges, Overlap) {
  std::vector<IdRange> ranges{{200000, 65536}, {100000, 100001}};
  auto problems = check_subid_ranges(ranges, 1000, "/etc/subuid", "alice");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Severity::Error);
  EXPECT_EQ(problems[0].message,
            "\"/etc/subuid\": ranges 100000:100001 and 200000:65536 of \"alice\" overlap: remove "
            "or shrink one of them");
  // Adjacent is not overlapping.
  std::vector<IdRange> adjacent{{100000, 100000}, {200000, 65536}};
  EXPECT_TRUE(check_subid_ranges(adjacent, 1000, "/etc/subuid", "alice").empty());
}

TEST(CheckSubidRanges, ContainsOwnId) {
  std::vector<IdRange> ranges{{0, 100000}};
  auto problems = check_subid_ranges(ranges, 1000, "/etc/subuid", "alice");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Severity::Error);
  EXPECT_NE(problems[0].message.find("contains the user's own id 1000"), std::string::npos);
}

TEST(CheckSubidRanges, TooSmallIsOnlyAWarning) {
  std::vector<IdRange> ranges{{100000, 1000}, {300000, 64535}};
  auto problems = check_subid_ranges(ranges, 1000, "/etc/subuid", "alice");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].severity, Severity::Warning);
  EXPECT_EQ(problems[0].message,
            "\"/etc/subuid\": only 65535 subordinate ids for \"alice\"; images with files owned "
            "by ids up to 65535 will fail to unpack: give the user at least 65536 (usermod "
            "--add-subuids)");
}

// struct vfs_cap_data as the kernel stores it (little endian).
std::string cap_xattr(uint32_t magic, uint32_t permitted0, uint32_t permitted1 = 0,
                      std::optional<uint32_t> rootid = std::nullopt) {
  std::string out;
  auto put = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(magic);
  put(permitted0);
  put(0);  // inheritable
  if ((magic & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_1) {
    put(permitted1);
    put(0);
  }
  if (rootid) put(*rootid);
  return out;
}

TEST(FileCapabilityGrants, Revisions) {
  uint32_t setuid_bit = 1u << CAP_SETUID;
  uint32_t eff = VFS_CAP_FLAGS_EFFECTIVE;
  EXPECT_TRUE(file_capability_grants(cap_xattr(VFS_CAP_REVISION_2 | eff, setuid_bit), CAP_SETUID));
  EXPECT_TRUE(file_capability_grants(cap_xattr(VFS_CAP_REVISION_1 | eff, setuid_bit), CAP_SETUID));
  EXPECT_TRUE(
      file_capability_grants(cap_xattr(VFS_CAP_REVISION_3 | eff, setuid_bit, 0, 0), CAP_SETUID));
  // Not effective, wrong capability, namespaced root, truncated, garbage.
  EXPECT_FALSE(file_capability_grants(cap_xattr(VFS_CAP_REVISION_2, setuid_bit), CAP_SETUID));
  EXPECT_FALSE(file_capability_grants(cap_xattr(VFS_CAP_REVISION_2 | eff, setuid_bit), CAP_SETGID));
  EXPECT_FALSE(
      file_capability_grants(cap_xattr(VFS_CAP_REVISION_3 | eff, setuid_bit, 0, 1000), CAP_SETUID));
  EXPECT_FALSE(file_capability_grants(cap_xattr(VFS_CAP_REVISION_2 | eff, setuid_bit).substr(0, 10),
                                      CAP_SETUID));
  EXPECT_FALSE(file_capability_grants("", CAP_SETUID));
  EXPECT_FALSE(file_capability_grants(cap_xattr(0x07000000 | eff, setuid_bit), CAP_SETUID));
  // A capability in the second word (CAP_SETFCAP is 31, CAP_MAC_ADMIN 33).
  EXPECT_TRUE(file_capability_grants(cap_xattr(VFS_CAP_REVISION_2 | eff, 0, 1u << (33 - 32)), 33));
  EXPECT_FALSE(file_capability_grants(cap_xattr(VFS_CAP_REVISION_1 | eff, 0), 33));
}

TEST_F(SubidFileTest, CheckNewuidmapMissing) {
  auto checked = check_newuidmap(path("newuidmap"));
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().kind(), ErrorKind::NotFound);
  EXPECT_NE(checked.error().message().find("install the uidmap package"), std::string::npos);
}

TEST_F(SubidFileTest, CheckNewuidmapNotSetuid) {
  std::string fake = path("newuidmap");
  ASSERT_TRUE(sys::write_file_atomic(fake, "#!/bin/sh\n", 0755).has_value());
  auto checked = check_newuidmap(fake);
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().kind(), ErrorKind::Permission);
  EXPECT_EQ(
      checked.error().message(),
      "newuidmap is not setuid root and lacks the cap_setuid file capability: run chmod u+s " +
          fake + " as root (or setcap cap_setuid+ep " + fake +
          "), or reinstall the uidmap package");
  auto gid = check_newgidmap(fake);
  ASSERT_FALSE(gid.has_value());
  EXPECT_NE(gid.error().message().find("newgidmap is not setuid root and lacks the cap_setgid"),
            std::string::npos);
}

TEST_F(SubidFileTest, CheckNewuidmapNotExecutableOrNotAFile) {
  std::string fake = path("newuidmap");
  ASSERT_TRUE(sys::write_file_atomic(fake, "", 0644).has_value());
  auto checked = check_newuidmap(fake);
  ASSERT_FALSE(checked.has_value());
  EXPECT_NE(checked.error().message().find("is not executable"), std::string::npos);
  auto dir = check_newuidmap(dir_.path());
  ASSERT_FALSE(dir.has_value());
  EXPECT_NE(dir.error().message().find("is not a regular file"), std::string::npos);
}

TEST_F(SubidFileTest, CheckNewuidmapSetuid) {
  std::string fake = path("newuidmap");
  ASSERT_TRUE(sys::write_file_atomic(fake, "#!/bin/sh\n", 04755).has_value());
  auto checked = check_newuidmap(fake);
  if (::geteuid() == 0) {
    EXPECT_TRUE(checked.has_value()) << checked.error().message();  // setuid and owned by root
  } else {
    ASSERT_FALSE(checked.has_value());
    EXPECT_NE(checked.error().message().find("is setuid but owned by uid " +
                                             std::to_string(::geteuid()) + ", not root"),
              std::string::npos)
        << checked.error().message();
  }
}

TEST_F(SubidFileTest, CheckNewuidmapFileCapability) {
  std::string fake = path("newgidmap");
  ASSERT_TRUE(sys::write_file_atomic(fake, "#!/bin/sh\n", 0755).has_value());
  std::string caps = cap_xattr(VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, 1u << CAP_SETGID);
  if (::setxattr(fake.c_str(), "security.capability", caps.data(), caps.size(), 0) < 0) {
    GTEST_SKIP() << "cannot set security.capability (needs CAP_SETFCAP): " << std::strerror(errno);
  }
  EXPECT_TRUE(check_newgidmap(fake).has_value());
  EXPECT_FALSE(check_newuidmap(fake).has_value());  // cap_setgid is not cap_setuid
}

class UsernsAllowedTest : public SubidFileTest {
 protected:
  void set(std::string_view knob, std::string_view value) {
    std::string file = path("sys/") + std::string(knob);
    ASSERT_TRUE(sys::make_dirs(file.substr(0, file.rfind('/'))).has_value());
    ASSERT_TRUE(sys::write_file_atomic(file, value).has_value());
  }
};

TEST_F(UsernsAllowedTest, NoKnobsMeansAllowed) {
  EXPECT_TRUE(userns_allowed(dir_.path()).has_value());
}

TEST_F(UsernsAllowedTest, PermissiveKnobs) {
  set("kernel/unprivileged_userns_clone", "1\n");
  set("user/max_user_namespaces", "63704\n");
  set("kernel/apparmor_restrict_unprivileged_userns", "0\n");
  auto allowed = userns_allowed(dir_.path());
  EXPECT_TRUE(allowed.has_value()) << allowed.error().message();
}

TEST_F(UsernsAllowedTest, DebianCloneKnobOff) {
  set("kernel/unprivileged_userns_clone", "0\n");
  auto allowed = userns_allowed(dir_.path());
  ASSERT_FALSE(allowed.has_value());
  EXPECT_EQ(allowed.error().kind(), ErrorKind::Unsupported);
  EXPECT_NE(allowed.error().message().find("sysctl -w kernel.unprivileged_userns_clone=1"),
            std::string::npos);
}

TEST_F(UsernsAllowedTest, MaxUserNamespacesZero) {
  set("user/max_user_namespaces", "0");
  auto allowed = userns_allowed(dir_.path());
  ASSERT_FALSE(allowed.has_value());
  EXPECT_NE(allowed.error().message().find("user.max_user_namespaces = 0"), std::string::npos);
}

TEST_F(UsernsAllowedTest, AppArmorRestriction) {
  set("kernel/apparmor_restrict_unprivileged_userns", "1\n");
  auto allowed = userns_allowed(dir_.path());
  ASSERT_FALSE(allowed.has_value());
  EXPECT_EQ(allowed.error().kind(), ErrorKind::Unsupported);
  EXPECT_NE(allowed.error().message().find("AppArmor"), std::string::npos);
}

TEST_F(UsernsAllowedTest, GarbageIsCorrupt) {
  set("user/max_user_namespaces", "lots\n");
  auto allowed = userns_allowed(dir_.path());
  ASSERT_FALSE(allowed.has_value());
  EXPECT_EQ(allowed.error().kind(), ErrorKind::Corrupt);
}

TEST(UsernsAllowed, RealProcAnswersWithoutInternalErrors) {
  auto allowed = userns_allowed();
  if (!allowed) {
    EXPECT_EQ(allowed.error().kind(), ErrorKind::Unsupported) << allowed.error().message();
  }
}

}  // namespace
}  // namespace nook::rootless

namespace nook::rootless {
namespace {

TEST(NsswitchSubid, TheServicesOfTheSubidLine) {
  EXPECT_EQ(nsswitch_subid_services("passwd: files\ngroup: files\n"), "");
  EXPECT_EQ(nsswitch_subid_services("passwd: files\nsubid:   sss  # ranges from SSSD\n"), "sss");
  EXPECT_EQ(nsswitch_subid_services("# subid: sss\nsubid: files"), "files");
  EXPECT_EQ(nsswitch_subid_services(""), "");
  EXPECT_FALSE(subids_from_libsubid(""));
  EXPECT_FALSE(subids_from_libsubid("files"));
  EXPECT_TRUE(subids_from_libsubid("sss"));
  EXPECT_TRUE(subids_from_libsubid("files sss"));
}

TEST(Libsubid, AgreesWithTheFilesWhenNsswitchNamesNoService) {
  // With no "subid:" service, libsubid reads /etc/subuid and /etc/subgid as nook does.
  struct passwd* pw = ::getpwuid(::getuid());
  ASSERT_NE(pw, nullptr);
  auto from_library = libsubid_ranges(pw->pw_name, false);
  if (!from_library && from_library.error().kind() == ErrorKind::Unsupported) {
    GTEST_SKIP() << from_library.error().message();
  }
  auto nsswitch = sys::read_file("/etc/nsswitch.conf");
  if (nsswitch && subids_from_libsubid(nsswitch_subid_services(*nsswitch))) {
    GTEST_SKIP() << "this host serves subids from another service";
  }
  ASSERT_TRUE(from_library) << from_library.error().message();
  auto from_file = find_subids("/etc/subuid", pw->pw_name, ::getuid());
  ASSERT_TRUE(from_file) << from_file.error().message();
  EXPECT_EQ(*from_library, *from_file);
  auto gids = libsubid_ranges(pw->pw_name, true);
  ASSERT_TRUE(gids) << gids.error().message();
  EXPECT_EQ(*gids, *find_subids("/etc/subgid", pw->pw_name, ::getuid()));
}

}  // namespace
}  // namespace nook::rootless
