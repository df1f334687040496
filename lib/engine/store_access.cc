// Choosing the store's driver and opening it (see store_access.h).
#include "lib/engine/store_access.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "lib/image/short_name.h"

#include "lib/host/host.h"
#include "lib/storage/index.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"

namespace nook::engine {

namespace {

// The driver a store was created with, from its storage.json; "" when there is none (or it does
// not parse: Store::open reports that).
std::string persisted_driver(const std::string& graph_root) {
  std::string path = graph_root + "/storage.json";
  auto text = sys::read_file(path);
  if (!text) return {};
  auto info = storage::decode_storage_info(*text, path);
  return info ? info->driver : std::string();
}

// An explicit choice: nook's own settings or flags. podman's storage.conf says "overlay" for the
// whole overlay family (kernel or fuse-overlayfs through mount_program), so it pins nothing then.
bool explicitly_configured(const config::Config& cfg) {
  bool from_podman_storage_conf = cfg.storage_driver_source == cfg.storage_conf.path && !cfg.storage_conf.path.empty();
  return cfg.storage_driver_source != "default" && !(from_podman_storage_conf && cfg.storage_driver == "overlay");
}

}  // namespace

storage::DriverChoice decide_driver(const Settings& settings) {
  const config::Config& cfg = settings.config;
  bool rootless = settings.env.rootless();
  storage::DriverFacts facts;
  facts.rootless = rootless;
  if (explicitly_configured(cfg)) {
    facts.configured = cfg.storage_driver;
    facts.configured_by = cfg.storage_driver_source;
  } else if (std::string persisted = persisted_driver(cfg.graph_root); !persisted.empty()) {
    return {persisted, "chosen when the store was created (" + cfg.graph_root + "/storage.json)"};
  } else {
    auto made = sys::make_dirs(cfg.graph_root, 0700);
    auto scratch = made ? sys::make_temp_dir(cfg.graph_root, ".driver-probe-") : fail(made.error());
    if (scratch) {
      auto probe = storage::probe_kernel_overlay(scratch->path(), rootless);
      NOOK_DEBUG(Store, "kernel overlay probe in {}: {}", scratch->path(),
                 probe ? std::string("mounted") : probe.error().message());
      facts.kernel_overlay_works = probe.has_value();
      if (!probe) facts.kernel_overlay_error = probe.error().message();
    } else {
      facts.kernel_overlay_error = scratch.error().message();
    }
  }
  std::string search_path = settings.env.get("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  for (const std::string& dir : cfg.containers_conf.engine.helper_binaries_dir) search_path += ":" + dir;
  facts.fuse_overlayfs = host::find_in_path("fuse-overlayfs", search_path).value_or("");
  auto fuse = sys::open_file("/dev/fuse", O_RDWR | O_CLOEXEC);
  facts.dev_fuse_usable = fuse.has_value();
  auto choice = storage::choose_driver(facts);
  if (!choice) return {cfg.storage_driver, choice.error().message()};
  return *choice;
}

Result<storage::Store> open_store(const Settings& settings) {
  storage::DriverChoice driver = decide_driver(settings);
  NOOK_DEBUG(Store, "opening {} with driver {} ({})", settings.config.graph_root, driver.driver, driver.reason);
  return storage::Store::open({.graph_root = settings.config.graph_root,
                               .run_root = settings.config.run_root,
                               .driver = driver.driver,
                               .rootless = settings.env.rootless()});
}

Result<storage::Store> open_store_read_only(const Settings& settings) {
  return storage::Store::open({.graph_root = settings.config.graph_root,
                               .run_root = settings.config.run_root,
                               .driver = "",
                               .rootless = settings.env.rootless(),
                               .read_only = true});
}

Result<FoundImage> find_local_image(const storage::Store& store, const Settings& settings, std::string_view name) {
  std::string not_known = fmt::format("{}: image not known", name);
  if (name.empty()) return fail(ErrorKind::NotFound, not_known);
  if (name.starts_with("sha256:")) {
    auto found = store.find_image(name);
    if (!found) {
      return fail(found.error().kind() == ErrorKind::NotFound ? Error(ErrorKind::NotFound, not_known) : found.error());
    }
    return FoundImage{*found, std::string(name)};
  }
  auto direct = store.find_image(name);
  if (direct) return FoundImage{*direct, std::string(name)};
  if (direct.error().kind() != ErrorKind::NotFound) return fail(direct.error());
  for (const image::Reference& candidate : image::local_candidates(name, settings.config.registries)) {
    std::string text = candidate.string();
    auto found = store.find_image(text);
    if (found) {
      // A name@digest lookup resolves to the repository name the image is stored under.
      return FoundImage{*found, candidate.digest.empty() ? text : std::string(name)};
    }
    if (found.error().kind() != ErrorKind::NotFound) return fail(found.error());
  }
  return fail(ErrorKind::NotFound, not_known);
}

}  // namespace nook::engine
