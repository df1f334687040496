#include "lib/network/etc_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nook::network {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A Debian host's /etc/hosts.
constexpr std::string_view kHostHosts =
    "127.0.0.1\tlocalhost\n"
    "127.0.1.1\tbuildhost.example.org buildhost\n"
    "\n"
    "# The following lines are desirable for IPv6 capable hosts\n"
    "::1     localhost ip6-localhost ip6-loopback\n"
    "ff02::1 ip6-allnodes\n"
    "ff02::2 ip6-allrouters\n";

std::string error_of(const Result<NameFlags>& result) { return result ? "" : result.error().message(); }

NetworkMode slirp(bool allow_host_loopback) {
  NetworkMode mode;
  mode.kind = ModeKind::Slirp4netns;
  mode.slirp.allow_host_loopback = allow_host_loopback;
  return mode;
}

TEST(NameFlagsTest, SplitsCommaListsAndKeepsValidValues) {
  NameFlags flags;
  flags.add_hosts = {"db:10.1.2.3,cache:fd00::1", "gw:host-gateway"};
  flags.dns_servers = {"1.1.1.1,2001:db8::53"};
  flags.dns_search = {"example.com", "corp.example.org."};
  flags.dns_options = {"ndots:2,timeout:1", "rotate"};
  Result<NameFlags> checked = check_name_flags(flags, ModeKind::Slirp4netns);
  ASSERT_TRUE(checked) << checked.error().message();
  EXPECT_THAT(checked->add_hosts, ElementsAre("db:10.1.2.3", "cache:fd00::1", "gw:host-gateway"));
  EXPECT_THAT(checked->dns_servers, ElementsAre("1.1.1.1", "2001:db8::53"));
  EXPECT_THAT(checked->dns_search, ElementsAre("example.com", "corp.example.org."));
  EXPECT_THAT(checked->dns_options, ElementsAre("ndots:2", "timeout:1", "rotate"));
  EXPECT_FALSE(checked->dns_none);
}

TEST(NameFlagsTest, DnsNoneAloneMeansTheImagesResolvConf) {
  NameFlags flags;
  flags.dns_servers = {"none"};
  Result<NameFlags> checked = check_name_flags(flags, ModeKind::Host);
  ASSERT_TRUE(checked);
  EXPECT_TRUE(checked->dns_none);
  EXPECT_THAT(checked->dns_servers, IsEmpty());
  flags.dns_servers = {"none", "1.1.1.1"};
  EXPECT_EQ(error_of(check_name_flags(flags, ModeKind::Host)),
            "none is not allowed to be specified with other DNS ip addresses");
  flags.dns_servers = {"none"};
  flags.dns_search = {"example.com"};
  EXPECT_EQ(error_of(check_name_flags(flags, ModeKind::Host)),
            "cannot configure DNS options if using image's resolv.conf: invalid argument");
}

TEST(NameFlagsTest, PodmansMessagesForBadValues) {
  auto with = [](auto set) {
    NameFlags flags;
    set(flags);
    return error_of(check_name_flags(flags, ModeKind::Slirp4netns));
  };
  EXPECT_EQ(with([](NameFlags& f) { f.dns_servers = {"1.1.1"}; }), "1.1.1 is not an ip address");
  EXPECT_EQ(with([](NameFlags& f) { f.dns_servers = {"dns.example.com"}; }), "dns.example.com is not an ip address");
  EXPECT_EQ(with([](NameFlags& f) { f.dns_search = {"bad_domain"}; }), "bad_domain is not a valid domain");
  EXPECT_EQ(with([](NameFlags& f) { f.dns_search = {"-lead.example.com"}; }), "-lead.example.com is not a valid domain");
  EXPECT_EQ(with([](NameFlags& f) { f.dns_search = {"123.456"}; }), "123.456 is not a valid domain");
  EXPECT_EQ(with([](NameFlags& f) { f.dns_search = {".", "example.com"}; }),
            "cannot pass additional search domains when also specifying '.'");
  EXPECT_EQ(with([](NameFlags& f) { f.dns_search = {"."}; }), "");
  EXPECT_EQ(with([](NameFlags& f) { f.add_hosts = {"nocolon"}; }), "bad format for add-host: \"nocolon\"");
  EXPECT_EQ(with([](NameFlags& f) { f.add_hosts = {":1.2.3.4"}; }), "bad format for add-host: \":1.2.3.4\"");
  EXPECT_EQ(with([](NameFlags& f) { f.add_hosts = {"db:300.1.1.1"}; }), "invalid IP address in add-host: \"300.1.1.1\"");
  EXPECT_EQ(with([](NameFlags& f) { f.add_hosts = {"db:"}; }), "invalid IP address in add-host: \"\"");
}

TEST(NameFlagsTest, ConflictsWithTheNetworkModeAndNoHosts) {
  NameFlags flags;
  flags.dns_options = {"ndots:1"};
  EXPECT_EQ(error_of(check_name_flags(flags, ModeKind::None)), "conflicting options: dns and the network mode: none");
  EXPECT_EQ(error_of(check_name_flags(flags, ModeKind::Container)),
            "conflicting options: dns and the network mode: container");
  EXPECT_EQ(error_of(check_name_flags(flags, ModeKind::Host)), "");
  EXPECT_EQ(error_of(check_name_flags(flags, ModeKind::Ns)), "");
  EXPECT_EQ(error_of(check_name_flags(flags, ModeKind::Private)), "");
  NameFlags hosts;
  hosts.no_hosts = true;
  hosts.add_hosts = {"db:10.1.2.3"};
  EXPECT_EQ(error_of(check_name_flags(hosts, ModeKind::None)), "--no-hosts and --add-host cannot be set together");
  hosts.add_hosts.clear();
  EXPECT_EQ(error_of(check_name_flags(hosts, ModeKind::None)), "");
}

TEST(HostsTest, FormatLineAndRemoveItAgain) {
  std::string line = format_line("127.0.0.1", {"web2", "web2-name"});
  EXPECT_EQ(line, "127.0.0.1\tweb2 web2-name\n");
  std::string text = std::string(kHostHosts) + line;
  EXPECT_EQ(remove_hosts_line(text, {"127.0.0.1", {"web2", "web2-name"}}), kHostHosts);
  // Only the exact entry goes: another name list, a comment or a last line without a newline stay.
  EXPECT_EQ(remove_hosts_line(text, {"127.0.0.1", {"web2"}}), text);
  EXPECT_EQ(remove_hosts_line("# 127.0.0.1 a\n127.0.0.1 a", {"127.0.0.1", {"a"}}), "# 127.0.0.1 a\n");
}

TEST(HostsTest, ParseDropsCommentsAndAddressesWithoutNames) {
  EXPECT_THAT(parse_hosts("1.2.3.4 a b # c d\n# 5.6.7.8 x\n9.9.9.9\n  \t10.0.0.1\tten  \n"),
              ElementsAre(HostEntry{"1.2.3.4", {"a", "b"}}, HostEntry{"10.0.0.1", {"ten"}}));
}

TEST(HostsTest, NoneModeNamesTheContainerOnLoopback) {
  HostsInputs in;
  in.mode = ModeKind::None;
  in.hostname = "0123456789ab";
  in.name = "web";
  in.base = std::string(kHostHosts);
  in.host_containers_internal_ip = "192.0.2.2";
  Result<std::string> text = hosts_file(in);
  ASSERT_TRUE(text);
  // localhost is in the base file for both addresses, so neither is added again.
  EXPECT_EQ(*text,
            "127.0.0.1\tlocalhost\n"
            "127.0.1.1\tbuildhost.example.org buildhost\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "ff02::1\tip6-allnodes\n"
            "ff02::2\tip6-allrouters\n"
            "192.0.2.2\thost.containers.internal\n"
            "127.0.0.1\t0123456789ab web\n");
}

TEST(HostsTest, SlirpModeUsesTheContainersAddress) {
  HostsInputs in;
  in.mode = ModeKind::Slirp4netns;
  in.hostname = "h";
  in.name = "n";
  in.container_ip = "10.0.2.100";
  in.host_containers_internal_ip = host_containers_internal_ip(slirp(true), "10.0.2.2", "192.0.2.2");
  Result<std::string> text = hosts_file(in);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text,
            "127.0.0.1\tlocalhost\n"
            "::1\tlocalhost\n"
            "10.0.2.2\thost.containers.internal\n"
            "10.0.2.100\th n\n");
}

TEST(HostsTest, HostAndNsModesAddNoLineOfTheirOwn) {
  for (ModeKind mode : {ModeKind::Host, ModeKind::Ns, ModeKind::Container}) {
    HostsInputs in;
    in.mode = mode;
    in.hostname = "h";
    in.name = "n";
    in.base = "127.0.0.1 localhost\n";
    Result<std::string> text = hosts_file(in);
    ASSERT_TRUE(text);
    // localhost is a name the base file has already: no ::1 line for it.
    EXPECT_EQ(*text, "127.0.0.1\tlocalhost\n");
  }
}

TEST(HostsTest, AddHostComesFirstAndWinsOverOurNames) {
  HostsInputs in;
  in.mode = ModeKind::None;
  in.hostname = "h";
  in.name = "n";
  in.base = "127.0.0.1 localhost\n";
  in.add_hosts = {"db:10.1.2.3", "h:10.9.9.9", "v6:fd00::1", "host.containers.internal:10.7.7.7", "gw:host-gateway"};
  in.host_containers_internal_ip = "192.0.2.2";
  Result<std::string> text = hosts_file(in);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text,
            "10.1.2.3\tdb\n"
            "10.9.9.9\th\n"
            "fd00::1\tv6\n"
            "10.7.7.7\thost.containers.internal\n"
            "192.0.2.2\tgw\n"
            "127.0.0.1\tlocalhost\n"
            "127.0.0.1\tn\n");
}

TEST(HostsTest, HostGatewayNeedsAnAddress) {
  HostsInputs in;
  in.add_hosts = {"gw:host-gateway"};
  Result<std::string> text = hosts_file(in);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().message(),
            "unable to replace \"host-gateway\" of host entry \"gw:host-gateway\": host containers internal IP "
            "address is empty");
}

TEST(HostsTest, HostContainersInternalAddress) {
  EXPECT_EQ(host_containers_internal_ip(slirp(true), "10.0.2.2", "192.0.2.2"), "10.0.2.2");
  EXPECT_EQ(host_containers_internal_ip(slirp(false), "10.0.2.2", "192.0.2.2"), "192.0.2.2");
  NetworkMode none;
  EXPECT_EQ(host_containers_internal_ip(none, "", "192.0.2.2"), "192.0.2.2");
  EXPECT_EQ(host_containers_internal_ip(none, "", ""), "");
}

TEST(HostsTest, LocalIpPrefersGlobalIpv4) {
  EXPECT_EQ(pick_local_ip({"127.0.0.1", "::1", "fe80::1", "2001:db8::5", "169.254.1.1", "192.0.2.2", "10.0.0.1"}),
            "192.0.2.2");
  EXPECT_EQ(pick_local_ip({"127.0.0.1", "2001:db8::5", "fe80::1", "2001:db8::6"}), "2001:db8::6");
  EXPECT_EQ(pick_local_ip({"127.0.0.1", "::1"}), "");
  EXPECT_EQ(pick_local_ip({}), "");
  // The real host: whatever it picks is one of its global addresses, never loopback.
  std::string local = host_local_ip();
  EXPECT_FALSE(local.starts_with("127.")) << local;
  EXPECT_NE(local, "::1");
}

TEST(ResolvTest, ReadsNameserversSearchesAndOptions) {
  constexpr std::string_view kText =
      "# generated\n"
      "search old.example.com\n"
      "nameserver 192.0.2.53 # office\n"
      "nameserver fe80::1%eth0\n"
      "nameserver not-an-ip\n"
      "  nameserver\t2001:db8::53\n"
      "domain ignored.example.com\n"
      "search a.example.com b.example.com\n"
      "options ndots:2\n"
      "options edns0 trust-ad\n";
  EXPECT_THAT(resolv_nameservers(kText), ElementsAre("192.0.2.53", "fe80::1%eth0", "2001:db8::53"));
  EXPECT_THAT(resolv_searches(kText), ElementsAre("a.example.com", "b.example.com"));
  EXPECT_THAT(resolv_options(kText), ElementsAre("edns0", "trust-ad"));
}

TEST(ResolvTest, OwnNamespaceDropsLoopbackAndIpv6Servers) {
  ResolvInputs in;
  in.mode = ModeKind::None;
  in.host_resolv = "nameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch lan\noptions edns0\n";
  EXPECT_EQ(resolv_conf(in), "search lan\nnameserver 192.0.2.53\noptions edns0\n");
  in.ipv6 = true;
  EXPECT_EQ(resolv_conf(in), "search lan\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions edns0\n");
}

TEST(ResolvTest, NothingLeftMeansGooglesServers) {
  ResolvInputs in;
  in.mode = ModeKind::Private;
  in.host_resolv = "nameserver 127.0.0.1\nnameserver ::1\n";
  EXPECT_EQ(resolv_conf(in), "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  in.ipv6 = true;
  EXPECT_EQ(resolv_conf(in),
            "nameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\n");
  in.host_resolv = "";
  in.ipv6 = false;
  EXPECT_EQ(resolv_conf(in), "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

TEST(ResolvTest, HostNetworkKeepsTheHostsServers) {
  ResolvInputs in;
  in.mode = ModeKind::Host;
  in.host_resolv = "# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch home\n";
  EXPECT_EQ(resolv_conf(in), "search home\nnameserver 127.0.0.53\noptions edns0 trust-ad\n");
  in.host_resolv = "";
  EXPECT_EQ(resolv_conf(in), "");
}

TEST(ResolvTest, SlirpForwarderComesFirst) {
  ResolvInputs in;
  in.mode = ModeKind::Slirp4netns;
  in.slirp_dns = "10.0.2.3";
  in.ipv6 = true;
  in.host_resolv = "nameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch lan\n";
  EXPECT_EQ(resolv_conf(in), "search lan\nnameserver 10.0.2.3\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n");
  in.ipv6 = false;
  EXPECT_EQ(resolv_conf(in), "search lan\nnameserver 10.0.2.3\nnameserver 192.0.2.53\n");
  // Given servers replace both the forwarder and the host's.
  in.servers = {"1.1.1.1"};
  EXPECT_EQ(resolv_conf(in), "search lan\nnameserver 1.1.1.1\n");
}

TEST(ResolvTest, GivenValuesReplaceTheHosts) {
  ResolvInputs in;
  in.mode = ModeKind::None;
  in.host_resolv = "nameserver 192.0.2.53\nsearch lan\noptions edns0\n";
  in.servers = {"1.1.1.1", "2001:db8::1"};  // given IPv6 servers are kept
  in.searches = {"a.example.com", "b.example.com"};
  in.options = {"ndots:3", "timeout:1"};
  EXPECT_EQ(resolv_conf(in),
            "search a.example.com b.example.com\nnameserver 1.1.1.1\nnameserver 2001:db8::1\noptions ndots:3 timeout:1\n");
  in.searches = {"."};  // no search line at all
  in.options.clear();
  EXPECT_EQ(resolv_conf(in), "nameserver 1.1.1.1\nnameserver 2001:db8::1\noptions edns0\n");
}

TEST(ResolvTest, LocalResolverAlternatives) {
  EXPECT_EQ(local_resolver_alternative("nameserver 127.0.0.53\noptions edns0\n"), "/run/systemd/resolve/resolv.conf");
  EXPECT_EQ(local_resolver_alternative("nameserver 127.0.0.1\n"), "/run/NetworkManager/no-stub-resolv.conf");
  EXPECT_EQ(local_resolver_alternative("nameserver 127.0.0.53\nnameserver 192.0.2.53\n"), "");
  EXPECT_EQ(local_resolver_alternative("nameserver 192.0.2.53\n"), "");
}

TEST(ResolvTest, NetnsResolvConfPath) {
  EXPECT_EQ(netns_resolv_conf_path("/run/netns/blue"), "/etc/netns/blue/resolv.conf");
  EXPECT_EQ(netns_resolv_conf_path("/var/run/netns/blue/"), "/etc/netns/blue/resolv.conf");
  EXPECT_EQ(netns_resolv_conf_path("/proc/1234/ns/net"), "");
  EXPECT_EQ(netns_resolv_conf_path(""), "");
}

}  // namespace
}  // namespace nook::network
