#include "lib/image/docker_archive.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "lib/image/json_adapter.h"

namespace nook::image {

namespace {

Result<std::string> member_path(const nlohmann::json& value, std::string_view what) {
  if (!value.is_string()) return fail(ErrorKind::Corrupt, fmt::format("manifest.json: {} is not a string", what));
  std::string path = value.get<std::string>();
  if (!is_safe_member_path(path)) {
    return fail(ErrorKind::Corrupt, fmt::format("manifest.json: {} {:?} points outside the archive", what, path));
  }
  return path;
}

}  // namespace

bool is_safe_member_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view comp = path.substr(pos, end - pos);
    if (comp.empty() || comp == "." || comp == "..") return false;
    pos = end + 1;
  }
  return true;
}

Result<std::vector<DockerArchiveImage>> parse_docker_archive_manifest(std::string_view bytes) {
  nlohmann::json parsed = NOOK_TRY(parse_json(bytes, "manifest.json"));
  if (!parsed.is_array()) return fail(ErrorKind::Corrupt, "manifest.json is not a JSON array");
  if (parsed.empty()) return fail(ErrorKind::Corrupt, "manifest.json lists no images");
  std::vector<DockerArchiveImage> out;
  for (size_t i = 0; i < parsed.size(); ++i) {
    const nlohmann::json& item = parsed[i];
    std::string prefix = fmt::format("image {}", i);
    if (!item.is_object()) return fail(ErrorKind::Corrupt, fmt::format("manifest.json: {} is not an object", prefix));
    DockerArchiveImage image;
    if (!item.contains("Config")) return fail(ErrorKind::Corrupt, fmt::format("manifest.json: {} has no Config", prefix));
    image.config = NOOK_TRY(member_path(item["Config"], prefix + " Config"));
    if (item.contains("RepoTags") && !item["RepoTags"].is_null()) {
      if (!item["RepoTags"].is_array()) return fail(ErrorKind::Corrupt, fmt::format("manifest.json: {} RepoTags is not a list", prefix));
      for (const auto& tag : item["RepoTags"]) {
        if (!tag.is_string()) return fail(ErrorKind::Corrupt, fmt::format("manifest.json: {} RepoTags has a non-string", prefix));
        image.repo_tags.push_back(tag.get<std::string>());
      }
    }
    if (!item.contains("Layers") || !item["Layers"].is_array()) {
      return fail(ErrorKind::Corrupt, fmt::format("manifest.json: {} has no Layers list", prefix));
    }
    for (const auto& layer : item["Layers"]) image.layers.push_back(NOOK_TRY(member_path(layer, prefix + " layer")));
    out.push_back(std::move(image));
  }
  return out;
}

std::string encode_docker_archive_manifest(const std::vector<DockerArchiveImage>& images) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const DockerArchiveImage& image : images) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    item["Config"] = image.config;
    item["RepoTags"] = image.repo_tags;
    item["Layers"] = image.layers;
    out.push_back(item);
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string encode_docker_repositories(const std::vector<std::pair<std::string, std::string>>& tag_to_top_layer) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [name, layer] : tag_to_top_layer) {
    size_t colon = name.rfind(':');
    if (colon == std::string::npos || name.find('/', colon) != std::string::npos) continue;
    out[name.substr(0, colon)][name.substr(colon + 1)] = layer;
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace nook::image
