// The pure parts of the engine's network glue: which containers share a network namespace, and
// how --network container:NAME is resolved against the store. Creating, starting and removing
// such containers is tested end to end in tests/e2e/120-network.bats.
#include "lib/engine/container_network.h"

#include <gtest/gtest.h>

#include "lib/sys/file.h"

namespace nook::engine {
namespace {

container::Container with_mode(std::string id, std::string mode) {
  container::Container c;
  c.id = std::move(id);
  c.network_mode = std::move(mode);
  return c;
}

TEST(NetworkContainer, TheNameAfterTheContainerPrefixOnly) {
  EXPECT_EQ(network_container("container:web"), "web");
  EXPECT_EQ(network_container("container:"), "");
  EXPECT_EQ(network_container("slirp4netns"), "");
  EXPECT_EQ(network_container("ns:/run/netns/container:x"), "");
}

TEST(NetworkDependents, OnlyThoseSharingThatContainersNamespace) {
  std::vector<container::Container> all = {with_mode("c", "container:a"), with_mode("a", "slirp4netns"),
                                           with_mode("b", "container:a"), with_mode("d", "container:b"),
                                           with_mode("e", "container:ab")};
  EXPECT_EQ(network_dependents(all, "a"), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(network_dependents(all, "b"), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(network_dependents(all, "e").empty());
  EXPECT_TRUE(network_dependents({}, "a").empty());
}

TEST(ResolveNetworkContainer, NamesTheTargetByFullIdOrSaysItIsMissing) {
  auto dir = sys::make_temp_dir("/tmp", "nook-netctr-");
  ASSERT_TRUE(dir);
  auto store = container::ContainerStore::open(dir->path(), false);
  ASSERT_TRUE(store) << store.error().message();
  container::Container web;
  web.name = "web";
  web.image_id = std::string(64, 'a');
  auto added = store->add(web);
  ASSERT_TRUE(added) << added.error().message();

  auto mode = network::parse_network_mode("container:web");
  ASSERT_TRUE(mode);
  ASSERT_TRUE(resolve_network_container(*store, *mode));
  EXPECT_EQ(mode->value, added->id);
  EXPECT_EQ(mode->text, "container:" + added->id);

  auto missing = network::parse_network_mode("container:nosuch");
  ASSERT_TRUE(missing);
  auto resolved = resolve_network_container(*store, *missing);
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(resolved.error().message(), "no container with name or ID \"nosuch\" found: no such container");

  auto other = network::parse_network_mode("slirp4netns");  // other modes are left alone
  ASSERT_TRUE(other);
  ASSERT_TRUE(resolve_network_container(*store, *other));
  EXPECT_EQ(other->text, "slirp4netns");
}

}  // namespace
}  // namespace nook::engine
