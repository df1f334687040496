#include "lib/image/oci_layout.h"

#include <gtest/gtest.h>

#include "lib/sys/file.h"

namespace nook::image {
namespace {

Digest digest_of(std::string_view data) { return Digest{"sha256", sha256_hex(data)}; }

class OciLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = sys::make_temp_dir("/tmp", "oci-layout-test-");
    ASSERT_TRUE(tmp);
    tmp_ = std::move(*tmp);
    dir_ = tmp_.path();
  }
  void put_blob(std::string_view data) {
    ASSERT_TRUE(sys::make_dirs(dir_ + "/blobs/sha256"));
    ASSERT_TRUE(sys::write_file_atomic(oci_blob_path(dir_, digest_of(data)), data));
  }
  sys::TempPath tmp_;
  std::string dir_;
};

TEST_F(OciLayoutTest, WriteThenReadBack) {
  std::string config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  Manifest m;
  m.media_type = std::string(kMediaTypeOciManifest);
  m.config = Descriptor{.media_type = std::string(kMediaTypeOciConfig), .digest = digest_of(config),
                        .size = static_cast<int64_t>(config.size())};
  std::string manifest = encode_manifest(m);
  auto parsed = parse_manifest(manifest, "");
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->config.digest, m.config.digest);
  put_blob(config);
  put_blob(manifest);
  Descriptor desc{.media_type = std::string(kMediaTypeOciManifest), .digest = digest_of(manifest),
                  .size = static_cast<int64_t>(manifest.size())};
  auto index = add_to_oci_index("", desc, "busybox:latest");
  ASSERT_TRUE(index);
  auto index2 = add_to_oci_index(*index, desc, "other");
  ASSERT_TRUE(index2);
  ASSERT_TRUE(sys::write_file_atomic(dir_ + "/oci-layout", kOciLayoutFile));
  ASSERT_TRUE(sys::write_file_atomic(dir_ + "/index.json", *index2));

  auto read = read_oci_index(dir_);
  ASSERT_TRUE(read) << read.error().message();
  ASSERT_EQ(read->manifests.size(), 2u);
  auto chosen = select_oci_manifest(*read, "other");
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->digest, desc.digest);
  EXPECT_FALSE(select_oci_manifest(*read, ""));
  auto missing = select_oci_manifest(*read, "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);
  auto blob = read_oci_blob(dir_, desc.digest);
  ASSERT_TRUE(blob);
  EXPECT_EQ(*blob, manifest);
}

TEST_F(OciLayoutTest, SameRefNameReplacesTheOldEntry) {
  Descriptor a{.media_type = std::string(kMediaTypeOciManifest), .digest = digest_of("a"), .size = 1};
  Descriptor b{.media_type = std::string(kMediaTypeOciManifest), .digest = digest_of("b"), .size = 1};
  auto index = add_to_oci_index("", a, "tag");
  ASSERT_TRUE(index);
  index = add_to_oci_index(*index, b, "tag");
  ASSERT_TRUE(index);
  auto parsed = parse_index(*index, kMediaTypeOciIndex);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->manifests.size(), 1u);
  EXPECT_EQ(parsed->manifests[0].digest, b.digest);
  EXPECT_EQ(parsed->manifests[0].annotations.at(std::string(kOciRefNameAnnotation)), "tag");
}

TEST_F(OciLayoutTest, CorruptBlobAndMissingLayout) {
  auto none = read_oci_index(dir_);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind(), ErrorKind::NotFound);
  put_blob("content");
  ASSERT_TRUE(sys::write_file_atomic(oci_blob_path(dir_, digest_of("content")), "tampered"));
  auto r = read_oci_blob(dir_, digest_of("content"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Corrupt);
}

TEST_F(OciLayoutTest, DockerManifestEncoding) {
  Manifest m;
  m.media_type = std::string(kMediaTypeDockerManifest);
  m.config = Descriptor{.media_type = std::string(kMediaTypeDockerConfig), .digest = digest_of("c"), .size = 1};
  m.layers.push_back(Descriptor{.media_type = std::string(kMediaTypeDockerLayerGzip), .digest = digest_of("l"), .size = 5});
  std::string text = encode_manifest(m);
  EXPECT_EQ(text.find("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\""), 0u) << text;
  auto parsed = parse_manifest(text, kMediaTypeDockerManifest);
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->layers.size(), 1u);
  EXPECT_EQ(parsed->layers[0].size, 5);
}

}  // namespace
}  // namespace nook::image
