#include "lib/storage/index.h"

#include <fmt/format.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "lib/image/json_adapter.h"
#include "lib/util/json_fields.h"

namespace nook::storage {

namespace {

using nlohmann::json;

std::unexpected<Error> corrupt(std::string_view what, std::string_view problem) {
  return fail(ErrorKind::Corrupt, fmt::format("{:?}: {}", what, problem));
}

// Reads fields of one record; the first problem is kept in error().
class Fields : public JsonFields {
 public:
  Fields(const json& obj, std::string_view what, std::string_view where)
      : JsonFields(obj, fmt::format("{:?}: {}", what, where)) {}

  std::optional<image::Digest> digest(const char* key) {
    std::string text = str(key);
    if (text.empty()) return std::nullopt;
    auto parsed = image::parse_digest(text);
    if (!parsed) {
      problem(key, parsed.error().message());
      return std::nullopt;
    }
    return std::move(*parsed);
  }
};

// Parses the document and checks its version; returns the array under `key`.
Result<json> parse_document(std::string_view text, std::string_view what, const char* key) {
  json doc = NOOK_TRY(image::parse_json(text, fmt::format("{:?}", what)));
  if (!doc.is_object()) return corrupt(what, "not a JSON object");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()) return corrupt(what, "missing format version");
  if (version->get<int64_t>() != kStoreFormatVersion) {
    return fail(ErrorKind::Unsupported,
                fmt::format("{:?}: store format version {} is not supported (this nook reads version {})", what,
                            version->dump(), kStoreFormatVersion));
  }
  if (key == nullptr) return doc;
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return json::array();
  if (!it->is_array()) return corrupt(what, fmt::format("\"{}\" is not an array", key));
  return std::move(*it);
}

std::string dump(const json& doc) { return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"; }

}  // namespace

Result<StorageInfo> decode_storage_info(std::string_view text, std::string_view what) {
  json doc = NOOK_TRY(parse_document(text, what, nullptr));
  Fields fields(doc, what, "storage");
  StorageInfo info;
  info.driver = fields.str("driver");
  if (fields.error()) return fail(*fields.error());
  if (info.driver.empty()) return corrupt(what, "no driver recorded");
  return info;
}

std::string encode_storage_info(const StorageInfo& info) {
  return dump(json{{"version", kStoreFormatVersion}, {"driver", info.driver}});
}

Result<std::vector<LayerRecord>> decode_layers(std::string_view text, std::string_view what) {
  json array = NOOK_TRY(parse_document(text, what, "layers"));
  std::vector<LayerRecord> out;
  out.reserve(array.size());
  for (const json& item : array) {
    if (!item.is_object()) return corrupt(what, "a layer entry is not an object");
    Fields fields(item, what, "layer");
    LayerRecord record;
    record.id = fields.str("id");
    record.parent = fields.str("parent");
    std::optional<image::Digest> diff_id = fields.digest("diff_id");
    record.uncompressed_size = fields.integer("uncompressed_size", 0);
    record.compressed_digest = fields.digest("compressed_digest");
    record.compressed_size = fields.integer("compressed_size", -1);
    record.created = fields.str("created");
    if (fields.error()) return fail(*fields.error());
    if (record.id.empty()) return corrupt(what, "a layer entry has no id");
    if (diff_id) record.diff_id = std::move(*diff_id);
    out.push_back(std::move(record));
  }
  return out;
}

std::string encode_layers(const std::vector<LayerRecord>& layers) {
  json array = json::array();
  for (const LayerRecord& layer : layers) {
    json item{{"id", layer.id},
              {"parent", layer.parent},
              {"diff_id", layer.diff_id.hex.empty() ? std::string() : layer.diff_id.string()},
              {"uncompressed_size", layer.uncompressed_size},
              {"created", layer.created}};
    if (layer.compressed_digest) {
      item["compressed_digest"] = layer.compressed_digest->string();
      item["compressed_size"] = layer.compressed_size;
    }
    array.push_back(std::move(item));
  }
  return dump(json{{"version", kStoreFormatVersion}, {"layers", std::move(array)}});
}

Result<std::vector<ImageRecord>> decode_images(std::string_view text, std::string_view what) {
  json array = NOOK_TRY(parse_document(text, what, "images"));
  std::vector<ImageRecord> out;
  out.reserve(array.size());
  for (const json& item : array) {
    if (!item.is_object()) return corrupt(what, "an image entry is not an object");
    Fields fields(item, what, "image");
    ImageRecord record;
    record.id = fields.str("id");
    record.names = fields.strings("names");
    record.digests = fields.strings("digests");
    record.repo_digests = fields.strings("repo_digests");
    record.layers = fields.strings("layers");
    record.top_layer = fields.str("top_layer");
    record.manifest_media_type = fields.str("manifest_media_type");
    record.size = fields.integer("size", 0);
    record.created = fields.str("created");
    record.pulled = fields.str("pulled");
    record.history_names = fields.strings("history_names");
    if (fields.error()) return fail(*fields.error());
    if (record.id.empty()) return corrupt(what, "an image entry has no id");
    out.push_back(std::move(record));
  }
  return out;
}

std::string encode_images(const std::vector<ImageRecord>& images) {
  json array = json::array();
  for (const ImageRecord& image : images) {
    array.push_back(json{{"id", image.id},
                         {"names", image.names},
                         {"digests", image.digests},
                         {"repo_digests", image.repo_digests},
                         {"layers", image.layers},
                         {"top_layer", image.top_layer},
                         {"manifest_media_type", image.manifest_media_type},
                         {"size", image.size},
                         {"created", image.created},
                         {"pulled", image.pulled},
                         {"history_names", image.history_names}});
  }
  return dump(json{{"version", kStoreFormatVersion}, {"images", std::move(array)}});
}

}  // namespace nook::storage
