#include "lib/image/transport.h"

#include <gtest/gtest.h>

namespace nook::image {
namespace {

TEST(Transport, BareReferencesAreDocker) {
  for (std::string_view text : {"busybox", "busybox:latest", "localhost:5000/x:1", "quay.io/a/b@sha256:0"}) {
    auto r = parse_transport(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(r->transport, Transport::Docker);
    EXPECT_EQ(r->reference, text);
  }
}

TEST(Transport, Docker) {
  auto r = parse_transport("docker://127.0.0.1:5000/busybox:latest");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->transport, Transport::Docker);
  EXPECT_EQ(r->reference, "127.0.0.1:5000/busybox:latest");
  EXPECT_EQ(to_string(*r), "docker://127.0.0.1:5000/busybox:latest");
  EXPECT_FALSE(parse_transport("docker:busybox"));
  EXPECT_FALSE(parse_transport("docker://"));
}

TEST(Transport, OciPathAndReference) {
  auto r = parse_transport("oci:/tmp/layout:busybox:latest");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->transport, Transport::Oci);
  EXPECT_EQ(r->path, "/tmp/layout");
  EXPECT_EQ(r->reference, "busybox:latest");
  EXPECT_EQ(to_string(*r), "oci:/tmp/layout:busybox:latest");
  auto bare = parse_transport("oci:relative/dir");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "relative/dir");
  EXPECT_EQ(bare->reference, "");
  EXPECT_FALSE(parse_transport("oci:"));
  EXPECT_FALSE(parse_transport("oci::ref"));
}

TEST(Transport, OciArchive) {
  auto r = parse_transport("oci-archive:/x.tar:v1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->transport, Transport::OciArchive);
  EXPECT_EQ(r->path, "/x.tar");
  EXPECT_EQ(r->reference, "v1");
}

TEST(Transport, DockerArchiveIndexAndRef) {
  auto r = parse_transport("docker-archive:/x.tar:@2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->transport, Transport::DockerArchive);
  EXPECT_EQ(r->path, "/x.tar");
  ASSERT_TRUE(r->source_index);
  EXPECT_EQ(*r->source_index, 2);
  EXPECT_EQ(to_string(*r), "docker-archive:/x.tar:@2");
  auto named = parse_transport("docker-archive:/x.tar:busybox:latest");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->reference, "busybox:latest");
  EXPECT_FALSE(named->source_index);
  EXPECT_FALSE(parse_transport("docker-archive:/x.tar:@"));
  EXPECT_FALSE(parse_transport("docker-archive:/x.tar:@-1"));
  EXPECT_FALSE(parse_transport("docker-archive:/x.tar:@1x"));
}

TEST(Transport, DirAndStorage) {
  auto d = parse_transport("dir:/a:b");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->transport, Transport::Dir);
  EXPECT_EQ(d->path, "/a:b");
  auto s = parse_transport("containers-storage:busybox");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->transport, Transport::ContainersStorage);
  EXPECT_EQ(s->reference, "busybox");
  EXPECT_EQ(transport_name(Transport::OciArchive), "oci-archive");
}

}  // namespace
}  // namespace nook::image
