// The store's index files as text: storage.json, layers.json and images.json (lib/storage/store.h
// describes the layout). Pure functions, no I/O; lib/storage/store.cc reads and writes the files.
//
//   storage.json  {"version": 1, "driver": "overlay"}
//   layers.json   {"version": 1, "layers": [{"id", "parent", "diff_id", "uncompressed_size",
//                  "compressed_digest", "compressed_size", "created"}, ...]}
//   images.json   {"version": 1, "images": [{"id", "names", "digests", "repo_digests", "layers",
//                  "top_layer", "manifest_media_type", "size", "created", "pulled",
//                  "history_names"}, ...]}
//
// Decoding checks types and refuses any version but kStoreFormatVersion (Unsupported); `what` (the
// file's path) names the file in every error. Unknown keys are ignored so a newer nook may add some.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/storage/store.h"
#include "lib/util/error.h"

namespace nook::storage {

struct StorageInfo {
  int version = kStoreFormatVersion;
  std::string driver;
};

[[nodiscard]] Result<StorageInfo> decode_storage_info(std::string_view text, std::string_view what);
std::string encode_storage_info(const StorageInfo& info);

[[nodiscard]] Result<std::vector<LayerRecord>> decode_layers(std::string_view text, std::string_view what);
std::string encode_layers(const std::vector<LayerRecord>& layers);

[[nodiscard]] Result<std::vector<ImageRecord>> decode_images(std::string_view text, std::string_view what);
std::string encode_images(const std::vector<ImageRecord>& images);

}  // namespace nook::storage
