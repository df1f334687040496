// The `docker save` archive format (docker-archive): a tar holding "manifest.json"
// ([{"Config": "<hex>.json", "RepoTags": ["busybox:latest"], "Layers": ["<hex>.tar", ...]}, ...],
// one element per image), each image's config, its layers as uncompressed (or compressed) tars,
// and the legacy "repositories" file. Several images may share one archive. Pure encoding and
// decoding; the tar itself is read and written by the caller.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::image {

struct DockerArchiveImage {
  std::string config;                  // member path of the config
  std::vector<std::string> repo_tags;  // familiar names as docker writes them ("busybox:latest")
  std::vector<std::string> layers;     // member paths, base layer first
};

// Parses manifest.json. Corrupt for bad JSON, missing fields, an empty list, and member paths that
// are absolute or contain ".." (a hostile archive must not read outside itself).
[[nodiscard]] Result<std::vector<DockerArchiveImage>> parse_docker_archive_manifest(std::string_view bytes);

// manifest.json bytes.
std::string encode_docker_archive_manifest(const std::vector<DockerArchiveImage>& images);

// The legacy "repositories" file: {"REPO": {"TAG": "<top layer id hex>"}} for each repo_tag.
std::string encode_docker_repositories(const std::vector<std::pair<std::string, std::string>>& tag_to_top_layer);

// True when `path` is a relative member path without "..", "." or empty components.
bool is_safe_member_path(std::string_view path);

}  // namespace nook::image
