// Pure formatting for the image verbs: podman's human sizes and durations, Go's time layouts, and
// the JSON shapes podman prints for images (entities.ImageSummary for `images`, libimage's
// ImageData for `image inspect`, ImageHistoryLayer for `history`), built from a store record and
// the image's config and manifest bytes. No I/O; internal to lib/engine (cmd/ sees lib/engine/images.h).
//
// JSON keys are podman's; objects print in nlohmann's key order (sorted), not Go's struct order.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/storage/store.h"

namespace nook::engine {

// A point in time, seconds since the epoch (UTC) plus nanoseconds.
struct Timestamp {
  int64_t seconds = 0;
  int32_t nanos = 0;
  auto operator<=>(const Timestamp&) const = default;
};

// The current time (CLOCK_REALTIME).
Timestamp now();
// now() - t in seconds.
double seconds_since(const Timestamp& t);

// RFC 3339 with optional fraction and a "Z" or "+hh:mm" offset ("2024-01-02T03:04:05.5+01:00");
// nullopt for anything else (including "").
std::optional<Timestamp> parse_rfc3339(std::string_view text);
// Go's time.RFC3339Nano in UTC: "2024-01-02T02:04:05.5Z" (fraction without trailing zeros).
std::string format_rfc3339_nano(Timestamp t);
// Go's time.RFC3339 in UTC: "2024-01-02T02:04:05Z".
std::string format_rfc3339(Timestamp t);
// Go's Time.String() of a UTC time: "2024-01-02 02:04:05.5 +0000 UTC".
std::string go_time_string(Timestamp t);

// go-units HumanSizeWithPrecision: decimal units (B kB MB GB ...), "%.*g" of the value: "4.26MB".
std::string human_size(double size, int precision);
// podman's Size() column: human_size(size, 3) with a space before the unit: "4.26 MB", "0 B".
std::string spaced_size(int64_t size);
// go-units HumanDuration: "Less than a second", "2 minutes", "About an hour", "3 weeks" ...
std::string human_duration(double seconds);

// What the image verbs know about one image.
struct ImageFacts {
  storage::ImageRecord record;
  nlohmann::json config;    // the parsed config (an object; {} when unreadable)
  nlohmann::json manifest;  // the parsed manifest (an object; {} when unreadable)
  int64_t size = 0;         // layers + manifest + config bytes (containers/storage's ImageSize)
};

// podman's NamesHistory: the current names, then earlier names, most recent first, no duplicates.
std::vector<std::string> names_history(const storage::ImageRecord& record);
// podman's RepoDigests: "repo@digest" for every repository the image is named in and every manifest
// digest it is known by, plus the store's own repo_digests; no duplicates.
std::vector<std::string> repo_digests(const storage::ImageRecord& record);
// The image's "created" time from the record (the config's), or the epoch when unparsable.
Timestamp image_created(const ImageFacts& facts);

// entities.ImageSummary: Id, ParentId, RepoTags, RepoDigests, Created (unix seconds), Size,
// SharedSize, VirtualSize, Labels, Containers, Dangling (only when true), Names, Digest,
// ConfigDigest, History (the last three omitted when empty).
nlohmann::json image_summary(const ImageFacts& facts);

// The graph driver part of inspect: {"Name": driver, "Data": {LowerDir, UpperDir, WorkDir}} (vfs: UpperDir only).
struct GraphDriverInfo {
  std::string name;
  nlohmann::json data;
};

// libimage ImageData (podman image inspect): Id, Digest, RepoTags, RepoDigests, Parent, Comment,
// Created, Config (the OCI subset of the config's "config"), Version, Author, Architecture, Os,
// Size, VirtualSize, GraphDriver, RootFS {Type, Layers}, Labels, Annotations, ManifestType, User,
// History, NamesHistory, and Healthcheck when the config has one.
nlohmann::json image_inspect_data(const ImageFacts& facts, const GraphDriverInfo& driver);

// A tree printed as github.com/disiqueira/gotree does (podman image tree): the root text, then
// each child prefixed "├── " / "└── ", deeper levels indented with "│   " / "    ".
struct TextTree {
  std::string text;
  std::vector<TextTree> children;
};
std::string render_text_tree(const TextTree& tree);

}  // namespace nook::engine
