#include "lib/monitor/attach.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "lib/sys/file.h"

namespace nook::monitor {
namespace {

TEST(DetachKeysTest, ParsesPodmanSyntax) {
  EXPECT_EQ(parse_detach_keys("ctrl-p,ctrl-q").value(), std::string("\x10\x11"));
  EXPECT_EQ(parse_detach_keys("ctrl-@").value(), std::string(1, '\0'));
  EXPECT_EQ(parse_detach_keys("ctrl-a,x,ctrl-_").value(), std::string("\x01x\x1f"));
  EXPECT_EQ(parse_detach_keys("ctrl-\\,ctrl-],ctrl-^,ctrl-[").value(), std::string("\x1c\x1d\x1e\x1b"));
  EXPECT_EQ(parse_detach_keys("").value(), "");
}

TEST(DetachKeysTest, RejectsUnknownKeysWithPodmansMessage) {
  for (const char* bad : {"foo", "ctrl-1", "ctrl-P", "ctrl-p,,ctrl-q", "ctrl-"}) {
    auto parsed = parse_detach_keys(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::InvalidArgument);
  }
  EXPECT_EQ(parse_detach_keys("foo").error().message(), "invalid detach keys: Unknown character: 'foo'");
}

TEST(DetachMatcherTest, ForwardsOrdinaryInputUnchanged) {
  DetachMatcher m("\x10\x11");
  std::string out;
  EXPECT_FALSE(m.feed("hello\n", out));
  EXPECT_EQ(out, "hello\n");
}

TEST(DetachMatcherTest, DetectsTheSequenceAcrossChunksAndDropsTheRest) {
  DetachMatcher m("\x10\x11");
  std::string out;
  EXPECT_FALSE(m.feed("ab\x10", out));
  EXPECT_EQ(out, "ab");  // the ctrl-p is held back
  EXPECT_TRUE(m.feed("\x11zz", out));
  EXPECT_EQ(out, "ab");
}

TEST(DetachMatcherTest, ReleasesAHeldPrefixOnMismatch) {
  DetachMatcher m("\x10\x11");
  std::string out;
  EXPECT_FALSE(m.feed("\x10x", out));
  EXPECT_EQ(out, "\x10x");
  out.clear();
  // A repeated first key: the first one is released, the second may still start the sequence.
  EXPECT_FALSE(m.feed("\x10\x10", out));
  EXPECT_EQ(out, "\x10");
  EXPECT_TRUE(m.feed("\x11", out));
}

TEST(DetachMatcherTest, EmptyKeysNeverDetach) {
  DetachMatcher m("");
  std::string out;
  EXPECT_FALSE(m.enabled());
  EXPECT_FALSE(m.feed("\x10\x11", out));
  EXPECT_EQ(out, "\x10\x11");
}

TEST(DetachMatcherTest, SingleKeySequence) {
  DetachMatcher m("q");
  std::string out;
  EXPECT_TRUE(m.feed("abqcd", out));
  EXPECT_EQ(out, "ab");
}

TEST(AttachMessageTest, ResizeRoundTrips) {
  std::string packet = encode_resize({.rows = 40, .cols = 300});
  ASSERT_EQ(packet.size(), 5u);
  EXPECT_EQ(packet[0], static_cast<char>(AttachType::Resize));
  auto message = decode_attach(packet);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->type, AttachType::Resize);
  auto size = decode_resize(message->payload);
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(*size, (WindowSize{40, 300}));
  EXPECT_FALSE(decode_resize("abc").has_value());
}

TEST(AttachMessageTest, DataAndExitRoundTrip) {
  std::string packet = encode_attach(AttachType::Stdout, std::string("a\0b", 3));  // out views it
  auto out = decode_attach(packet);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->type, AttachType::Stdout);
  EXPECT_EQ(out->payload, std::string_view("a\0b", 3));
  std::string exit_packet = encode_exit(137);
  auto exit = decode_attach(exit_packet);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->type, AttachType::Exit);
  EXPECT_EQ(decode_exit(exit->payload).value(), 137);
  EXPECT_FALSE(decode_exit("x").has_value());
  EXPECT_FALSE(decode_attach("").has_value());
  EXPECT_FALSE(decode_attach(std::string(1, '\x09')).has_value());
}

TEST(AttachMessageTest, SignalRoundTrip) {
  std::string packet = encode_signal(9);
  auto message = decode_attach(packet);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->type, AttachType::Signal);
  EXPECT_EQ(decode_signal(message->payload).value(), 9);
  EXPECT_FALSE(decode_signal("0").has_value());
  EXPECT_FALSE(decode_signal("65").has_value());
  EXPECT_FALSE(decode_signal("").has_value());
  EXPECT_FALSE(decode_signal("9x").has_value());
}

TEST(AttachSocketTest, ConnectsThroughALongDirectory) {
  sys::TempPath dir = sys::make_temp_dir("/tmp", "nook-attach-").value();
  // Longer than sun_path allows, so the /proc/self/fd path is what makes it work.
  std::string deep = dir.path() + "/" + std::string(100, 'd') + "/" + std::string(60, 'e');
  ASSERT_TRUE(sys::make_dirs(deep, 0700).has_value());
  auto listener = listen_attach_socket(deep);
  ASSERT_TRUE(listener.has_value()) << listener.error().message();
  auto client = connect_attach_socket(deep);
  ASSERT_TRUE(client.has_value()) << client.error().message();
  std::string packet = encode_resize({24, 80});
  ASSERT_EQ(::send(client->get(), packet.data(), packet.size(), 0), 5);
  int server = ::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(server, 0);
  char buf[16];
  EXPECT_EQ(::recv(server, buf, sizeof buf, 0), 5);  // one packet, boundaries kept
  ::close(server);
}

}  // namespace
}  // namespace nook::monitor
