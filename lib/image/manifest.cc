#include "lib/image/manifest.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lib/image/json_adapter.h"

namespace nook::image {

namespace {

using nlohmann::json;

std::unexpected<Error> corrupt(std::string message) { return fail(ErrorKind::Corrupt, std::move(message)); }

std::string field_path(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
}

// The member `key` of `obj`, nullptr if absent or null (Docker writes null for empty lists).
const json* member(const json& obj, std::string_view key) {
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::optional<std::string>> optional_string(const json& obj, std::string_view key, std::string_view prefix) {
  const json* value = member(obj, key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return corrupt(fmt::format("field \"{}\" is not a string", field_path(prefix, key)));
  return std::optional<std::string>(value->get_ref<const std::string&>());
}

Result<std::string> string_or_empty(const json& obj, std::string_view key, std::string_view prefix) {
  std::optional<std::string> value = NOOK_TRY(optional_string(obj, key, prefix));
  return value.value_or(std::string());
}

Result<std::string> required_string(const json& obj, std::string_view key, std::string_view prefix) {
  std::optional<std::string> value = NOOK_TRY(optional_string(obj, key, prefix));
  if (!value || value->empty()) return corrupt(fmt::format("missing field \"{}\"", field_path(prefix, key)));
  return std::move(*value);
}

Result<std::optional<int64_t>> optional_int(const json& obj, std::string_view key, std::string_view prefix) {
  const json* value = member(obj, key);
  if (value == nullptr) return std::optional<int64_t>();
  if (!value->is_number_integer() ||
      (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()})) {
    return corrupt(fmt::format("field \"{}\" is not an integer", field_path(prefix, key)));
  }
  return std::optional<int64_t>(value->get<int64_t>());
}

Result<std::vector<std::string>> string_list(const json& obj, std::string_view key, std::string_view prefix) {
  std::vector<std::string> out;
  const json* value = member(obj, key);
  if (value == nullptr) return out;
  if (!value->is_array()) return corrupt(fmt::format("field \"{}\" is not an array", field_path(prefix, key)));
  for (const json& item : *value) {
    if (!item.is_string()) {
      return corrupt(fmt::format("field \"{}\" must contain only strings", field_path(prefix, key)));
    }
    out.push_back(item.get_ref<const std::string&>());
  }
  return out;
}

Result<std::map<std::string, std::string>> string_map(const json& obj, std::string_view key, std::string_view prefix) {
  std::map<std::string, std::string> out;
  const json* value = member(obj, key);
  if (value == nullptr) return out;
  if (!value->is_object()) return corrupt(fmt::format("field \"{}\" is not an object", field_path(prefix, key)));
  for (const auto& [name, item] : value->items()) {
    if (!item.is_string()) {
      return corrupt(fmt::format("field \"{}\" has a non-string value for \"{}\"", field_path(prefix, key), name));
    }
    out.emplace(name, item.get_ref<const std::string&>());
  }
  return out;
}

// Keys of an object used as a set ({"80/tcp": {}}).
Result<std::vector<std::string>> object_keys(const json& obj, std::string_view key, std::string_view prefix) {
  std::vector<std::string> out;
  const json* value = member(obj, key);
  if (value == nullptr) return out;
  if (!value->is_object()) return corrupt(fmt::format("field \"{}\" is not an object", field_path(prefix, key)));
  for (const auto& [name, item] : value->items()) out.push_back(name);
  return out;
}

Result<const json*> required_object(const json& obj, std::string_view key, std::string_view prefix) {
  const json* value = member(obj, key);
  if (value == nullptr) return corrupt(fmt::format("missing field \"{}\"", field_path(prefix, key)));
  if (!value->is_object()) return corrupt(fmt::format("field \"{}\" is not an object", field_path(prefix, key)));
  return value;
}

Result<const json*> required_array(const json& obj, std::string_view key, std::string_view prefix) {
  const json* value = member(obj, key);
  if (value == nullptr) return corrupt(fmt::format("missing field \"{}\"", field_path(prefix, key)));
  if (!value->is_array()) return corrupt(fmt::format("field \"{}\" is not an array", field_path(prefix, key)));
  return value;
}

Result<Digest> digest_field(const json& obj, std::string_view key, std::string_view prefix) {
  std::string text = NOOK_TRY(required_string(obj, key, prefix));
  Result<Digest> digest = parse_digest(text);
  if (!digest) return corrupt(fmt::format("field \"{}\": {}", field_path(prefix, key), digest.error().message()));
  return std::move(*digest);
}

Result<Platform> parse_platform_object(const json& obj, std::string_view prefix) {
  Platform platform;
  platform.architecture = NOOK_TRY(required_string(obj, "architecture", prefix));
  platform.os = NOOK_TRY(required_string(obj, "os", prefix));
  platform.variant = NOOK_TRY(string_or_empty(obj, "variant", prefix));
  platform.os_version = NOOK_TRY(string_or_empty(obj, "os.version", prefix));
  platform.os_features = NOOK_TRY(string_list(obj, "os.features", prefix));
  return platform;
}

Result<Descriptor> parse_descriptor(const json& obj, std::string_view prefix) {
  if (!obj.is_object()) return corrupt(fmt::format("field \"{}\" is not an object", prefix));
  Descriptor descriptor;
  descriptor.media_type = NOOK_TRY(required_string(obj, "mediaType", prefix));
  descriptor.digest = NOOK_TRY(digest_field(obj, "digest", prefix));
  std::optional<int64_t> size = NOOK_TRY(optional_int(obj, "size", prefix));
  if (!size) return corrupt(fmt::format("missing field \"{}\"", field_path(prefix, "size")));
  if (*size < 0) return corrupt(fmt::format("field \"{}\" is negative ({})", field_path(prefix, "size"), *size));
  descriptor.size = *size;
  descriptor.urls = NOOK_TRY(string_list(obj, "urls", prefix));
  descriptor.annotations = NOOK_TRY(string_map(obj, "annotations", prefix));
  const json* platform = member(obj, "platform");
  if (platform != nullptr) {
    std::string platform_prefix = field_path(prefix, "platform");
    if (!platform->is_object()) return corrupt(fmt::format("field \"{}\" is not an object", platform_prefix));
    descriptor.platform = NOOK_TRY(parse_platform_object(*platform, platform_prefix));
  }
  return descriptor;
}

// "application/vnd.oci.image.manifest.v1+json; charset=utf-8" -> the bare type, lower case; ""
// for types that say nothing about the manifest (registries send these for some stored blobs).
std::string normalize_content_type(std::string_view content_type) {
  std::string_view bare = content_type.substr(0, content_type.find(';'));
  while (!bare.empty() && std::isspace(static_cast<unsigned char>(bare.front()))) bare.remove_prefix(1);
  while (!bare.empty() && std::isspace(static_cast<unsigned char>(bare.back()))) bare.remove_suffix(1);
  std::string out(bare);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  if (out == "application/json" || out == "text/plain" || out == "application/octet-stream") out.clear();
  return out;
}

bool is_image_type(std::string_view media_type) {
  return media_type == kMediaTypeOciManifest || media_type == kMediaTypeDockerManifest;
}
bool is_index_type(std::string_view media_type) {
  return media_type == kMediaTypeOciIndex || media_type == kMediaTypeDockerManifestList;
}
bool is_schema1_type(std::string_view media_type) {
  return media_type == kMediaTypeDockerSchema1 || media_type == kMediaTypeDockerSchema1Signed;
}

std::unexpected<Error> schema1_error(std::string_view media_type) {
  return fail(ErrorKind::Unsupported,
              fmt::format("unsupported manifest type: docker schema 1 ({}) is not supported", media_type));
}

// Schema 1 manifests without a Content-Type: signed ones carry "signatures".
std::string_view schema1_type_of(const json& doc) {
  return doc.contains("signatures") ? kMediaTypeDockerSchema1Signed : kMediaTypeDockerSchema1;
}

struct Header {
  json doc;
  std::string media_type;
};

// The checks manifests and indexes share: JSON object, schemaVersion 2, a mediaType consistent with
// the Content-Type and of the wanted kind.
Result<Header> read_header(std::string_view bytes, std::string_view content_type, ManifestKind want) {
  std::string type = normalize_content_type(content_type);
  if (is_schema1_type(type)) return schema1_error(type);
  Header header;
  header.doc = NOOK_TRY(parse_json(bytes, "manifest"));
  const json& doc = header.doc;
  if (!doc.is_object()) return corrupt("manifest is not a JSON object");
  std::optional<int64_t> version = NOOK_TRY(optional_int(doc, "schemaVersion", ""));
  if (!version) return corrupt("missing field \"schemaVersion\"");
  if (*version == 1) return schema1_error(schema1_type_of(doc));
  if (*version != 2) return corrupt(fmt::format("unsupported schemaVersion {}, expected 2", *version));
  std::optional<std::string> field = NOOK_TRY(optional_string(doc, "mediaType", ""));
  if (field && field->empty()) field.reset();
  if (field && !type.empty() && *field != type) {
    return corrupt(fmt::format("manifest media type \"{}\" does not match Content-Type \"{}\"", *field, type));
  }
  if (field) {
    header.media_type = *field;
  } else if (!type.empty()) {
    header.media_type = type;
  } else {
    header.media_type = want == ManifestKind::Index ? kMediaTypeOciIndex : kMediaTypeOciManifest;
  }
  if (is_schema1_type(header.media_type)) return schema1_error(header.media_type);
  if (want == ManifestKind::Image && is_index_type(header.media_type)) {
    return corrupt(fmt::format("expected an image manifest, got an image index ({})", header.media_type));
  }
  if (want == ManifestKind::Index && is_image_type(header.media_type)) {
    return corrupt(fmt::format("expected an image index, got an image manifest ({})", header.media_type));
  }
  if (!is_image_type(header.media_type) && !is_index_type(header.media_type)) {
    return fail(ErrorKind::Unsupported, fmt::format("unsupported manifest type \"{}\"", header.media_type));
  }
  return header;
}

}  // namespace

Result<ManifestKind> detect_kind(std::string_view bytes, std::string_view content_type) {
  std::string type = normalize_content_type(content_type);
  if (is_schema1_type(type)) return ManifestKind::Unsupported;
  if (is_image_type(type)) return ManifestKind::Image;
  if (is_index_type(type)) return ManifestKind::Index;
  json doc = NOOK_TRY(parse_json(bytes, "manifest"));
  if (!doc.is_object()) return corrupt("manifest is not a JSON object");
  const json* field = member(doc, "mediaType");
  if (field != nullptr && field->is_string() && !field->get_ref<const std::string&>().empty()) {
    const std::string& media_type = field->get_ref<const std::string&>();
    if (is_image_type(media_type)) return ManifestKind::Image;
    if (is_index_type(media_type)) return ManifestKind::Index;
    return ManifestKind::Unsupported;
  }
  const json* version = member(doc, "schemaVersion");
  if (version != nullptr && version->is_number_integer() && version->get<int64_t>() == 1) {
    return ManifestKind::Unsupported;
  }
  if (doc.contains("manifests")) return ManifestKind::Index;
  if (doc.contains("layers") || doc.contains("config")) return ManifestKind::Image;
  return corrupt("manifest has none of the fields \"mediaType\", \"manifests\" or \"layers\"");
}

Result<Manifest> parse_manifest(std::string_view bytes, std::string_view content_type) {
  Header header = NOOK_TRY(read_header(bytes, content_type, ManifestKind::Image));
  const json& doc = header.doc;
  Manifest manifest;
  manifest.media_type = std::move(header.media_type);
  const json* config = NOOK_TRY(required_object(doc, "config", ""));
  manifest.config = NOOK_TRY(parse_descriptor(*config, "config"));
  const json* layers = NOOK_TRY(required_array(doc, "layers", ""));
  for (size_t i = 0; i < layers->size(); ++i) {
    std::string prefix = fmt::format("layers[{}]", i);
    Descriptor layer = NOOK_TRY(parse_descriptor((*layers)[i], prefix));
    Result<Compression> compression = layer_compression(layer.media_type);
    if (!compression) return fail(compression.error().context(prefix));
    manifest.layers.push_back(std::move(layer));
  }
  manifest.annotations = NOOK_TRY(string_map(doc, "annotations", ""));
  return manifest;
}

Result<Index> parse_index(std::string_view bytes, std::string_view content_type) {
  Header header = NOOK_TRY(read_header(bytes, content_type, ManifestKind::Index));
  const json& doc = header.doc;
  Index index;
  index.media_type = std::move(header.media_type);
  const json* manifests = NOOK_TRY(required_array(doc, "manifests", ""));
  for (size_t i = 0; i < manifests->size(); ++i) {
    index.manifests.push_back(NOOK_TRY(parse_descriptor((*manifests)[i], fmt::format("manifests[{}]", i))));
  }
  index.annotations = NOOK_TRY(string_map(doc, "annotations", ""));
  return index;
}

Result<Compression> layer_compression(std::string_view media_type) {
  if (media_type == kMediaTypeOciLayer || media_type == kMediaTypeOciLayerNondistributable) {
    return Compression::None;
  }
  if (media_type == kMediaTypeOciLayerGzip || media_type == kMediaTypeOciLayerNondistributableGzip ||
      media_type == kMediaTypeDockerLayerGzip || media_type == kMediaTypeDockerForeignLayerGzip) {
    return Compression::Gzip;
  }
  if (media_type == kMediaTypeOciLayerZstd || media_type == kMediaTypeOciLayerNondistributableZstd) {
    return Compression::Zstd;
  }
  return corrupt(fmt::format("unsupported layer media type \"{}\"", media_type));
}

Result<ImageConfig> parse_image_config(std::string_view bytes) {
  json doc = NOOK_TRY(parse_json(bytes, "image config"));
  if (!doc.is_object()) return corrupt("image config is not a JSON object");
  ImageConfig image;
  image.raw = std::string(bytes);
  image.architecture = NOOK_TRY(required_string(doc, "architecture", ""));
  image.os = NOOK_TRY(required_string(doc, "os", ""));
  image.variant = NOOK_TRY(string_or_empty(doc, "variant", ""));
  image.created = NOOK_TRY(string_or_empty(doc, "created", ""));
  image.author = NOOK_TRY(string_or_empty(doc, "author", ""));

  const json* config = member(doc, "config");
  if (config != nullptr) {
    if (!config->is_object()) return corrupt("field \"config\" is not an object");
    ContainerConfig& c = image.config;
    c.user = NOOK_TRY(string_or_empty(*config, "User", "config"));
    c.exposed_ports = NOOK_TRY(object_keys(*config, "ExposedPorts", "config"));
    c.env = NOOK_TRY(string_list(*config, "Env", "config"));
    c.entrypoint = NOOK_TRY(string_list(*config, "Entrypoint", "config"));
    c.cmd = NOOK_TRY(string_list(*config, "Cmd", "config"));
    c.volumes = NOOK_TRY(object_keys(*config, "Volumes", "config"));
    c.working_dir = NOOK_TRY(string_or_empty(*config, "WorkingDir", "config"));
    c.labels = NOOK_TRY(string_map(*config, "Labels", "config"));
    c.stop_signal = NOOK_TRY(string_or_empty(*config, "StopSignal", "config"));
  }

  const json* rootfs = NOOK_TRY(required_object(doc, "rootfs", ""));
  std::string type = NOOK_TRY(required_string(*rootfs, "type", "rootfs"));
  if (type != "layers") return corrupt(fmt::format("field \"rootfs.type\" is \"{}\", expected \"layers\"", type));
  std::vector<std::string> diff_ids = NOOK_TRY(string_list(*rootfs, "diff_ids", "rootfs"));
  for (size_t i = 0; i < diff_ids.size(); ++i) {
    Result<Digest> digest = parse_digest(diff_ids[i]);
    if (!digest) return corrupt(fmt::format("field \"rootfs.diff_ids[{}]\": {}", i, digest.error().message()));
    image.diff_ids.push_back(std::move(*digest));
  }

  const json* history = member(doc, "history");
  if (history != nullptr) {
    if (!history->is_array()) return corrupt("field \"history\" is not an array");
    for (size_t i = 0; i < history->size(); ++i) {
      const json& item = (*history)[i];
      std::string prefix = fmt::format("history[{}]", i);
      if (!item.is_object()) return corrupt(fmt::format("field \"{}\" is not an object", prefix));
      HistoryEntry entry;
      entry.created = NOOK_TRY(string_or_empty(item, "created", prefix));
      entry.created_by = NOOK_TRY(string_or_empty(item, "created_by", prefix));
      entry.comment = NOOK_TRY(string_or_empty(item, "comment", prefix));
      entry.author = NOOK_TRY(string_or_empty(item, "author", prefix));
      const json* empty_layer = member(item, "empty_layer");
      if (empty_layer != nullptr) {
        if (!empty_layer->is_boolean()) {
          return corrupt(fmt::format("field \"{}\" is not a boolean", field_path(prefix, "empty_layer")));
        }
        entry.empty_layer = empty_layer->get<bool>();
      }
      image.history.push_back(std::move(entry));
    }
  }
  return image;
}

Result<void> check_config_matches(const Manifest& manifest, const ImageConfig& config) {
  if (config.diff_ids.size() != manifest.layers.size()) {
    return corrupt(fmt::format("image config has {} layer diff IDs, but the manifest has {} layers",
                               config.diff_ids.size(), manifest.layers.size()));
  }
  return {};
}

}  // namespace nook::image
