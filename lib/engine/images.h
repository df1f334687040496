// The local image verbs: images, image inspect, history, image tree, image exists, tag, untag, rmi,
// image prune. Included by lib/engine/engine.h; podman 4.3's behaviour, messages and JSON shapes.
//
// Looking up an image by what the user typed (podman's libimage LookupImage): a full id, an id
// prefix, "sha256:<id>", a stored name, "name@sha256:<manifest digest>", else the short-name
// candidates (image::local_candidates: alias, localhost/NAME, NAME under each search registry,
// with ":latest" when no tag is given). Not found: NotFound "NAME: image not known".
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/config.h"
#include "lib/config/environment.h"
#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

// --- images / image ls
struct ImageListOptions {
  bool all = false;                  // -a: include intermediate images
  std::vector<std::string> filters;  // --filter KEY=VALUE / KEY!=VALUE
  std::string sort = "created";      // created, id, repository, size, tag
  bool no_trunc = false;             // ids as "sha256:<64 hex>" instead of 12 hex
};

struct ImageListReport {
  // One row per repository:tag (one <none> row for an untagged image), sorted; the fields a
  // --format template sees: Repository, Tag, ID (display form), Id (full), Created ("2 minutes
  // ago"), CreatedAt (Go's time string), CreatedSince, CreatedTime, Size ("4.26 MB"), Digest,
  // History (joined), Names, RepoTags, RepoDigests, Labels, VirtualSize, SharedSize, Containers,
  // ReadOnly, Dangling, ParentId, ConfigDigest.
  nlohmann::json rows = nlohmann::json::array();
  // `--format json`: podman's ImageSummary per row with RepoTags null, Created (unix seconds) and
  // CreatedAt (RFC 3339 nano).
  nlohmann::json json = nlohmann::json::array();
  // -q: the display ids, each once, in row order.
  std::vector<std::string> ids;
};

// Errors: InvalidArgument for a bad --sort ("\"x\" is not a valid field for sorting. Choose
// from: created, id, repository, size, tag") or filter ("unsupported image filter \"x\"").
[[nodiscard]] Result<ImageListReport> list_images(const Settings& settings, const ImageListOptions& options);

// Header names for the image list table (podman: ID -> "IMAGE ID", ReadOnly -> "R/O").
std::map<std::string, std::string> image_list_headers();

// A list rendered with a --format or a built-in "table ..." format (lib/format render_list): the
// row template per element, headers for "table" formats unless `noheading`.
[[nodiscard]] Result<std::string> render_rows(std::string_view format, const nlohmann::json& rows, bool noheading,
                                              const std::map<std::string, std::string>& header_overrides);

// The JSON text podman prints for an array of image objects, keys in podman's (Go struct) order
// rather than sorted, indented by `indent` spaces.
enum class ImageJsonKind { List, Inspect, History };
std::string image_json_text(const nlohmann::json& array, ImageJsonKind kind, int indent);

// --- inspect
struct ImageInspectReport {
  nlohmann::json data = nlohmann::json::array();  // podman's ImageData per image found
  std::vector<Error> errors;                      // one per name not found, in order
};
// `type_all`: the message for a missing name is podman inspect's "no such object: \"x\"" (the
// --type all search over containers and images) instead of "x: image not known".
[[nodiscard]] Result<ImageInspectReport> inspect_images(const Settings& settings,
                                                        const std::vector<std::string>& names, bool type_all);

// --- history
struct ImageHistoryOptions {
  bool human = true;      // Created as "2 weeks ago" (else RFC 3339)
  bool no_trunc = false;  // full ids and CREATED BY
};
struct ImageHistoryReport {
  // ImageHistoryLayer per config history entry, newest first: id ("<missing>" for entries no
  // image's top layer matches), created (RFC 3339), CreatedBy, tags, size, comment.
  nlohmann::json json = nlohmann::json::array();
  // The template view: ID (12 hex unless no_trunc), Created, CreatedBy (45 columns unless
  // no_trunc), Size ("1.46 MB"), Comment, Tags.
  nlohmann::json rows = nlohmann::json::array();
};
[[nodiscard]] Result<ImageHistoryReport> image_history(const Settings& settings, std::string_view name,
                                                       const ImageHistoryOptions& options);

// --- image tree: podman's text (Image ID, Tags, Size, Image Layers and the layer lines).
// `what_requires`: the layers above the image's top layer instead of the ones below.
[[nodiscard]] Result<std::string> image_tree(const Settings& settings, std::string_view name, bool what_requires);

// --- image exists
[[nodiscard]] Result<bool> image_exists(const Settings& settings, std::string_view name);

// --- tag / untag
// podman's libimage NormalizeName: a name without a registry gets "localhost/", docker.io names
// get "library/", ":latest" is added; InvalidArgument "normalizing name \"x\": ..." otherwise.
[[nodiscard]] Result<std::string> normalize_image_name(std::string_view name);
// Adds every target name to the image (taking it from any image that had it).
[[nodiscard]] Result<void> tag_image(const Settings& settings, std::string_view image,
                                     const std::vector<std::string>& targets);
// Removes the names (all of them when `names` is empty). A name the image does not have:
// NotFound "NAME: tag not known".
[[nodiscard]] Result<void> untag_image(const Settings& settings, std::string_view image,
                                       const std::vector<std::string>& names);

// --- rmi / image rm
struct RemoveImagesOptions {
  bool all = false;     // -a
  bool force = false;   // -f: remove an image referenced by id although it has several names
  bool ignore = false;  // -i: a missing image is no error
};
struct RemoveImagesReport {
  std::vector<std::string> untagged;  // "Untagged: NAME" lines
  std::vector<std::string> deleted;   // "Deleted: ID" lines
  std::vector<Error> errors;          // per name, in order
  // podman's exit code: 0, 1 when every error is a missing image, 2 for an image in use, else 125.
  int exit_code = 0;
};
// The store must be writable (the caller entered the user namespace). A failure to open the
// store is the only error returned directly; everything per image is in the report.
[[nodiscard]] Result<RemoveImagesReport> remove_images(const Settings& settings, const std::vector<std::string>& names,
                                                       const RemoveImagesOptions& options);

// --- image prune
struct PruneImagesOptions {
  bool all = false;                  // every unused image, not just dangling ones
  std::vector<std::string> filters;  // label=, label!=, until= (as podman: dangling is implied)
};
// The ids removed, in removal order.
[[nodiscard]] Result<std::vector<std::string>> prune_images(const Settings& settings,
                                                            const PruneImagesOptions& options);

}  // namespace nook::engine
