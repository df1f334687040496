// The image store: layers unpacked once each, and image records that name them.
//
// Layout under the graph root (DESIGN.md "Storage layout"; format version in storage.json):
//   storage.json                 {"version": 1, "driver": "overlay"}: the driver is persisted on
//                                first use; a later open with another driver is refused
//   store.lock                   flock: shared while a command reads or adds, exclusive to delete
//   meta.lock                    flock: exclusive for the short read-modify-write of the indexes
//   layers.json                  every committed layer (LayerRecord), one array
//   images.json                  every image (ImageRecord), one array
//   layers/<id>/diff/            the layer's unpacked files (overlay form for overlay drivers; a
//                                full copy of parent + this layer for vfs)
//   layers/<id>/tar-split.zst    what rebuilds the original tar (lib/archive/tar_split.h); may be
//                                missing (a layer created locally): push/save then write a new tar
//   images/<id>/manifest         the manifest bytes as pulled (plus manifest-<digest-hex> for each
//                                further manifest digest the image is known by)
//   images/<id>/config.json      the image config bytes (its sha256 is the image id)
//   staging/<random>/            a layer or image being written; staging/<random>.lock is held
//                                (flock) by the writing process; an unlocked staging entry is
//                                left by a dead process and removed by the next open()
//
// Identifiers: a layer's id is the hex of its chain id (OCI image-spec config.md: ChainID(L0) =
// DiffID(L0), ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))), so equal stacks share
// layers across images; an image's id is the hex of its config digest.
//
// Concurrency: any number of processes may pull at once. Layer content is written in a private
// staging directory and renamed into place; when another process committed the same layer first
// the loser drops its copy. Index updates happen under meta.lock with atomic rewrites
// (write_file_atomic), so readers need no lock and never see a half-written index. Deleting
// layers (remove_image, prune) takes store.lock exclusively, so it waits for running pulls.
//
// Rootless: layer files belong to the user's subordinate ids; every call that writes or deletes
// layer content must run inside the user namespace (rootless/userns.h). Listing and reading
// records do not need it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/image/digest.h"
#include "lib/sys/lock.h"
#include "lib/util/error.h"

namespace nook::storage {

inline constexpr int kStoreFormatVersion = 1;

struct StoreOptions {
  std::string graph_root;  // created (0700) if missing
  std::string run_root;    // runtime state (not used by images yet)
  // "overlay", "fuse-overlayfs" or "vfs" (storage::choose_driver); "" = whatever storage.json
  // says (read-only commands do not probe), and "overlay" for a new store.
  std::string driver;
  bool rootless = false;   // extraction mode; see lib/archive/extract.h
  // Read-only open: nothing is created or cleaned; a missing graph root is an empty store.
  bool read_only = false;
};

struct LayerRecord {
  std::string id;                       // chain id hex
  std::string parent;                   // parent's id, "" for a base layer
  image::Digest diff_id;                // digest of the uncompressed tar
  int64_t uncompressed_size = 0;        // bytes of the uncompressed tar
  std::optional<image::Digest> compressed_digest;  // the blob it was pulled as, when known
  int64_t compressed_size = -1;
  std::string created;                  // RFC 3339, when committed
};

struct ImageRecord {
  std::string id;                   // config digest hex
  std::vector<std::string> names;   // canonical "domain/path:tag" references, most recent first
  // Manifest digests the image is known by ("sha256:..."); the first is the one `digest` reports.
  std::vector<std::string> digests;
  // "domain/path@sha256:..." for each repository it was pulled from by digest or tag (podman's
  // RepoDigests).
  std::vector<std::string> repo_digests;
  std::vector<std::string> layers;  // layer ids, base first
  std::string top_layer;            // layers.back(), "" for an image without layers
  std::string manifest_media_type;
  int64_t size = 0;                 // sum of the layers' uncompressed sizes
  std::string created;              // the config's "created"
  std::string pulled;               // RFC 3339, when the record was first written ("Created" in
                                    // podman's storage is the config's; this is nook's own)
  // Names the image had before a re-pull or tag moved them away; shown as <none> with -a.
  std::vector<std::string> history_names;
};

// Writing one layer: open with begin_layer(), extract into dir(), then commit(). Destroying an
// uncommitted writer removes its staging directory.
class LayerWriter {
 public:
  LayerWriter(LayerWriter&&) noexcept;
  LayerWriter& operator=(LayerWriter&&) noexcept;
  ~LayerWriter();
  // The directory to extract into (empty, or for vfs a copy of the parent's content).
  const std::string& dir() const;
  // Where the pipeline writes the layer's tar-split record (moved along on commit).
  const std::string& split_path() const;
  // Renames the content into layers/<id>/diff and adds the record. If the layer appeared
  // meanwhile (another process), the staged copy is dropped and the existing record returned.
  [[nodiscard]] Result<LayerRecord> commit(LayerRecord record);

 private:
  friend class Store;
  struct State;
  explicit LayerWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// What remove_image / prune did.
struct RemoveReport {
  std::vector<std::string> untagged;  // names removed ("docker.io/library/busybox:latest")
  std::vector<std::string> deleted;   // image ids deleted
  std::vector<std::string> layers_deleted;
};

class Store {
 public:
  // Opens (and unless read_only creates) the store: checks storage.json's version and driver,
  // takes store.lock shared for the lifetime of the Store, and removes staging entries left by
  // dead processes. InvalidState "database storage graph driver \"vfs\" does not match our storage
  // graph driver \"overlay\"" when the persisted driver differs (podman's message).
  [[nodiscard]] static Result<Store> open(const StoreOptions& options);
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  const StoreOptions& options() const;
  std::string layer_dir(std::string_view layer_id) const;         // <root>/layers/<id>/diff
  std::string layer_split_path(std::string_view layer_id) const;  // <root>/layers/<id>/tar-split.zst

  // --- layers
  [[nodiscard]] Result<std::vector<LayerRecord>> layers() const;
  [[nodiscard]] Result<std::optional<LayerRecord>> find_layer(std::string_view layer_id) const;
  // Starts writing layer `layer_id` whose parent is `parent_id` ("" for a base layer); for vfs the
  // parent's content is copied into the staging dir first (so vfs layers must be written in order).
  [[nodiscard]] Result<LayerWriter> begin_layer(std::string_view layer_id, std::string_view parent_id);

  // --- images
  [[nodiscard]] Result<std::vector<ImageRecord>> images() const;
  // By full id, unique id prefix (at least 3 hex characters), "sha256:<id>", a name exactly as
  // stored, or "name@sha256:<manifest digest>". NotFound "image not known" otherwise;
  // InvalidArgument when an id prefix is ambiguous.
  [[nodiscard]] Result<ImageRecord> find_image(std::string_view key) const;
  // Adds or updates the image `record.id`: its manifest and config bytes are written first, then
  // the record. Names in record.names are taken away from any other image that had them (that one
  // keeps its other names, or becomes dangling). Every layer named must exist.
  [[nodiscard]] Result<ImageRecord> put_image(const ImageRecord& record, std::string_view manifest,
                                              std::string_view config);
  [[nodiscard]] Result<std::string> read_manifest(std::string_view image_id) const;
  [[nodiscard]] Result<std::string> read_config(std::string_view image_id) const;
  // Adds `name` to the image (taking it from any other image); no-op if present.
  [[nodiscard]] Result<void> add_name(std::string_view image_id, std::string_view name);
  // Removes `name` from the image; NotFound if the image does not have it.
  [[nodiscard]] Result<void> remove_name(std::string_view image_id, std::string_view name);
  // Deletes the image record and every layer no other image uses. `in_use` is asked per layer id
  // whether a container needs it (containers come later; nullptr: none). Takes store.lock
  // exclusively for the deletion (waits for pulls in progress in other processes).
  [[nodiscard]] Result<RemoveReport> remove_image(std::string_view image_id,
                                                  const std::function<bool(std::string_view)>& in_use = nullptr);
  // Removes layers no image references (and staging leftovers). Returns the layer ids removed.
  [[nodiscard]] Result<std::vector<std::string>> collect_garbage(
      const std::function<bool(std::string_view)>& in_use = nullptr);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ChainID of `parent_chain` (hex, "" for none) and `diff_id`: hex of sha256("sha256:<p> sha256:<d>").
std::string chain_id(std::string_view parent_chain, const image::Digest& diff_id);

}  // namespace nook::storage
