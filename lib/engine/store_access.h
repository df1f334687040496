// Opening the image store the way every image command does: the driver decided once per store
// (an explicit --storage-driver / config choice, else the one storage.json persisted, else a real
// overlay probe), the graph root from the configuration. Internal to lib/engine.
#pragma once

#include <string>

#include "lib/engine/engine.h"
#include "lib/storage/driver.h"
#include "lib/storage/store.h"
#include "lib/util/error.h"

namespace nook::engine {

// The driver this store uses and why. Probing forks: call before any thread exists.
storage::DriverChoice decide_driver(const Settings& settings);

// A writable store (created if missing; staging leftovers of dead processes cleaned). Rootless,
// the caller must already be in the user namespace (verbs with needs_userns).
[[nodiscard]] Result<storage::Store> open_store(const Settings& settings);

// A read-only view for listing and inspecting: no probe, nothing created; a store that does not
// exist yet is empty.
[[nodiscard]] Result<storage::Store> open_store_read_only(const Settings& settings);

// An image the user named, found the way podman's libimage LookupImage does: full id, id
// prefix or "sha256:<id>", a name exactly as stored or "name@digest", then the short-name
// candidates (image::local_candidates: alias, localhost/NAME, NAME under each search registry).
struct FoundImage {
  storage::ImageRecord record;
  std::string resolved;  // the stored name matched, else what the user typed
};
// NotFound "NAME: image not known" when nothing matches.
[[nodiscard]] Result<FoundImage> find_local_image(const storage::Store& store, const Settings& settings,
                                                  std::string_view name);

}  // namespace nook::engine
