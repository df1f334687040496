// OCI and Docker schema 2 manifests, image indexes and image configs: media types, parsing and
// validation. Pure functions over bytes already fetched; no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/image/digest.h"
#include "lib/image/platform.h"
#include "lib/util/error.h"

namespace nook::image {

// OCI image-spec media types (media-types.md).
inline constexpr std::string_view kMediaTypeOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kMediaTypeOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kMediaTypeOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kMediaTypeOciEmpty = "application/vnd.oci.empty.v1+json";
inline constexpr std::string_view kMediaTypeOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kMediaTypeOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kMediaTypeOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kMediaTypeOciLayerNondistributable =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
inline constexpr std::string_view kMediaTypeOciLayerNondistributableGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
inline constexpr std::string_view kMediaTypeOciLayerNondistributableZstd =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

// Docker image manifest v2 schema 2 media types.
inline constexpr std::string_view kMediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kMediaTypeDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kMediaTypeDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kMediaTypeDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
inline constexpr std::string_view kMediaTypeDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kMediaTypeDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
// Docker schema 1, recognized only to reject it clearly.
inline constexpr std::string_view kMediaTypeDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kMediaTypeDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

// OCI descriptor (descriptor.md); also used for Docker schema 2.
struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::vector<std::string> urls;
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;  // only in index entries
};

// An image manifest (OCI or Docker schema 2).
struct Manifest {
  int schema_version = 2;
  std::string media_type;  // the mediaType field, else the Content-Type, else the OCI manifest type
  Descriptor config;
  std::vector<Descriptor> layers;
  std::map<std::string, std::string> annotations;
};

// An image index (OCI) or manifest list (Docker).
struct Index {
  int schema_version = 2;
  std::string media_type;
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
};

enum class ManifestKind { Image, Index, Unsupported };

// What `bytes` is: by the Content-Type if it names a manifest type, else by the mediaType field,
// else by structure ("manifests" -> Index, "layers"/"config" -> Image). Docker schema 1 and unknown
// manifest media types are Unsupported. Corrupt if the bytes are not a JSON object or nothing
// identifies them. `content_type` may carry parameters ("; charset=utf-8"); generic types
// (application/json, text/plain, application/octet-stream) are ignored.
[[nodiscard]] Result<ManifestKind> detect_kind(std::string_view bytes, std::string_view content_type);

// Parse and validate an image manifest. Corrupt for bad JSON ("manifest is not valid JSON: ..."),
// missing or mistyped fields, negative sizes, bad digests, a mediaType field that disagrees with
// the Content-Type, an index where a manifest was expected, and a layer media type nook cannot
// unpack ("layers[0]: unsupported layer media type \"x\""). Unsupported for Docker schema 1
// ("unsupported manifest type: docker schema 1 (MEDIA TYPE) is not supported") and unknown
// manifest media types.
[[nodiscard]] Result<Manifest> parse_manifest(std::string_view bytes, std::string_view content_type);

// Parse and validate an image index / manifest list, with the same rules as parse_manifest.
[[nodiscard]] Result<Index> parse_index(std::string_view bytes, std::string_view content_type);

enum class Compression { None, Gzip, Zstd };

// The compression of a layer with this media type; Corrupt "unsupported layer media type \"x\""
// for anything nook cannot unpack.
[[nodiscard]] Result<Compression> layer_compression(std::string_view media_type);

// OCI image-spec config.md "config" object: the fields nook runs a container with.
struct ContainerConfig {
  std::string user;
  std::vector<std::string> exposed_ports;  // keys of ExposedPorts, e.g. "80/tcp"
  std::vector<std::string> env;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> volumes;  // keys of Volumes
  std::string working_dir;
  std::map<std::string, std::string> labels;
  std::string stop_signal;
};

struct HistoryEntry {
  std::string created;
  std::string created_by;
  bool empty_layer = false;
  std::string comment;
  std::string author;
};

struct ImageConfig {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string created;
  std::string author;
  ContainerConfig config;
  std::vector<Digest> diff_ids;  // rootfs.diff_ids, one per layer, of the uncompressed tar
  std::vector<HistoryEntry> history;
  std::string raw;  // the bytes as fetched, for inspect and for the config digest
};

// Parse an image config. Corrupt for bad JSON ("image config is not valid JSON: ..."), missing
// architecture/os/rootfs, rootfs.type other than "layers", bad diff IDs and mistyped fields. null
// is accepted wherever Docker writes it (Cmd, Entrypoint, Env, Labels, ...).
[[nodiscard]] Result<ImageConfig> parse_image_config(std::string_view bytes);

// Corrupt "image config has N layer diff IDs, but the manifest has M layers" when they disagree.
[[nodiscard]] Result<void> check_config_matches(const Manifest& manifest, const ImageConfig& config);

}  // namespace nook::image
