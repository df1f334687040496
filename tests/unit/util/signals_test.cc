#include "lib/util/signals.h"

#include <gtest/gtest.h>

#include <csignal>

namespace nook {
namespace {

TEST(ParseSignal, AcceptsNamesInAnyFormAndNumbers) {
  EXPECT_EQ(*parse_signal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*parse_signal("term"), SIGTERM);
  EXPECT_EQ(*parse_signal("KILL"), SIGKILL);
  EXPECT_EQ(*parse_signal("9"), SIGKILL);
  EXPECT_EQ(*parse_signal("sigusr1"), SIGUSR1);
  EXPECT_EQ(*parse_signal("RTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(*parse_signal("SIGRTMAX-1"), SIGRTMAX - 1);
  EXPECT_EQ(*parse_signal("RTMIN"), SIGRTMIN);
}

TEST(ParseSignal, RejectsTheRest) {
  for (const char* bad : {"", "0", "-1", "65", "SIGFOO", "RTMIN-1", "RTMAX+1", "9x"}) {
    auto parsed = parse_signal(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::InvalidArgument);
    EXPECT_EQ(parsed.error().message(), std::string("invalid signal: ") + bad);
  }
}

TEST(SignalName, NamesKnownAndRealTimeSignals) {
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGRTMIN + 2), "SIGRTMIN+2");
  EXPECT_EQ(*parse_signal(signal_name(SIGWINCH)), SIGWINCH);
}

}  // namespace
}  // namespace nook
