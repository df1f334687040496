#include "lib/sys/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/sys/test_support.h"

namespace nook::sys {
namespace {

using test_support::exists;
using test_support::has_cloexec;

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  ::lstat(path.c_str(), &st);
  return st.st_mode & 07777;
}

// True when permission bits do not bind us (root, or CAP_DAC_OVERRIDE).
bool ignores_permissions(const std::string& read_only_dir) {
  return ::access(read_only_dir.c_str(), W_OK) == 0;
}

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = make_temp_dir(::testing::TempDir(), "nook-file-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_ = std::move(*dir);
  }
  std::string path(std::string_view name) const { return dir_.path() + "/" + std::string(name); }

  TempPath dir_;
};

TEST_F(FileTest, OpenFileIsCloexec) {
  auto fd = open_file(path("f"), O_WRONLY | O_CREAT, 0600);
  ASSERT_TRUE(fd.has_value()) << fd.error().message();
  EXPECT_TRUE(has_cloexec(fd->get()));
  auto dir = open_file(dir_.path(), O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(dir.has_value());
  auto at = openat_file(dir->get(), "f", O_RDONLY);
  ASSERT_TRUE(at.has_value()) << at.error().message();
  EXPECT_TRUE(has_cloexec(at->get()));
}

TEST_F(FileTest, OpenMissingFileIsNotFoundAndNamesThePath) {
  auto fd = open_file(path("missing"), O_RDONLY);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(fd.error().sys_errno(), ENOENT);
  EXPECT_EQ(fd.error().message(), "open \"" + path("missing") + "\": No such file or directory");
}

TEST(ReadAll, ProcFilesReportSizeZeroButHaveContent) {
  struct stat st;
  ASSERT_EQ(::stat("/proc/self/status", &st), 0);
  ASSERT_EQ(st.st_size, 0);  // the premise: st_size cannot be trusted
  auto status = read_file("/proc/self/status");
  ASSERT_TRUE(status.has_value()) << status.error().message();
  EXPECT_NE(status->find("Pid:\t" + std::to_string(::getpid()) + "\n"), std::string::npos);
  auto maps = read_file("/proc/self/maps");  // usually larger than one read
  ASSERT_TRUE(maps.has_value());
  EXPECT_GT(maps->size(), 4096u);
}

TEST(ReadAll, MissingFileMessageHasContext) {
  auto data = read_file("/nonexistent/nook");
  ASSERT_FALSE(data.has_value());
  EXPECT_EQ(data.error().kind(), ErrorKind::NotFound);
  EXPECT_NE(data.error().message().find("\"/nonexistent/nook\""), std::string::npos);
}

TEST_F(FileTest, LargeFileRoundTrip) {
  std::string big;
  for (int i = 0; big.size() < 3 * 1024 * 1024 + 17; ++i) big += std::to_string(i) + ',';
  ASSERT_TRUE(write_file_atomic(path("big"), big).has_value());
  auto back = read_file(path("big"));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, big);
  ASSERT_TRUE(write_file_atomic(path("empty"), "").has_value());
  auto empty = read_file(path("empty"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, "");
}

TEST(ReadWriteAll, NonBlockingPipeBothEnds) {
  // Both ends non-blocking and a payload far larger than the pipe buffer: write_all must wait
  // on EAGAIN, read_all must wait on EAGAIN, and nothing may be lost or duplicated.
  auto pipe = Pipe::create(O_NONBLOCK);
  ASSERT_TRUE(pipe.has_value());
  std::string payload(4 * 1024 * 1024 + 3, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  Result<void> wrote;
  std::thread writer([&] {
    wrote = write_all(pipe->write.get(), payload);
    pipe->write.reset();
  });
  auto got = read_all(pipe->read.get());
  writer.join();
  ASSERT_TRUE(wrote.has_value()) << wrote.error().message();
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(got->size(), payload.size());
  EXPECT_TRUE(*got == payload);
}

TEST(WriteAll, BadDescriptor) {
  auto wrote = write_all(-1, "x");
  ASSERT_FALSE(wrote.has_value());
  EXPECT_EQ(wrote.error().sys_errno(), EBADF);
  EXPECT_TRUE(write_all(-1, "").has_value());  // nothing to write
}

TEST_F(FileTest, AtomicWriteContentModeAndNoLeftovers) {
  mode_t old_umask = ::umask(077);  // the mode is exact, not umask-filtered
  auto wrote = write_file_atomic(path("state.json"), "{\"v\":1}", 0644);
  ::umask(old_umask);
  ASSERT_TRUE(wrote.has_value()) << wrote.error().message();
  EXPECT_EQ(*read_file(path("state.json")), "{\"v\":1}");
  EXPECT_EQ(mode_of(path("state.json")), 0644u);

  ASSERT_TRUE(write_file_atomic(path("state.json"), "{\"v\":2}", 0600).has_value());
  EXPECT_EQ(*read_file(path("state.json")), "{\"v\":2}");
  EXPECT_EQ(mode_of(path("state.json")), 0600u);
  EXPECT_EQ(list_dir(dir_.path()), std::vector<std::string>{"state.json"});
}

TEST_F(FileTest, AtomicOnlyWriteReplacesLikeADurableOne) {
  ASSERT_TRUE(write_file_atomic(path("exit.json"), "old", 0600).has_value());
  auto wrote = write_file_atomic(path("exit.json"), "{\"exit\":3}", 0640, Durability::AtomicOnly);
  ASSERT_TRUE(wrote.has_value()) << wrote.error().message();
  EXPECT_EQ(*read_file(path("exit.json")), "{\"exit\":3}");
  EXPECT_EQ(mode_of(path("exit.json")), 0640u);
  EXPECT_EQ(list_dir(dir_.path()), std::vector<std::string>{"exit.json"});
  EXPECT_EQ(write_file_atomic(path("no/such/file"), "x", 0600, Durability::AtomicOnly).error().kind(),
            ErrorKind::NotFound);
}

TEST_F(FileTest, AtomicWriteRelativePath) {
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(dir_.path().c_str()), 0);
  auto wrote = write_file_atomic("relative", "r");
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(wrote.has_value()) << wrote.error().message();
  EXPECT_EQ(*read_file(path("relative")), "r");
}

TEST_F(FileTest, AtomicWriteFailureLeavesNoTempFile) {
  // rename() over a non-empty directory fails after the temp file was written.
  ASSERT_TRUE(make_dirs(path("target/sub")).has_value());
  auto wrote = write_file_atomic(path("target"), "data");
  ASSERT_FALSE(wrote.has_value());
  EXPECT_NE(wrote.error().message().find("writing \"" + path("target") + "\""), std::string::npos)
      << wrote.error().message();
  EXPECT_EQ(list_dir(dir_.path()), std::vector<std::string>{"target"});
}

TEST_F(FileTest, AtomicWriteIntoMissingDirectory) {
  auto wrote = write_file_atomic(path("no/such/file"), "data");
  ASSERT_FALSE(wrote.has_value());
  EXPECT_EQ(wrote.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(list_dir(dir_.path()), std::vector<std::string>{});
}

TEST_F(FileTest, AtomicWriteIntoReadOnlyDirectory) {
  ASSERT_TRUE(make_dirs(path("ro")).has_value());
  ASSERT_TRUE(write_file_atomic(path("ro/file"), "old").has_value());
  ASSERT_EQ(::chmod(path("ro").c_str(), 0500), 0);
  if (ignores_permissions(path("ro"))) {
    ::chmod(path("ro").c_str(), 0700);
    GTEST_SKIP() << "running with CAP_DAC_OVERRIDE: a read-only directory does not stop us";
  }
  auto wrote = write_file_atomic(path("ro/file"), "new");
  ::chmod(path("ro").c_str(), 0700);
  ASSERT_FALSE(wrote.has_value());
  EXPECT_EQ(wrote.error().kind(), ErrorKind::Permission);
  EXPECT_EQ(*read_file(path("ro/file")), "old");
  EXPECT_EQ(list_dir(path("ro")), std::vector<std::string>{"file"});
}

TEST_F(FileTest, AtomicWriteRejectsDirectoryNames) {
  EXPECT_EQ(write_file_atomic(path("dir/"), "x").error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(write_file_atomic(path(".."), "x").error().kind(), ErrorKind::InvalidArgument);
}

TEST_F(FileTest, MakeDirs) {
  ASSERT_TRUE(make_dirs(path("a/b//c/")).has_value());
  struct stat st;
  ASSERT_EQ(::stat(path("a/b/c").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_TRUE(make_dirs(path("a/b/c")).has_value());  // exists: fine
  EXPECT_TRUE(make_dirs(path("a")).has_value());
  ASSERT_EQ(::symlink("a/b", path("link").c_str()), 0);
  EXPECT_TRUE(make_dirs(path("link")).has_value());  // a symlink to a directory is fine
  EXPECT_TRUE(make_dirs(path("link/d")).has_value());
  EXPECT_TRUE(exists(path("a/b/d")));
  EXPECT_TRUE(make_dirs("/").has_value());

  mode_t old_umask = ::umask(022);
  auto made = make_dirs(path("m/n"), 0750);
  ::umask(old_umask);
  ASSERT_TRUE(made.has_value());
  EXPECT_EQ(mode_of(path("m")), 0750u);
  EXPECT_EQ(mode_of(path("m/n")), 0750u);
}

TEST_F(FileTest, MakeDirsWithFileInTheWay) {
  ASSERT_TRUE(write_file_atomic(path("file"), "x").has_value());
  auto made = make_dirs(path("file"));
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().kind(), ErrorKind::Exists);
  auto below = make_dirs(path("file/sub"));
  ASSERT_FALSE(below.has_value());
  EXPECT_EQ(below.error().sys_errno(), ENOTDIR);
  EXPECT_EQ(make_dirs("").error().kind(), ErrorKind::InvalidArgument);
}

TEST_F(FileTest, PathExists) {
  ASSERT_TRUE(write_file_atomic(path("file"), "x").has_value());
  ASSERT_EQ(::symlink("missing-target", path("dangling").c_str()), 0);
  EXPECT_EQ(path_exists(path("file")), true);
  EXPECT_EQ(path_exists(dir_.path()), true);
  EXPECT_EQ(path_exists(path("dangling")), true);
  EXPECT_EQ(path_exists(path("missing")), false);
  EXPECT_EQ(path_exists(path("file/below")), false);  // ENOTDIR
}

TEST_F(FileTest, StatPathFollowsOrNot) {
  ASSERT_TRUE(write_file_atomic(path("file"), "abc").has_value());
  ASSERT_EQ(::symlink("file", path("link").c_str()), 0);
  auto followed = stat_path(path("link"));
  ASSERT_TRUE(followed.has_value());
  EXPECT_TRUE(S_ISREG(followed->st_mode));
  EXPECT_EQ(followed->st_size, 3);
  auto own = stat_path(path("link"), false);
  ASSERT_TRUE(own.has_value());
  EXPECT_TRUE(S_ISLNK(own->st_mode));
  EXPECT_EQ(stat_path(path("missing")).error().kind(), ErrorKind::NotFound);
}

TEST_F(FileTest, ReadXattr) {
  ASSERT_TRUE(write_file_atomic(path("file"), "x").has_value());
  auto none = read_xattr(path("file"), "user.nook.test");
  ASSERT_TRUE(none.has_value()) << none.error().message();
  EXPECT_FALSE(none->has_value());
  if (::setxattr(path("file").c_str(), "user.nook.test", "value", 5, 0) < 0) {
    GTEST_SKIP() << "user xattrs not supported here: " << std::strerror(errno);
  }
  auto value = read_xattr(path("file"), "user.nook.test");
  ASSERT_TRUE(value.has_value());
  ASSERT_TRUE(value->has_value());
  EXPECT_EQ(**value, "value");
  EXPECT_EQ(read_xattr(path("missing"), "user.x").error().kind(), ErrorKind::NotFound);
}

TEST_F(FileTest, RemoveAllTree) {
  ASSERT_TRUE(make_dirs(path("tree/a/b/c")).has_value());
  ASSERT_TRUE(make_dirs(path("tree/empty")).has_value());
  ASSERT_TRUE(write_file_atomic(path("tree/a/file"), "1").has_value());
  ASSERT_TRUE(write_file_atomic(path("tree/a/b/c/deep"), "2").has_value());
  ASSERT_EQ(::mkfifo(path("tree/fifo").c_str(), 0600), 0);
  auto removed = remove_all(path("tree"));
  ASSERT_TRUE(removed.has_value()) << removed.error().message();
  EXPECT_FALSE(exists(path("tree")));
  EXPECT_TRUE(remove_all(path("tree")).has_value());  // missing: fine
}

TEST_F(FileTest, RemoveAllDoesNotFollowSymlinks) {
  ASSERT_TRUE(make_dirs(path("outside/keep")).has_value());
  ASSERT_TRUE(write_file_atomic(path("outside/keep/precious"), "p").has_value());
  ASSERT_TRUE(make_dirs(path("tree")).has_value());
  ASSERT_EQ(::symlink(path("outside").c_str(), path("tree/dir-link").c_str()), 0);
  ASSERT_EQ(::symlink(path("outside/keep/precious").c_str(), path("tree/file-link").c_str()), 0);
  ASSERT_TRUE(remove_all(path("tree")).has_value());
  EXPECT_FALSE(exists(path("tree")));
  EXPECT_TRUE(exists(path("outside/keep/precious")));

  // A symlink given as the path itself: only the link goes.
  ASSERT_EQ(::symlink(path("outside").c_str(), path("top-link").c_str()), 0);
  ASSERT_TRUE(remove_all(path("top-link")).has_value());
  EXPECT_FALSE(exists(path("top-link")));
  EXPECT_TRUE(exists(path("outside/keep/precious")));
  // With a trailing slash, too.
  ASSERT_EQ(::symlink(path("outside").c_str(), path("top-link").c_str()), 0);
  ASSERT_TRUE(remove_all(path("top-link/")).has_value());
  EXPECT_FALSE(exists(path("top-link")));
  EXPECT_TRUE(exists(path("outside/keep/precious")));
}

TEST_F(FileTest, RemoveAllReadOnlyDirectories) {
  // Image layers can contain 0555 and 0000 directories; the owner must still be able to remove
  // the tree without root.
  ASSERT_TRUE(make_dirs(path("tree/ro/sub")).has_value());
  ASSERT_TRUE(make_dirs(path("tree/locked")).has_value());
  ASSERT_TRUE(write_file_atomic(path("tree/ro/sub/f"), "x").has_value());
  ASSERT_TRUE(write_file_atomic(path("tree/locked/g"), "y").has_value());
  ASSERT_EQ(::chmod(path("tree/ro/sub").c_str(), 0555), 0);
  ASSERT_EQ(::chmod(path("tree/ro").c_str(), 0555), 0);
  ASSERT_EQ(::chmod(path("tree/locked").c_str(), 0), 0);
  auto removed = remove_all(path("tree"));
  ASSERT_TRUE(removed.has_value()) << removed.error().message();
  EXPECT_FALSE(exists(path("tree")));
}

TEST_F(FileTest, RemoveAllSingleFileAndBadInput) {
  ASSERT_TRUE(write_file_atomic(path("file"), "x").has_value());
  ASSERT_TRUE(remove_all(path("file")).has_value());
  EXPECT_FALSE(exists(path("file")));
  EXPECT_EQ(remove_all("").error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(remove_all("/").error().kind(), ErrorKind::InvalidArgument);
}

TEST_F(FileTest, TempPathRemovesUnlessCommitted) {
  std::string removed_path = path("removed");
  std::string committed_path = path("committed");
  std::string released_path = path("released");
  {
    TempPath a(removed_path);
    ASSERT_TRUE(make_dirs(removed_path + "/x/y").has_value());
    ASSERT_TRUE(write_file_atomic(removed_path + "/x/y/z", "z").has_value());
    TempPath b(committed_path);
    ASSERT_TRUE(write_file_atomic(committed_path, "c").has_value());
    b.commit();
    EXPECT_TRUE(b.empty());
    TempPath c(released_path);
    ASSERT_TRUE(write_file_atomic(released_path, "r").has_value());
    EXPECT_EQ(c.release(), released_path);
  }
  EXPECT_FALSE(exists(removed_path));
  EXPECT_TRUE(exists(committed_path));
  EXPECT_TRUE(exists(released_path));
}

TEST_F(FileTest, TempPathMoveAndExplicitRemove) {
  std::string p = path("moved");
  ASSERT_TRUE(write_file_atomic(p, "m").has_value());
  TempPath outer;
  {
    TempPath inner(p);
    outer = std::move(inner);
  }
  EXPECT_TRUE(exists(p));  // the moved-from object does not remove
  EXPECT_EQ(outer.path(), p);
  ASSERT_TRUE(outer.remove().has_value());
  EXPECT_TRUE(outer.empty());
  EXPECT_FALSE(exists(p));

  // Move assignment removes what the target held.
  std::string q = path("q");
  std::string r = path("r");
  ASSERT_TRUE(write_file_atomic(q, "q").has_value());
  ASSERT_TRUE(write_file_atomic(r, "r").has_value());
  TempPath tq(q);
  TempPath tr(r);
  tq = std::move(tr);
  EXPECT_FALSE(exists(q));
  EXPECT_TRUE(exists(r));
}

TEST_F(FileTest, MakeTempDir) {
  std::string made;
  {
    auto tmp = make_temp_dir(dir_.path(), "pre-");
    ASSERT_TRUE(tmp.has_value()) << tmp.error().message();
    made = tmp->path();
    EXPECT_EQ(made.rfind(path("pre-"), 0), 0u);
    EXPECT_EQ(made.size(), path("pre-").size() + 6);
    EXPECT_EQ(mode_of(made), 0700u);
    ASSERT_TRUE(write_file_atomic(made + "/inside", "x").has_value());
  }
  EXPECT_FALSE(exists(made));
  auto bad = make_temp_dir(path("missing"), "x-");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind(), ErrorKind::NotFound);
}

}  // namespace
}  // namespace nook::sys

namespace nook::sys {
namespace {

TEST(ListDir, NamesWithoutDotsAndMissingIsEmpty) {
  auto dir = make_temp_dir("/tmp", "nook-listdir-");
  ASSERT_TRUE(dir);
  ASSERT_TRUE(write_file_atomic(dir->path() + "/a", "x"));
  ASSERT_TRUE(make_dirs(dir->path() + "/b"));
  auto names = ::nook::sys::list_dir(dir->path());
  ASSERT_TRUE(names) << names.error().message();
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
  auto missing = ::nook::sys::list_dir(dir->path() + "/nope");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->empty());
  auto not_dir = ::nook::sys::list_dir(dir->path() + "/a");
  ASSERT_FALSE(not_dir);
}

}  // namespace
}  // namespace nook::sys
