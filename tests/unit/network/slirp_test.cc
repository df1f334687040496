#include "lib/network/slirp.h"

#include <gtest/gtest.h>

namespace nook::network {
namespace {

TEST(Slirp, Args) {
  SlirpOptions options;
  EXPECT_EQ(slirp_args(options, 42, 3, 4, ""),
            (std::vector<std::string>{"--configure", "--mtu=65520", "--disable-host-loopback", "--enable-ipv6",
                                      "--cidr=10.0.2.0/24", "--enable-sandbox", "--enable-seccomp", "--exit-fd=3",
                                      "--ready-fd=4", "42", "tap0"}));
  options.allow_host_loopback = true;
  options.enable_ipv6 = false;
  options.mtu = 1500;
  options.outbound_addr = "10.1.1.1";
  EXPECT_EQ(slirp_args(options, 7, 5, 6, "/run/s.sock"),
            (std::vector<std::string>{"--configure", "--mtu=1500", "--cidr=10.0.2.0/24", "--outbound-addr=10.1.1.1",
                                      "--enable-sandbox", "--enable-seccomp", "--api-socket=/run/s.sock", "--exit-fd=5",
                                      "--ready-fd=6", "7", "tap0"}));
}

TEST(Slirp, ApiRequestAndReply) {
  PortMapping mapping{"", 8080, 80, 3, "udp"};
  EXPECT_EQ(add_hostfwd_request(mapping, 2, "10.0.2.100"),
            R"({"arguments":{"guest_addr":"10.0.2.100","guest_port":82,"host_addr":"0.0.0.0","host_port":8082,)"
            R"("proto":"udp"},"execute":"add_hostfwd"})");
  EXPECT_TRUE(check_api_reply(R"({"return": {"id": 1}})").has_value());
  EXPECT_EQ(check_api_reply(R"({"error": {"desc": "bad request: add_hostfwd: slirp_add_hostfwd failed"}})")
                .error()
                .message(),
            "slirp4netns: bad request: add_hostfwd: slirp_add_hostfwd failed");
  EXPECT_FALSE(check_api_reply("garbage").has_value());
  EXPECT_FALSE(check_api_reply("{}").has_value());
}

TEST(Slirp, MissingProgramIsNotFound) {
  Slirp4netns::StartOptions options;
  options.pid = 1;
  options.program = "/nonexistent/slirp4netns";
  options.log_path = ::testing::TempDir() + "/slirp-missing.log";
  auto launched = Slirp4netns::launch(options);
  ASSERT_FALSE(launched.has_value());
  EXPECT_EQ(launched.error().kind(), ErrorKind::NotFound);
  EXPECT_NE(launched.error().message().find("could not find slirp4netns"), std::string::npos);
}

}  // namespace
}  // namespace nook::network
