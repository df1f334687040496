#include "lib/sys/fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <type_traits>

#include "tests/unit/sys/test_support.h"

namespace nook::sys {
namespace {

static_assert(!std::is_copy_constructible_v<UniqueFd>);
static_assert(!std::is_copy_assignable_v<UniqueFd>);
static_assert(std::is_nothrow_move_constructible_v<UniqueFd>);
static_assert(!std::is_convertible_v<UniqueFd, int>);
static_assert(!std::is_convertible_v<int, UniqueFd>);
static_assert(!std::is_convertible_v<UniqueFd, bool>);

using test_support::has_cloexec;
using test_support::is_open;
bool is_nonblocking(int fd) { return (::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

int open_null() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

TEST(UniqueFd, DefaultIsEmpty) {
  UniqueFd fd;
  EXPECT_EQ(fd.get(), -1);
  EXPECT_FALSE(fd);
  fd.reset();  // no-op
  EXPECT_EQ(fd.release(), -1);
}

TEST(UniqueFd, ClosesOnDestruction) {
  int raw = open_null();
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd);
    EXPECT_EQ(fd.get(), raw);
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFd, MoveTransfersOwnershipAndClosesOnce) {
  int raw = open_null();
  ASSERT_GE(raw, 0);
  UniqueFd a(raw);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(b.get(), raw);
  { UniqueFd c(std::move(b)); }
  EXPECT_FALSE(is_open(raw));
  // The number is free again; a new open may reuse it and must not be closed by the moved-from
  // objects' destructors.
  int again = open_null();
  ASSERT_GE(again, 0);
  UniqueFd keep(again);
  a.reset();
  b.reset();
  EXPECT_TRUE(is_open(again));
}

TEST(UniqueFd, MoveAssignmentClosesThePreviousDescriptor) {
  int first = open_null();
  int second = open_null();
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  UniqueFd a(first);
  UniqueFd b(second);
  a = std::move(b);
  EXPECT_FALSE(is_open(first));
  EXPECT_EQ(a.get(), second);
  EXPECT_TRUE(is_open(second));
  UniqueFd& self = a;
  a = std::move(self);  // self-move keeps the descriptor
  EXPECT_EQ(a.get(), second);
  EXPECT_TRUE(is_open(second));
}

TEST(UniqueFd, ReleaseDoesNotClose) {
  int raw = open_null();
  ASSERT_GE(raw, 0);
  int released = -1;
  {
    UniqueFd fd(raw);
    released = fd.release();
    EXPECT_FALSE(fd);
  }
  EXPECT_EQ(released, raw);
  EXPECT_TRUE(is_open(raw));
  ::close(raw);
}

TEST(UniqueFd, ResetClosesOldAndTakesNew) {
  int first = open_null();
  int second = open_null();
  UniqueFd fd(first);
  fd.reset(second);
  EXPECT_FALSE(is_open(first));
  EXPECT_EQ(fd.get(), second);
  fd.reset();
  EXPECT_FALSE(is_open(second));
  EXPECT_FALSE(fd);
}

TEST(UniqueFd, ResetPreservesErrno) {
  UniqueFd fd(open_null());
  errno = ENOENT;
  fd.reset();
  EXPECT_EQ(errno, ENOENT);
}

TEST(UniqueFd, CheckedCloseReportsErrors) {
  UniqueFd fd(open_null());
  int raw = fd.get();
  EXPECT_TRUE(fd.close().has_value());
  EXPECT_FALSE(fd);
  EXPECT_FALSE(is_open(raw));
  EXPECT_TRUE(fd.close().has_value());  // empty: nothing to do

  UniqueFd bogus(1 << 20);  // not an open descriptor
  auto closed = bogus.close();
  ASSERT_FALSE(closed.has_value());
  EXPECT_EQ(closed.error().sys_errno(), EBADF);
  EXPECT_FALSE(bogus);
}

TEST(Pipe, IsCloexecAndCarriesData) {
  auto pipe = Pipe::create();
  ASSERT_TRUE(pipe.has_value()) << pipe.error().message();
  EXPECT_TRUE(has_cloexec(pipe->read.get()));
  EXPECT_TRUE(has_cloexec(pipe->write.get()));
  EXPECT_FALSE(is_nonblocking(pipe->read.get()));
  ASSERT_EQ(::write(pipe->write.get(), "hello", 5), 5);
  pipe->write.reset();
  char buf[16] = {};
  EXPECT_EQ(::read(pipe->read.get(), buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf), "hello");
  EXPECT_EQ(::read(pipe->read.get(), buf, sizeof buf), 0);  // EOF once the writer is gone
}

TEST(Pipe, ExtraFlags) {
  auto pipe = Pipe::create(O_NONBLOCK);
  ASSERT_TRUE(pipe.has_value());
  EXPECT_TRUE(is_nonblocking(pipe->read.get()));
  EXPECT_TRUE(has_cloexec(pipe->read.get()));
  char c;
  EXPECT_EQ(::read(pipe->read.get(), &c, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
}

TEST(SocketPair, IsCloexecAndBidirectional) {
  auto pair = SocketPair::create(SOCK_SEQPACKET);
  ASSERT_TRUE(pair.has_value()) << pair.error().message();
  EXPECT_TRUE(has_cloexec(pair->first.get()));
  EXPECT_TRUE(has_cloexec(pair->second.get()));
  ASSERT_EQ(::write(pair->first.get(), "ping", 4), 4);
  char buf[8] = {};
  ASSERT_EQ(::read(pair->second.get(), buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "ping");
  ASSERT_EQ(::write(pair->second.get(), "pong", 4), 4);
  ASSERT_EQ(::read(pair->first.get(), buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "pong");
}

TEST(SocketPair, BadTypeFails) {
  auto pair = SocketPair::create(12345);
  ASSERT_FALSE(pair.has_value());
  EXPECT_NE(pair.error().sys_errno(), 0);
}

TEST(FdFlags, SetCloexecAndNonblocking) {
  auto pipe = Pipe::create();
  ASSERT_TRUE(pipe.has_value());
  int fd = pipe->read.get();
  ASSERT_TRUE(set_cloexec(fd, false).has_value());
  EXPECT_FALSE(has_cloexec(fd));
  ASSERT_TRUE(set_cloexec(fd, true).has_value());
  EXPECT_TRUE(has_cloexec(fd));
  ASSERT_TRUE(set_nonblocking(fd, true).has_value());
  EXPECT_TRUE(is_nonblocking(fd));
  ASSERT_TRUE(set_nonblocking(fd, false).has_value());
  EXPECT_FALSE(is_nonblocking(fd));
  EXPECT_FALSE(set_cloexec(-1, true).has_value());
}

TEST(FdFlags, DupFdIsCloexecAndAboveMinimum) {
  auto pipe = Pipe::create();
  ASSERT_TRUE(pipe.has_value());
  auto copy = dup_fd(pipe->write.get(), 100);
  ASSERT_TRUE(copy.has_value());
  EXPECT_GE(copy->get(), 100);
  EXPECT_TRUE(has_cloexec(copy->get()));
  ASSERT_EQ(::write(copy->get(), "x", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(pipe->read.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

}  // namespace
}  // namespace nook::sys
