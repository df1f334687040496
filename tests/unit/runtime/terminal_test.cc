#include "lib/runtime/terminal.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "lib/sys/fd.h"

namespace nook::runtime {
namespace {

TEST(TerminalTest, FdPassingRoundTrips) {
  auto pair = sys::SocketPair::create(SOCK_STREAM);
  ASSERT_TRUE(pair.has_value());
  auto pipe = sys::Pipe::create();
  ASSERT_TRUE(pipe.has_value());
  ASSERT_EQ(send_fd(pair->first.get(), pipe->write.get()), 0);
  auto received = receive_fd(pair->second.get());
  ASSERT_TRUE(received.has_value()) << received.error().message();
  ASSERT_EQ(::write(received->get(), "x", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(pipe->read.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

TEST(TerminalTest, NothingSentIsAnError) {
  auto pair = sys::SocketPair::create(SOCK_STREAM);
  ASSERT_TRUE(pair.has_value());
  ASSERT_EQ(::write(pair->first.get(), "x", 1), 1);
  EXPECT_FALSE(receive_fd(pair->second.get()).has_value());
}

// The child side as the runtime runs it: a new session, the pty as stdio and controlling terminal,
// its size set before the program runs; the master reaches the parent, which sees the output.
TEST(TerminalTest, ChildGetsAPtyAndTheParentTheMaster) {
  if (::access("/dev/ptmx", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/ptmx";
  auto pair = sys::SocketPair::create(SOCK_STREAM);
  ASSERT_TRUE(pair.has_value());
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    SyncRecord error{};
    if (!setup_terminal(pair->second.get(), ::getuid(), oci::ConsoleSize{.height = 33, .width = 77}, error)) _exit(3);
    auto size = window_size(0);
    bool ok = size && size->height == 33 && size->width == 77 && ::isatty(1) == 1 && ::getsid(0) == ::getpid();
    const char* word = ok ? "ready\n" : "wrong\n";
    if (::write(1, word, 6) != 6) _exit(4);
    _exit(0);
  }
  pair->second.reset();
  auto master = receive_fd(pair->first.get());
  ASSERT_TRUE(master.has_value()) << master.error().message();
  std::string out;
  char buf[64];
  for (;;) {
    ssize_t n = ::read(master->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EIO once the child has closed the slave
    out.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(out, "ready\r\n");  // the line discipline's ONLCR
  ASSERT_TRUE(set_window_size(master->get(), {.height = 10, .width = 20}).has_value());
  auto size = window_size(master->get());
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(size->height, 10u);
  EXPECT_EQ(size->width, 20u);
}

}  // namespace
}  // namespace nook::runtime
