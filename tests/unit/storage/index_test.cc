#include "lib/storage/index.h"

#include <gtest/gtest.h>

#include <string>

namespace nook::storage {
namespace {

TEST(StoreIndex, LayersRoundTrip) {
  LayerRecord base;
  base.id = std::string(64, 'a');
  base.diff_id = {"sha256", std::string(64, 'a')};
  base.uncompressed_size = 42;
  base.compressed_digest = image::Digest{"sha256", std::string(64, 'c')};
  base.compressed_size = 21;
  base.created = "2024-01-01T00:00:00Z";
  LayerRecord local;
  local.id = std::string(64, 'b');
  local.parent = base.id;
  local.diff_id = {"sha256", std::string(64, 'd')};
  std::string text = encode_layers({base, local});
  EXPECT_NE(text.find("\"version\":1"), std::string::npos) << text;
  auto decoded = decode_layers(text, "/s/layers.json");
  ASSERT_TRUE(decoded) << decoded.error().message();
  ASSERT_EQ(decoded->size(), 2u);
  EXPECT_EQ((*decoded)[0].compressed_digest, base.compressed_digest);
  EXPECT_EQ((*decoded)[0].compressed_size, 21);
  EXPECT_EQ((*decoded)[0].uncompressed_size, 42);
  EXPECT_EQ((*decoded)[1].parent, base.id);
  EXPECT_FALSE((*decoded)[1].compressed_digest);
  EXPECT_EQ((*decoded)[1].compressed_size, -1);
  EXPECT_EQ((*decoded)[1].diff_id, local.diff_id);
}

TEST(StoreIndex, ImagesRoundTrip) {
  ImageRecord image;
  image.id = std::string(64, 'e');
  image.names = {"docker.io/library/busybox:latest"};
  image.digests = {"sha256:" + std::string(64, '1')};
  image.repo_digests = {"docker.io/library/busybox@sha256:" + std::string(64, '1')};
  image.layers = {std::string(64, 'a')};
  image.top_layer = image.layers.back();
  image.manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
  image.size = 1234;
  image.created = "2023-05-01T00:00:00Z";
  image.pulled = "2024-01-01T00:00:00.5Z";
  image.history_names = {"docker.io/library/busybox:old"};
  auto decoded = decode_images(encode_images({image}), "images.json");
  ASSERT_TRUE(decoded) << decoded.error().message();
  ASSERT_EQ(decoded->size(), 1u);
  const ImageRecord& got = (*decoded)[0];
  EXPECT_EQ(got.names, image.names);
  EXPECT_EQ(got.digests, image.digests);
  EXPECT_EQ(got.repo_digests, image.repo_digests);
  EXPECT_EQ(got.layers, image.layers);
  EXPECT_EQ(got.top_layer, image.top_layer);
  EXPECT_EQ(got.manifest_media_type, image.manifest_media_type);
  EXPECT_EQ(got.size, 1234);
  EXPECT_EQ(got.created, image.created);
  EXPECT_EQ(got.pulled, image.pulled);
  EXPECT_EQ(got.history_names, image.history_names);
  EXPECT_TRUE(decode_images(encode_images({}), "images.json")->empty());
}

TEST(StoreIndex, VersionsAndMalformedFilesAreRefused) {
  auto future = decode_images(R"({"version": 2, "images": []})", "/s/images.json");
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().kind(), ErrorKind::Unsupported);
  EXPECT_EQ(future.error().message(),
            "\"/s/images.json\": store format version 2 is not supported (this nook reads version 1)");
  auto unversioned = decode_layers(R"({"layers": []})", "/s/layers.json");
  ASSERT_FALSE(unversioned);
  EXPECT_EQ(unversioned.error().kind(), ErrorKind::Corrupt);
  auto syntax = decode_images("{", "/s/images.json");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(syntax.error().message().find("/s/images.json"), std::string::npos);
  auto bad_type = decode_images(R"({"version": 1, "images": [{"id": "x", "names": "a"}]})", "/s/images.json");
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().message(), "\"/s/images.json\": image field \"names\" is not an array");
  auto bad_digest = decode_layers(R"({"version": 1, "layers": [{"id": "x", "diff_id": "md5:1"}]})", "/s/l");
  ASSERT_FALSE(bad_digest);
  EXPECT_EQ(bad_digest.error().kind(), ErrorKind::Corrupt);
  // Unknown keys are ignored.
  auto extra = decode_images(R"({"version": 1, "future": true, "images": [{"id": "x", "new": 1}]})", "i");
  ASSERT_TRUE(extra) << extra.error().message();
}

TEST(StoreIndex, StorageInfo) {
  auto info = decode_storage_info(encode_storage_info({.driver = "vfs"}), "storage.json");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->driver, "vfs");
  EXPECT_FALSE(decode_storage_info(R"({"version": 1})", "storage.json"));
}

}  // namespace
}  // namespace nook::storage
