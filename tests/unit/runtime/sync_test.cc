#include "lib/runtime/sync.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>

#include "lib/sys/fd.h"

namespace nook::runtime {
namespace {

TEST(SyncRecord, RoundTripAndEof) {
  auto pair = sys::SocketPair::create(SOCK_SEQPACKET);
  ASSERT_TRUE(pair.has_value());
  SyncRecord out{};
  set_error(out, ErrorKind::System, ENOENT, "mounting %s on %s", "proc", "/proc");
  ASSERT_EQ(send_record(pair->first.get(), out), 0);
  SyncRecord in{};
  ASSERT_EQ(recv_record(pair->second.get(), in), 1);
  EXPECT_EQ(in.step, SyncStep::Error);
  Error error = to_error(in);
  EXPECT_EQ(error.kind(), ErrorKind::System);
  EXPECT_EQ(error.sys_errno(), ENOENT);
  EXPECT_EQ(error.message(), "mounting proc on /proc: No such file or directory");
  pair->first.reset();
  EXPECT_EQ(recv_record(pair->second.get(), in), 0);
}

TEST(SyncRecord, CommandNotFoundWording) {
  SyncRecord record{};
  set_error(record, ErrorKind::CommandNotFound, ENOENT, "executable file `%s` not found in $PATH", "nope");
  EXPECT_EQ(to_error(record).message(), "executable file `nope` not found in $PATH: No such file or directory");
  EXPECT_EQ(to_error(record).kind(), ErrorKind::CommandNotFound);
  EXPECT_EQ(sync_step_name(SyncStep::Ready), "ready");
}

}  // namespace
}  // namespace nook::runtime
