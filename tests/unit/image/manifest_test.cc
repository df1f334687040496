#include "lib/image/manifest.h"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nook::image {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kA(64, 'a');
const std::string kB(64, 'b');
const std::string kC(64, 'c');

// An OCI image manifest as registries serve it (shape of docker.io/library/busybox's OCI form).
const std::string kOciManifest = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": "sha256:)" + kA + R"(",
    "size": 1457
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:)" + kB + R"(",
      "size": 2152262
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
      "digest": "sha256:)" + kC + R"(",
      "size": 100,
      "annotations": {"org.opencontainers.image.title": "layer.tar.zst"}
    }
  ],
  "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}
})";

const std::string kDockerManifest = R"({
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 1469,
      "digest": "sha256:)" + kA + R"("
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 772788,
         "digest": "sha256:)" + kB + R"("
      },
      {
         "mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
         "size": 5,
         "digest": "sha256:)" + kC + R"(",
         "urls": ["https://example.com/layer.tar.gz"]
      }
   ]
})";

const std::string kDockerList = R"({
   "manifests": [
      {
         "digest": "sha256:)" + kA + R"(",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {"architecture": "amd64", "os": "linux"},
         "size": 528
      },
      {
         "digest": "sha256:)" + kB + R"(",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {"architecture": "arm", "os": "linux", "variant": "v6"},
         "size": 528
      },
      {
         "digest": "sha256:)" + kC + R"(",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.17763.5696",
                      "os.features": ["win32k"]},
         "size": 528
      }
   ],
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "schemaVersion": 2
})";

// OCI index without mediaType (allowed by image-spec), with an attestation entry.
const std::string kOciIndex = R"({
  "schemaVersion": 2,
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:)" + kA + R"(",
      "size": 1000,
      "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:)" + kB + R"(",
      "size": 840,
      "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
      "platform": {"architecture": "unknown", "os": "unknown"}
    }
  ]
})";

const std::string kSchema1 = R"({
   "schemaVersion": 1,
   "name": "library/busybox",
   "tag": "latest",
   "architecture": "amd64",
   "fsLayers": [{"blobSum": "sha256:)" + kA + R"("}],
   "history": [{"v1Compatibility": "{}"}],
   "signatures": [{"header": {}, "signature": "x", "protected": "y"}]
})";

TEST(ManifestTest, ParsesOciManifest) {
  Result<Manifest> manifest = parse_manifest(kOciManifest, "application/vnd.oci.image.manifest.v1+json");
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message();
  EXPECT_EQ(manifest->schema_version, 2);
  EXPECT_EQ(manifest->media_type, kMediaTypeOciManifest);
  EXPECT_EQ(manifest->config.media_type, kMediaTypeOciConfig);
  EXPECT_EQ(manifest->config.digest.string(), "sha256:" + kA);
  EXPECT_EQ(manifest->config.size, 1457);
  ASSERT_EQ(manifest->layers.size(), 2u);
  EXPECT_EQ(manifest->layers[0].size, 2152262);
  EXPECT_EQ(manifest->layers[1].digest.hex, kC);
  EXPECT_EQ(manifest->layers[1].annotations.at("org.opencontainers.image.title"), "layer.tar.zst");
  EXPECT_EQ(manifest->annotations.at("org.opencontainers.image.created"), "2024-01-01T00:00:00Z");
}

TEST(ManifestTest, ParsesDockerManifest) {
  Result<Manifest> manifest =
      parse_manifest(kDockerManifest, "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8");
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message();
  EXPECT_EQ(manifest->media_type, kMediaTypeDockerManifest);
  EXPECT_EQ(manifest->config.media_type, kMediaTypeDockerConfig);
  ASSERT_EQ(manifest->layers.size(), 2u);
  EXPECT_THAT(manifest->layers[1].urls, ElementsAre("https://example.com/layer.tar.gz"));
}

TEST(ManifestTest, MediaTypeFromFieldOrDefault) {
  // Generic Content-Type: the field decides.
  Result<Manifest> manifest = parse_manifest(kDockerManifest, "application/json");
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message();
  EXPECT_EQ(manifest->media_type, kMediaTypeDockerManifest);
  // No field, no Content-Type: OCI.
  std::string bare = R"({"schemaVersion": 2, "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
      "digest": "sha256:)" + kA + R"(", "size": 2}, "layers": []})";
  manifest = parse_manifest(bare, "");
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message();
  EXPECT_EQ(manifest->media_type, kMediaTypeOciManifest);
  EXPECT_TRUE(manifest->layers.empty());
}

TEST(ManifestTest, ParsesIndexes) {
  Result<Index> list = parse_index(kDockerList, "application/vnd.docker.distribution.manifest.list.v2+json");
  ASSERT_TRUE(list.has_value()) << list.error().message();
  EXPECT_EQ(list->media_type, kMediaTypeDockerManifestList);
  ASSERT_EQ(list->manifests.size(), 3u);
  ASSERT_TRUE(list->manifests[1].platform.has_value());
  EXPECT_EQ(list->manifests[1].platform->variant, "v6");
  EXPECT_EQ(list->manifests[2].platform->os_version, "10.0.17763.5696");
  EXPECT_THAT(list->manifests[2].platform->os_features, ElementsAre("win32k"));

  Result<Index> oci = parse_index(kOciIndex, "");
  ASSERT_TRUE(oci.has_value()) << oci.error().message();
  EXPECT_EQ(oci->media_type, kMediaTypeOciIndex);
  ASSERT_EQ(oci->manifests.size(), 2u);
  Result<const Descriptor*> chosen = select_manifest(*oci, *parse_platform("linux/arm64"));
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ((*chosen)->digest.hex, kA);
  Result<const Descriptor*> missing = select_manifest(*list, *parse_platform("linux/arm64"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message(),
            "no image found in image index for architecture \"arm64\", variant \"v8\", OS \"linux\"");
}

TEST(ManifestTest, DetectKind) {
  struct Case {
    std::string name;
    std::string bytes;
    std::string content_type;
    ManifestKind kind;
  };
  std::vector<Case> cases = {
      {"oci manifest by content type", "not even json", std::string(kMediaTypeOciManifest), ManifestKind::Image},
      {"docker list by content type", "{}", std::string(kMediaTypeDockerManifestList), ManifestKind::Index},
      {"schema1 by content type", "{}", std::string(kMediaTypeDockerSchema1Signed), ManifestKind::Unsupported},
      {"docker manifest by field", kDockerManifest, "application/json", ManifestKind::Image},
      {"docker list by field", kDockerList, "", ManifestKind::Index},
      {"oci index by structure", kOciIndex, "", ManifestKind::Index},
      {"oci manifest by structure", R"({"schemaVersion": 2, "layers": []})", "text/plain", ManifestKind::Image},
      {"schema1 by version", kSchema1, "", ManifestKind::Unsupported},
      {"unknown media type field", R"({"mediaType": "application/vnd.foo+json"})", "", ManifestKind::Unsupported},
  };
  for (const Case& c : cases) {
    Result<ManifestKind> kind = detect_kind(c.bytes, c.content_type);
    ASSERT_TRUE(kind.has_value()) << c.name << ": " << kind.error().message();
    EXPECT_EQ(*kind, c.kind) << c.name;
  }
}

TEST(ManifestTest, DetectKindErrors) {
  Result<ManifestKind> kind = detect_kind("{nope", "");
  ASSERT_FALSE(kind.has_value());
  EXPECT_EQ(kind.error().kind(), ErrorKind::Corrupt);
  EXPECT_THAT(kind.error().message(), StartsWith("manifest is not valid JSON: "));
  kind = detect_kind(R"({"schemaVersion": 2})", "");
  ASSERT_FALSE(kind.has_value());
  EXPECT_EQ(kind.error().kind(), ErrorKind::Corrupt);
  kind = detect_kind("[]", "");
  ASSERT_FALSE(kind.has_value());
  EXPECT_EQ(kind.error().message(), "manifest is not a JSON object");
}

TEST(ManifestTest, Schema1IsUnsupported) {
  Result<Manifest> manifest = parse_manifest(kSchema1, "");
  ASSERT_FALSE(manifest.has_value());
  EXPECT_EQ(manifest.error().kind(), ErrorKind::Unsupported);
  EXPECT_EQ(manifest.error().message(),
            "unsupported manifest type: docker schema 1 (application/vnd.docker.distribution.manifest.v1+prettyjws) "
            "is not supported");
  manifest = parse_manifest("{}", "application/vnd.docker.distribution.manifest.v1+json");
  ASSERT_FALSE(manifest.has_value());
  EXPECT_EQ(manifest.error().message(),
            "unsupported manifest type: docker schema 1 (application/vnd.docker.distribution.manifest.v1+json) "
            "is not supported");
  Result<Index> index = parse_index(kSchema1, "");
  ASSERT_FALSE(index.has_value());
  EXPECT_EQ(index.error().kind(), ErrorKind::Unsupported);
}

// Replaces the first `from` in `text` with `to`.
std::string replace(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ManifestTest, ValidationErrors) {
  struct Case {
    std::string name;
    std::string bytes;
    std::string content_type;
    ErrorKind kind;
    std::string message;
  };
  std::string oci_type(kMediaTypeOciManifest);
  std::vector<Case> cases = {
      {"not json", "{\"schemaVersion\": 2,", oci_type, ErrorKind::Corrupt, "manifest is not valid JSON: "},
      {"not an object", "[1]", oci_type, ErrorKind::Corrupt, "manifest is not a JSON object"},
      {"no schemaVersion", replace(kOciManifest, "\"schemaVersion\": 2,", ""), oci_type, ErrorKind::Corrupt,
       "missing field \"schemaVersion\""},
      {"schemaVersion string", replace(kOciManifest, "\"schemaVersion\": 2", "\"schemaVersion\": \"2\""), oci_type,
       ErrorKind::Corrupt, "field \"schemaVersion\" is not an integer"},
      {"schemaVersion 3", replace(kOciManifest, "\"schemaVersion\": 2", "\"schemaVersion\": 3"), oci_type,
       ErrorKind::Corrupt, "unsupported schemaVersion 3, expected 2"},
      {"content type disagrees", kOciManifest, std::string(kMediaTypeDockerManifest), ErrorKind::Corrupt,
       "manifest media type \"application/vnd.oci.image.manifest.v1+json\" does not match Content-Type "
       "\"application/vnd.docker.distribution.manifest.v2+json\""},
      {"index given", kOciIndex, std::string(kMediaTypeOciIndex), ErrorKind::Corrupt,
       "expected an image manifest, got an image index (application/vnd.oci.image.index.v1+json)"},
      {"unknown manifest type",
       replace(kOciManifest, "application/vnd.oci.image.manifest.v1+json", "application/vnd.foo+json"), "",
       ErrorKind::Unsupported, "unsupported manifest type \"application/vnd.foo+json\""},
      {"missing config", replace(kOciManifest, "\"config\"", "\"konfig\""), oci_type, ErrorKind::Corrupt,
       "missing field \"config\""},
      {"config not object", replace(kOciManifest, "\"config\": {", "\"config\": 5, \"x\": {"), oci_type,
       ErrorKind::Corrupt, "field \"config\" is not an object"},
      {"missing layers", replace(kOciManifest, "\"layers\"", "\"lairs\""), oci_type, ErrorKind::Corrupt,
       "missing field \"layers\""},
      {"layers not array", replace(kOciManifest, "\"layers\": [", "\"layers\": {}, \"x\": ["), oci_type,
       ErrorKind::Corrupt, "field \"layers\" is not an array"},
      {"config missing digest", replace(kOciManifest, "\"digest\": \"sha256:" + kA + "\",", ""), oci_type,
       ErrorKind::Corrupt, "missing field \"config.digest\""},
      {"bad digest", replace(kOciManifest, "sha256:" + kB, "sha256:xyz"), oci_type, ErrorKind::Corrupt,
       "field \"layers[0].digest\": invalid digest \"sha256:xyz\""},
      {"md5 digest", replace(kOciManifest, "sha256:" + kB, "md5:abc"), oci_type, ErrorKind::Corrupt,
       "field \"layers[0].digest\": unsupported digest algorithm \"md5\""},
      {"negative size", replace(kOciManifest, "2152262", "-5"), oci_type, ErrorKind::Corrupt,
       "field \"layers[0].size\" is negative (-5)"},
      {"fractional size", replace(kOciManifest, "2152262", "1.5"), oci_type, ErrorKind::Corrupt,
       "field \"layers[0].size\" is not an integer"},
      {"missing size", replace(kOciManifest, "\"size\": 1457", "\"sighs\": 1457"), oci_type, ErrorKind::Corrupt,
       "missing field \"config.size\""},
      {"missing layer media type",
       replace(kOciManifest, "\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",", ""), oci_type,
       ErrorKind::Corrupt, "missing field \"layers[0].mediaType\""},
      {"unpackable layer", replace(kOciManifest, "application/vnd.oci.image.layer.v1.tar+gzip", "application/x-foo"),
       oci_type, ErrorKind::Corrupt, "layers[0]: unsupported layer media type \"application/x-foo\""},
      {"urls not strings", replace(kDockerManifest, "[\"https://example.com/layer.tar.gz\"]", "[1]"),
       std::string(kMediaTypeDockerManifest), ErrorKind::Corrupt, "field \"layers[1].urls\" must contain only strings"},
      {"annotation not string", replace(kOciManifest, "\"2024-01-01T00:00:00Z\"", "7"), oci_type, ErrorKind::Corrupt,
       "field \"annotations\" has a non-string value for \"org.opencontainers.image.created\""},
      {"mediaType not string", replace(kOciManifest, "\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"",
                                       "\"mediaType\": 1"),
       oci_type, ErrorKind::Corrupt, "field \"mediaType\" is not a string"},
  };
  for (const Case& c : cases) {
    Result<Manifest> manifest = parse_manifest(c.bytes, c.content_type);
    ASSERT_FALSE(manifest.has_value()) << c.name;
    EXPECT_EQ(manifest.error().kind(), c.kind) << c.name << ": " << manifest.error().message();
    EXPECT_THAT(manifest.error().message(), StartsWith(c.message)) << c.name;
  }
}

TEST(ManifestTest, IndexValidationErrors) {
  struct Case {
    std::string name;
    std::string bytes;
    std::string content_type;
    std::string message;
  };
  std::vector<Case> cases = {
      {"manifest given", kOciManifest, "",
       "expected an image index, got an image manifest (application/vnd.oci.image.manifest.v1+json)"},
      {"missing manifests", R"({"schemaVersion": 2})", std::string(kMediaTypeOciIndex), "missing field \"manifests\""},
      {"entry not object", R"({"schemaVersion": 2, "manifests": [3]})", "", "field \"manifests[0]\" is not an object"},
      {"platform missing os", replace(kDockerList, "\"os\": \"linux\"}", "\"oss\": \"linux\"}"), "",
       "missing field \"manifests[0].platform.os\""},
      {"platform not object", replace(kOciIndex, "\"platform\": {", "\"platform\": 1, \"x\": {"), "",
       "field \"manifests[0].platform\" is not an object"},
      {"negative size", replace(kDockerList, "528", "-1"), "", "field \"manifests[0].size\" is negative (-1)"},
      {"list with oci content type", kDockerList, std::string(kMediaTypeOciIndex),
       "manifest media type \"application/vnd.docker.distribution.manifest.list.v2+json\" does not match "
       "Content-Type \"application/vnd.oci.image.index.v1+json\""},
  };
  for (const Case& c : cases) {
    Result<Index> index = parse_index(c.bytes, c.content_type);
    ASSERT_FALSE(index.has_value()) << c.name;
    EXPECT_EQ(index.error().kind(), ErrorKind::Corrupt) << c.name << ": " << index.error().message();
    EXPECT_THAT(index.error().message(), StartsWith(c.message)) << c.name;
  }
}

TEST(ManifestTest, LayerCompression) {
  struct Case {
    std::string_view media_type;
    Compression compression;
  };
  std::vector<Case> cases = {
      {kMediaTypeOciLayer, Compression::None},
      {kMediaTypeOciLayerGzip, Compression::Gzip},
      {kMediaTypeOciLayerZstd, Compression::Zstd},
      {kMediaTypeOciLayerNondistributable, Compression::None},
      {kMediaTypeOciLayerNondistributableGzip, Compression::Gzip},
      {kMediaTypeOciLayerNondistributableZstd, Compression::Zstd},
      {kMediaTypeDockerLayerGzip, Compression::Gzip},
      {kMediaTypeDockerForeignLayerGzip, Compression::Gzip},
  };
  for (const Case& c : cases) {
    Result<Compression> compression = layer_compression(c.media_type);
    ASSERT_TRUE(compression.has_value()) << c.media_type;
    EXPECT_EQ(*compression, c.compression) << c.media_type;
  }
  for (std::string_view bad : {std::string_view(""), kMediaTypeOciConfig, std::string_view("application/x-tar")}) {
    Result<Compression> compression = layer_compression(bad);
    ASSERT_FALSE(compression.has_value()) << bad;
    EXPECT_EQ(compression.error().kind(), ErrorKind::Corrupt);
    EXPECT_EQ(compression.error().message(), fmt::format("unsupported layer media type \"{}\"", bad));
  }
}

const std::string kConfig = R"({
  "architecture": "amd64",
  "config": {
    "User": "nobody",
    "ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    "Entrypoint": null,
    "Cmd": ["sh"],
    "Volumes": {"/data": {}},
    "WorkingDir": "/srv",
    "Labels": {"maintainer": "someone"},
    "StopSignal": "SIGQUIT",
    "OnBuild": null
  },
  "created": "2024-09-26T21:31:42Z",
  "author": "nook",
  "history": [
    {"created": "2024-09-26T21:31:42Z", "created_by": "ADD file:abc in / "},
    {"created": "2024-09-26T21:31:42Z", "created_by": "CMD [\"sh\"]", "empty_layer": true, "comment": "c",
     "author": "a"}
  ],
  "os": "linux",
  "variant": "v1",
  "rootfs": {"type": "layers", "diff_ids": ["sha256:)" + kA + R"(", "sha256:)" + kB + R"("]}
})";

TEST(ImageConfigTest, Parses) {
  Result<ImageConfig> config = parse_image_config(kConfig);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->architecture, "amd64");
  EXPECT_EQ(config->os, "linux");
  EXPECT_EQ(config->variant, "v1");
  EXPECT_EQ(config->created, "2024-09-26T21:31:42Z");
  EXPECT_EQ(config->author, "nook");
  EXPECT_EQ(config->config.user, "nobody");
  EXPECT_THAT(config->config.exposed_ports, ElementsAre("443/tcp", "80/tcp"));
  EXPECT_EQ(config->config.env.size(), 1u);
  EXPECT_TRUE(config->config.entrypoint.empty());
  EXPECT_THAT(config->config.cmd, ElementsAre("sh"));
  EXPECT_THAT(config->config.volumes, ElementsAre("/data"));
  EXPECT_EQ(config->config.working_dir, "/srv");
  EXPECT_EQ(config->config.labels.at("maintainer"), "someone");
  EXPECT_EQ(config->config.stop_signal, "SIGQUIT");
  ASSERT_EQ(config->diff_ids.size(), 2u);
  EXPECT_EQ(config->diff_ids[1].hex, kB);
  ASSERT_EQ(config->history.size(), 2u);
  EXPECT_FALSE(config->history[0].empty_layer);
  EXPECT_TRUE(config->history[1].empty_layer);
  EXPECT_EQ(config->history[1].created_by, "CMD [\"sh\"]");
  EXPECT_EQ(config->history[1].comment, "c");
  EXPECT_EQ(config->history[1].author, "a");
  EXPECT_EQ(config->raw, kConfig);
}

TEST(ImageConfigTest, MinimalConfig) {
  Result<ImageConfig> config =
      parse_image_config(R"({"architecture": "arm64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}})");
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_TRUE(config->diff_ids.empty());
  EXPECT_TRUE(config->config.cmd.empty());
}

TEST(ImageConfigTest, ValidationErrors) {
  struct Case {
    std::string name;
    std::string bytes;
    std::string message;
  };
  std::vector<Case> cases = {
      {"not json", "{", "image config is not valid JSON: "},
      {"not object", "\"x\"", "image config is not a JSON object"},
      {"no architecture", replace(kConfig, "\"architecture\"", "\"arch\""), "missing field \"architecture\""},
      {"no os", replace(kConfig, "\"os\": \"linux\"", "\"o\": \"linux\""), "missing field \"os\""},
      {"no rootfs", replace(kConfig, "\"rootfs\"", "\"rootfz\""), "missing field \"rootfs\""},
      {"rootfs type", replace(kConfig, "\"type\": \"layers\"", "\"type\": \"tarball\""),
       "field \"rootfs.type\" is \"tarball\", expected \"layers\""},
      {"bad diff id", replace(kConfig, "sha256:" + kB, "sha256:B"), "field \"rootfs.diff_ids[1]\": invalid digest"},
      {"cmd not strings", replace(kConfig, "[\"sh\"]", "[1]"), "field \"config.Cmd\" must contain only strings"},
      {"env not array", replace(kConfig, "\"Env\": [", "\"Env\": 1, \"x\": ["), "field \"config.Env\" is not an array"},
      {"ports not object", replace(kConfig, "{\"80/tcp\": {}, \"443/tcp\": {}}", "[]"),
       "field \"config.ExposedPorts\" is not an object"},
      {"empty_layer not bool", replace(kConfig, "\"empty_layer\": true", "\"empty_layer\": \"yes\""),
       "field \"history[1].empty_layer\" is not a boolean"},
      {"history not array", replace(kConfig, "\"history\": [", "\"history\": 1, \"x\": ["),
       "field \"history\" is not an array"},
      {"user not string", replace(kConfig, "\"nobody\"", "0"), "field \"config.User\" is not a string"},
  };
  for (const Case& c : cases) {
    Result<ImageConfig> config = parse_image_config(c.bytes);
    ASSERT_FALSE(config.has_value()) << c.name;
    EXPECT_EQ(config.error().kind(), ErrorKind::Corrupt) << c.name;
    EXPECT_THAT(config.error().message(), StartsWith(c.message)) << c.name;
  }
}

TEST(ImageConfigTest, CheckConfigMatches) {
  Result<Manifest> manifest = parse_manifest(kOciManifest, "");
  Result<ImageConfig> config = parse_image_config(kConfig);
  ASSERT_TRUE(manifest.has_value());
  ASSERT_TRUE(config.has_value());
  EXPECT_TRUE(check_config_matches(*manifest, *config).has_value());
  manifest->layers.pop_back();
  Result<void> mismatch = check_config_matches(*manifest, *config);
  ASSERT_FALSE(mismatch.has_value());
  EXPECT_EQ(mismatch.error().kind(), ErrorKind::Corrupt);
  EXPECT_EQ(mismatch.error().message(), "image config has 2 layer diff IDs, but the manifest has 1 layers");
}

}  // namespace
}  // namespace nook::image
