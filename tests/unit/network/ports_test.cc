#include "lib/network/ports.h"

#include <gtest/gtest.h>

namespace nook::network {
namespace {

PortMapping one(std::string_view spec) {
  auto parsed = parse_publish(spec);
  EXPECT_TRUE(parsed.has_value()) << spec << ": " << (parsed ? "" : parsed.error().message());
  EXPECT_EQ(parsed->size(), 1u) << spec;
  return parsed->front();
}

std::string error_of(std::string_view spec) {
  auto parsed = parse_publish(spec);
  EXPECT_FALSE(parsed.has_value()) << spec;
  return parsed ? "" : parsed.error().message();
}

TEST(Ports, PublishForms) {
  EXPECT_EQ(one("80"), (PortMapping{"", 0, 80, 1, "tcp"}));
  EXPECT_EQ(one("8080:80"), (PortMapping{"", 8080, 80, 1, "tcp"}));
  EXPECT_EQ(one(":80"), (PortMapping{"", 0, 80, 1, "tcp"}));
  EXPECT_EQ(one("127.0.0.1:8080:80/udp"), (PortMapping{"127.0.0.1", 8080, 80, 1, "udp"}));
  EXPECT_EQ(one("0.0.0.0:8080:80"), (PortMapping{"", 8080, 80, 1, "tcp"}));
  EXPECT_EQ(one("127.0.0.1::80"), (PortMapping{"127.0.0.1", 0, 80, 1, "tcp"}));
  EXPECT_EQ(one("[::1]:8080:80"), (PortMapping{"::1", 8080, 80, 1, "tcp"}));
  EXPECT_EQ(one("[0:0::1]:8080:80"), (PortMapping{"::1", 8080, 80, 1, "tcp"}));
  EXPECT_EQ(one("8000-8009:80-89/SCTP"), (PortMapping{"", 8000, 80, 10, "sctp"}));
  auto both = parse_publish("9000:90/tcp,udp");
  ASSERT_TRUE(both.has_value());
  EXPECT_EQ(*both, (std::vector<PortMapping>{{"", 9000, 90, 1, "tcp"}, {"", 9000, 90, 1, "udp"}}));
}

TEST(Ports, PublishErrors) {
  EXPECT_EQ(error_of("abc"), "parsing container port: invalid port number \"abc\"");
  EXPECT_EQ(error_of("0"), "parsing container port: port numbers must be between 1 and 65535 (inclusive), got 0");
  EXPECT_EQ(error_of("65536:80"), "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 65536");
  EXPECT_EQ(error_of("8000-8001:80"), "host and container port ranges have different lengths: 2 vs 1");
  EXPECT_EQ(error_of("90-80"), "parsing container port: the end port of a range must be higher than the start port - 80 is not higher than 90");
  EXPECT_EQ(error_of("80-"), "parsing container port: must provide ending number for port range");
  EXPECT_EQ(error_of("-80"), "parsing container port: port numbers cannot be negative");
  EXPECT_EQ(error_of("1-2-3"), "parsing container port: invalid port format - port ranges are formatted as startPort-stopPort");
  EXPECT_EQ(error_of("80/tcp/udp"), "invalid port format - protocol can only be specified once");
  EXPECT_EQ(error_of("80/"), "must provide a non-empty protocol to publish");
  EXPECT_EQ(error_of("80/xyz"), "unrecognized protocol \"xyz\" in port mapping");
  EXPECT_EQ(error_of("8080:"), "must provide a non-empty container port to publish");
  EXPECT_EQ(error_of(":8080:80"), "must provide a non-empty container host IP to publish");
  EXPECT_EQ(error_of("a.b.c.d:8080:80"), "cannot parse \"a.b.c.d\" as an IP address");
  EXPECT_EQ(error_of("1:2:3:4"), "invalid port format - format is [[hostIP:]hostPort:]containerPort");
  EXPECT_EQ(error_of("::1]:80:80"), "invalid port format - IPv6 addresses must be enclosed by []");
  EXPECT_EQ(error_of("[::1]80"), "invalid port format - IPv6 address must be followed by a colon (':')");
  EXPECT_EQ(error_of("[::1]:80"), "invalid port format - must provide host and destination port if specifying an IP");
  EXPECT_EQ(error_of("65535-65536:80-81"), "parsing host port: port numbers must be between 1 and 65535 (inclusive), got 65536");
}

TEST(Ports, Expose) {
  auto one_port = parse_expose("80");
  ASSERT_TRUE(one_port.has_value());
  EXPECT_EQ(*one_port, (std::vector<ExposedPort>{{80, "tcp"}}));
  auto range = parse_expose("7000-7001/udp");
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(*range, (std::vector<ExposedPort>{{7000, "udp"}, {7001, "udp"}}));
  EXPECT_FALSE(parse_expose("x").has_value());
  EXPECT_EQ(parse_expose("1/a/b").error().message(), "invalid expose format - protocol can only be specified once");
}

TEST(Ports, PublishExposedSkipsWhatIsPublished) {
  std::vector<PortMapping> published = {{"", 8080, 80, 2, "tcp"}};
  std::vector<ExposedPort> exposed = {{80, "tcp"}, {81, "tcp"}, {82, "tcp"}, {80, "udp"}, {82, "tcp"}};
  EXPECT_EQ(publish_exposed(exposed, published),
            (std::vector<PortMapping>{{"", 0, 82, 1, "tcp"}, {"", 0, 80, 1, "udp"}}));
}

TEST(Ports, AllocateChoosesFreePortsAndRefusesTwins) {
  std::vector<PortMapping> mappings = {{"127.0.0.1", 0, 80, 1, "tcp"}, {"127.0.0.1", 0, 90, 3, "udp"}};
  ASSERT_TRUE(allocate_host_ports(mappings).has_value());
  EXPECT_NE(mappings[0].host_port, 0);
  EXPECT_NE(mappings[1].host_port, 0);
  EXPECT_LE(mappings[1].host_port + 2, 65535);
  std::vector<PortMapping> twins = {{"", 8080, 80, 2, "tcp"}, {"", 8081, 90, 1, "tcp"}};
  auto refused = allocate_host_ports(twins);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message(), "host port 8081/tcp is published twice");
  std::vector<PortMapping> apart = {{"", 8080, 80, 1, "tcp"}, {"", 8080, 80, 1, "udp"}};
  EXPECT_TRUE(allocate_host_ports(apart).has_value());
}

TEST(Ports, Shapes) {
  std::vector<PortMapping> mappings = {{"", 8080, 80, 1, "tcp"}, {"::1", 9000, 90, 2, "udp"}};
  EXPECT_EQ(format_ports(mappings), "0.0.0.0:8080->80/tcp, ::1:9000-9001->90-91/udp");
  EXPECT_EQ(format_ports({}), "");
  EXPECT_EQ(port_lines(mappings),
            (std::vector<std::string>{"80/tcp -> 0.0.0.0:8080", "90/udp -> [::1]:9000", "91/udp -> [::1]:9001"}));
  EXPECT_EQ(find_host_port(mappings, "80").value(), "0.0.0.0:8080");
  EXPECT_EQ(find_host_port(mappings, "91/udp").value(), "[::1]:9001");
  EXPECT_EQ(find_host_port(mappings, "91").error().message(), "failed to find published port \"91/tcp\"");
  EXPECT_EQ(find_host_port(mappings, "x").error().message(), "invalid port \"x\"");
  auto json = to_json(mappings);
  EXPECT_EQ(json[0].dump(), R"({"container_port":80,"host_ip":"","host_port":8080,"protocol":"tcp","range":1})");
  auto back = parse_port_mappings(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, mappings);
  EXPECT_FALSE(parse_port_mappings(nlohmann::json::parse(R"([{"host_port": 70000}])")).has_value());
  EXPECT_EQ(inspect_ports(mappings, {{80, "tcp"}, {443, "tcp"}}, true).dump(),
            R"({"80/tcp":[{"HostIp":"","HostPort":"8080"}],"90/udp":[{"HostIp":"::1","HostPort":"9000"}],)"
            R"("91/udp":[{"HostIp":"::1","HostPort":"9001"}],"443/tcp":null})");
  EXPECT_EQ(inspect_ports({}, {{443, "tcp"}}, false).dump(), "{}");
}

}  // namespace
}  // namespace nook::network
