#include "lib/network/mode.h"

#include <gtest/gtest.h>

namespace nook::network {
namespace {

TEST(NetworkMode, Kinds) {
  EXPECT_EQ(parse_network_mode("none")->kind, ModeKind::None);
  EXPECT_EQ(parse_network_mode("host")->kind, ModeKind::Host);
  EXPECT_EQ(parse_network_mode("private")->kind, ModeKind::Private);
  EXPECT_EQ(parse_network_mode("bridge")->kind, ModeKind::Bridge);
  EXPECT_EQ(parse_network_mode("pasta:-T,8080")->kind, ModeKind::Pasta);
  auto ns = parse_network_mode("ns:/run/netns/x");
  EXPECT_EQ(ns->kind, ModeKind::Ns);
  EXPECT_EQ(ns->value, "/run/netns/x");
  auto ctr = parse_network_mode("container:web");
  EXPECT_EQ(ctr->kind, ModeKind::Container);
  EXPECT_EQ(ctr->value, "web");
  auto named = parse_network_mode("mynet");
  EXPECT_EQ(named->kind, ModeKind::Named);
  EXPECT_EQ(named->value, "mynet");
  EXPECT_FALSE(parse_network_mode("ns:").has_value());
  EXPECT_FALSE(parse_network_mode("container:").has_value());
  EXPECT_FALSE(parse_network_mode("").has_value());
  EXPECT_EQ(parse_network_mode("host:x").error().message(), "network mode \"host\" takes no options: \"host:x\"");
}

TEST(NetworkMode, SlirpOptions) {
  auto plain = parse_network_mode("slirp4netns");
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(plain->has_backend());
  EXPECT_EQ(plain->slirp.mtu, 65520);
  EXPECT_EQ(plain->slirp.cidr, "10.0.2.0/24");
  EXPECT_FALSE(plain->slirp.allow_host_loopback);
  EXPECT_TRUE(plain->slirp.enable_ipv6);
  EXPECT_EQ(plain->slirp.port_handler, "rootlesskit");
  auto all = parse_network_mode(
      "slirp4netns:allow_host_loopback=true,enable_ipv6=false,cidr=10.9.0.0/16,mtu=1500,port_handler=slirp4netns,"
      "outbound_addr=eth0,outbound_addr6=::1");
  ASSERT_TRUE(all.has_value()) << all.error().message();
  EXPECT_TRUE(all->slirp.allow_host_loopback);
  EXPECT_FALSE(all->slirp.enable_ipv6);
  EXPECT_EQ(all->slirp.cidr, "10.9.0.0/16");
  EXPECT_EQ(all->slirp.mtu, 1500);
  EXPECT_EQ(all->slirp.port_handler, "slirp4netns");
  EXPECT_EQ(all->slirp.outbound_addr, "eth0");
  EXPECT_EQ(all->slirp.outbound_addr6, "::1");
  EXPECT_EQ(parse_network_mode("slirp4netns:foo=1").error().message(), "unknown option for slirp4netns: \"foo=1\"");
  EXPECT_EQ(parse_network_mode("slirp4netns:mtu").error().message(), "unknown option for slirp4netns: \"mtu\"");
  EXPECT_EQ(parse_network_mode("slirp4netns:mtu=9").error().message(), "invalid mtu for slirp4netns: \"9\"");
  EXPECT_EQ(parse_network_mode("slirp4netns:allow_host_loopback=yes").error().message(),
            "invalid value of allow_host_loopback for slirp4netns: \"yes\"");
  EXPECT_EQ(parse_network_mode("slirp4netns:port_handler=x").error().message(),
            "unknown port_handler for slirp4netns: \"x\"");
}

TEST(NetworkMode, SlirpAddresses) {
  auto standard = slirp_addresses("10.0.2.0/24");
  ASSERT_TRUE(standard.has_value());
  EXPECT_EQ(standard->container_ip, "10.0.2.100");
  EXPECT_EQ(standard->gateway, "10.0.2.2");
  EXPECT_EQ(standard->dns, "10.0.2.3");
  EXPECT_EQ(standard->prefix_length, 24);
  auto wide = slirp_addresses("172.16.5.9/16");
  ASSERT_TRUE(wide.has_value());
  EXPECT_EQ(wide->container_ip, "172.16.0.100");
  for (const char* bad : {"10.0.2.0", "10.0.2.0/26", "10.0.2.0/x", "300.0.0.0/24", "10.0.2.0/0"}) {
    EXPECT_FALSE(slirp_addresses(bad).has_value()) << bad;
  }
}

TEST(NetworkMode, Defaults) {
  EXPECT_EQ(default_network_mode(true, ""), "slirp4netns");
  EXPECT_EQ(default_network_mode(true, "pasta"), "pasta");
  EXPECT_EQ(default_network_mode(false, "slirp4netns"), "none");
}

}  // namespace
}  // namespace nook::network
