#include "lib/config/file_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/unit/config/test_support.h"

namespace nook::config {
namespace {

using testing::TempDir;
using testing::mode_of;
using testing::write_file;

TEST(FileIoTest, ReadTextFileReturnsContent) {
  TempDir dir;
  write_file(dir / "a.conf", "hello\nworld\n");
  Result<std::string> text = read_text_file(dir / "a.conf");
  ASSERT_TRUE(text.has_value()) << text.error().message();
  EXPECT_EQ(*text, "hello\nworld\n");
}

TEST(FileIoTest, ReadTextFileMissingIsNotFound) {
  TempDir dir;
  Result<std::string> text = read_text_file(dir / "missing.conf");
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().kind(), ErrorKind::NotFound);
  EXPECT_NE(text.error().message().find(dir / "missing.conf"), std::string::npos);
}

TEST(FileIoTest, ReadTextFileRejectsDirectory) {
  TempDir dir;
  Result<std::string> text = read_text_file(dir.path());
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().kind(), ErrorKind::InvalidArgument);
}

TEST(FileIoTest, PathExists) {
  TempDir dir;
  write_file(dir / "f", "");
  EXPECT_TRUE(*path_exists(dir / "f"));
  EXPECT_FALSE(*path_exists(dir / "nope"));
  EXPECT_FALSE(*path_exists(dir / "f/under-a-file"));
}

TEST(FileIoTest, ListDropInsSortsByNameAndKeepsOnlyConfFiles) {
  TempDir dir;
  write_file(dir / "d/20-b.conf", "");
  write_file(dir / "d/10-a.conf", "");
  write_file(dir / "d/05-z.conf", "");
  write_file(dir / "d/99-ignored.txt", "");
  write_file(dir / "d/conf", "");
  testing::make_dir(dir / "d/30-subdir.conf");
  write_file(dir / "d/30-subdir.conf/inner.conf", "");
  Result<std::vector<std::string>> files = list_drop_ins(dir / "d");
  ASSERT_TRUE(files.has_value()) << files.error().message();
  EXPECT_EQ(*files, (std::vector<std::string>{dir / "d/05-z.conf", dir / "d/10-a.conf", dir / "d/20-b.conf"}));
}

TEST(FileIoTest, ListDropInsOfMissingDirectoryIsEmpty) {
  TempDir dir;
  Result<std::vector<std::string>> files = list_drop_ins(dir / "none.d");
  ASSERT_TRUE(files.has_value());
  EXPECT_TRUE(files->empty());
}

TEST(FileIoTest, ListDropInsFollowsSymlinksToFiles) {
  TempDir dir;
  write_file(dir / "target", "");
  testing::make_dir(dir / "d");
  ASSERT_EQ(symlink((dir / "target").c_str(), (dir / "d/link.conf").c_str()), 0);
  ASSERT_EQ(symlink(dir.path().c_str(), (dir / "d/dirlink.conf").c_str()), 0);
  Result<std::vector<std::string>> files = list_drop_ins(dir / "d");
  ASSERT_TRUE(files.has_value());
  EXPECT_EQ(*files, std::vector<std::string>{dir / "d/link.conf"});
}

TEST(FileIoTest, MakeDirsCreatesParents) {
  TempDir dir;
  ASSERT_TRUE(make_dirs(dir / "a/b/c", 0700).has_value());
  EXPECT_EQ(mode_of(dir / "a/b/c") & 0700, 0700u);
  EXPECT_TRUE(make_dirs(dir / "a/b/c", 0700).has_value());  // existing is fine
  write_file(dir / "file", "");
  Result<void> blocked = make_dirs(dir / "file", 0700);
  ASSERT_FALSE(blocked.has_value());
}

TEST(FileIoTest, WriteFileAtomicCreatesPrivateFileAndParent) {
  TempDir dir;
  mode_t old_umask = umask(022);
  Result<void> written = write_file_atomic(dir / "new/dir/auth.json", "{}\n", 0600);
  umask(old_umask);
  ASSERT_TRUE(written.has_value()) << written.error().message();
  EXPECT_EQ(mode_of(dir / "new/dir/auth.json"), 0600u);
  EXPECT_EQ(mode_of(dir / "new/dir"), 0700u);
  EXPECT_EQ(*read_text_file(dir / "new/dir/auth.json"), "{}\n");
}

TEST(FileIoTest, WriteFileAtomicReplacesByRename) {
  TempDir dir;
  write_file(dir / "f", "old");
  struct stat before {};
  ASSERT_EQ(stat((dir / "f").c_str(), &before), 0);
  ASSERT_TRUE(write_file_atomic(dir / "f", "new content", 0600).has_value());
  struct stat after {};
  ASSERT_EQ(stat((dir / "f").c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);  // a new file was renamed over the old one
  EXPECT_EQ(*read_text_file(dir / "f"), "new content");
  EXPECT_EQ(mode_of(dir / "f"), 0600u);
  // No temporary file is left behind.
  Result<std::vector<std::string>> left = list_drop_ins(dir.path());
  ASSERT_TRUE(left.has_value());
  EXPECT_TRUE(left->empty());
}

TEST(FileIoTest, WriteFileAtomicFailureLeavesTargetUntouched) {
  TempDir dir;
  testing::make_dir(dir / "target-is-a-dir/inner");
  Result<void> written = write_file_atomic(dir / "target-is-a-dir", "x", 0600);
  ASSERT_FALSE(written.has_value());
  EXPECT_TRUE(*path_exists(dir / "target-is-a-dir/inner"));
}

TEST(FileIoTest, PathHelpers) {
  EXPECT_EQ(parent_dir("/a/b"), "/a");
  EXPECT_EQ(parent_dir("/a/b/"), "/a");
  EXPECT_EQ(parent_dir("/b"), "/");
  EXPECT_EQ(parent_dir("b"), ".");
  EXPECT_EQ(join_path("/a/", "/b"), "/a/b");
  EXPECT_EQ(join_path("/a", "b/c"), "/a/b/c");
  EXPECT_EQ(join_path("", "b"), "b");
}

}  // namespace
}  // namespace nook::config
