// Moving images out of and into the store other than by pulling from a registry: `save`, `load`,
// `push` (to a registry or any transport of lib/image/transport.h) and pulling from the
// non-registry transports (oci:, oci-archive:, docker-archive:, dir:).
//
// Layer tars come out of the store byte for byte as they went in: archive::rebuild_tar() from the
// layer's tar-split record and its files, checked against the layer's DiffID while it streams
// (Corrupt "layer sha256:...: rebuilt tar does not match its diff ID" otherwise), so the image
// config and its id never change. A layer without a tar-split record (made locally) is refused
// with Unsupported for now.
//
// Layers read from archives and layouts are unpacked with archive::extract_layer (paths that
// leave the layer are refused, nothing of the image is kept then) and get their tar-split record,
// so a loaded image can be saved and pushed again with identical DiffIDs.
//
// The caller must already be in the rootless user namespace (the verbs have needs_userns).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/engine/pull.h"
#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

// --- save
struct SaveOptions {
  std::string output;         // -o FILE (a directory for oci-dir / docker-dir); "" = output_fd
  int output_fd = -1;         // borrowed; used when output is "" (stdout), archive formats only
  std::string format = "docker-archive";  // oci-archive, oci-dir, docker-archive, docker-dir
  bool multi_image = false;   // -m: every name is an image (else the 2nd.. are extra tags)
  bool compress = false;      // gzip layers (oci-dir and docker-dir only)
};
// Errors: NotFound "NAME: image not known" for a missing image (before anything is written);
// InvalidArgument for a bad format/flag combination with podman's messages.
[[nodiscard]] Result<void> save_images(const Settings& settings, const std::vector<std::string>& names,
                                       const SaveOptions& options);

// --- load
struct LoadOptions {
  std::string input;   // -i FILE; "" = input_fd
  int input_fd = -1;   // borrowed (stdin)
};
// Detects docker-archive (manifest.json) and oci-archive (oci-layout + index.json), plain or
// compressed. Returns the names loaded, one per "Loaded image: NAME" line (the image id as
// "sha256:<hex>" for an image without a name).
[[nodiscard]] Result<std::vector<std::string>> load_images(const Settings& settings, const LoadOptions& options,
                                                           PullProgress* progress);

// --- pull from oci:, oci-archive:, docker-archive:, dir:
// `reference` is a transport reference (lib/image/transport.h) naming one of those transports.
// The image gets the name the source gives it (ref.name annotation, RepoTags entry), else none.
[[nodiscard]] Result<std::vector<PulledImage>> pull_from_transport(const Settings& settings,
                                                                   std::string_view reference,
                                                                   PullProgress* progress);
// True when `reference` names a transport pull_from_transport handles.
bool is_local_transport(std::string_view reference);

// --- push
struct PushOptions {
  std::optional<bool> tls_verify;
  std::optional<std::string> creds;
  std::optional<std::string> authfile;
  std::optional<std::string> cert_dir;
  std::optional<std::string> digestfile;  // the manifest digest is written there
  std::string format;                     // "oci", "v2s2" ("docker"); "" = the image's own kind
  std::string compression_format;         // "gzip" (default), "zstd"
  bool remove_signatures = false;
  bool compress = false;                  // dir: destinations
};
// Pushes local `image` to `destination` (a transport reference; "" = the image's own name on its
// registry). Returns the manifest digest written.
[[nodiscard]] Result<std::string> push_image(const Settings& settings, std::string_view image,
                                             std::string_view destination, const PushOptions& options,
                                             PullProgress* progress);

}  // namespace nook::engine
