#include "rootless/userns.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

TEST(EnterExistingUserNamespace, NoOpAsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs uid 0 (checks the root no-op)";
  struct stat before {}, after {};
  ASSERT_EQ(::stat("/proc/self/ns/user", &before), 0);
  auto entered = enter_existing_user_namespace(1);
  ASSERT_TRUE(entered) << entered.error().message();
  ASSERT_EQ(::stat("/proc/self/ns/user", &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
}

}  // namespace
}  // namespace nook::rootless

namespace nook::rootless {
namespace {

// A child that sits in a user namespace of its own until `release` closes.
TEST(JoinUserNamespace, JoinsAnotherProcesssNamespace) {
  int ready[2], release[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(release, O_CLOEXEC), 0);
  pid_t holder = ::fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    char ok = ::unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
    (void)!::write(ready[1], &ok, 1);
    char byte;
    (void)!::read(release[0], &byte, 1);
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char ok = 'n';
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  auto finish = [&] {
    ::close(release[1]);
    ::waitpid(holder, nullptr, 0);
  };
  if (ok != 'y') {
    finish();
    GTEST_SKIP() << "user namespaces are not available here";
  }
  // The join changes the process for good: do it in a child and report by exit code.
  pid_t joiner = ::fork();
  ASSERT_GE(joiner, 0);
  if (joiner == 0) {
    if (!join_user_namespace(holder)) ::_exit(1);
    struct stat ours {}, theirs {};
    if (::stat("/proc/self/ns/user", &ours) != 0) ::_exit(2);
    if (::stat(fmt::format("/proc/{}/ns/user", holder).c_str(), &theirs) != 0) ::_exit(3);
    ::_exit(ours.st_ino == theirs.st_ino ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(joiner, &status, 0), joiner);
  finish();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto gone = join_user_namespace(holder);  // reaped: no such process
  EXPECT_FALSE(gone);
}

}  // namespace
}  // namespace nook::rootless
