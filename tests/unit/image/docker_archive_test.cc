#include "lib/image/docker_archive.h"

#include <gtest/gtest.h>

namespace nook::image {
namespace {

TEST(DockerArchive, RoundTrip) {
  std::vector<DockerArchiveImage> images = {
      {"aa.json", {"busybox:latest", "busybox:1"}, {"l1.tar", "l2.tar"}},
      {"bb.json", {}, {"l1.tar"}},
  };
  std::string text = encode_docker_archive_manifest(images);
  EXPECT_EQ(text.find(R"([{"Config":"aa.json","RepoTags":["busybox:latest","busybox:1"])"), 0u) << text;
  auto parsed = parse_docker_archive_manifest(text);
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].repo_tags, images[0].repo_tags);
  EXPECT_EQ((*parsed)[1].layers, images[1].layers);
  EXPECT_TRUE((*parsed)[1].repo_tags.empty());
}

TEST(DockerArchive, NullRepoTagsAccepted) {
  auto parsed = parse_docker_archive_manifest(R"([{"Config":"c.json","RepoTags":null,"Layers":[]}])");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE((*parsed)[0].repo_tags.empty());
}

TEST(DockerArchive, HostilePathsRefused) {
  for (std::string_view text : {R"([{"Config":"../etc/passwd","Layers":[]}])",
                                R"([{"Config":"c.json","Layers":["/abs.tar"]}])",
                                R"([{"Config":"c.json","Layers":["a/../../b"]}])"}) {
    auto parsed = parse_docker_archive_manifest(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::Corrupt);
  }
}

TEST(DockerArchive, MalformedManifests) {
  EXPECT_FALSE(parse_docker_archive_manifest("{}"));
  EXPECT_FALSE(parse_docker_archive_manifest("[]"));
  EXPECT_FALSE(parse_docker_archive_manifest("[{\"Layers\":[]}]"));
  EXPECT_FALSE(parse_docker_archive_manifest("[{\"Config\":\"c\"}]"));
  EXPECT_FALSE(parse_docker_archive_manifest("not json"));
}

TEST(DockerArchive, Repositories) {
  std::string text = encode_docker_repositories({{"busybox:latest", "abc"}, {"localhost:5000/x:1", "def"}});
  EXPECT_EQ(text, R"({"busybox":{"latest":"abc"},"localhost:5000/x":{"1":"def"}})");
  EXPECT_TRUE(is_safe_member_path("a/b.tar"));
  EXPECT_FALSE(is_safe_member_path("a//b"));
  EXPECT_FALSE(is_safe_member_path(""));
}

}  // namespace
}  // namespace nook::image
