// The image store (lib/storage/store.h has the layout and the locking rules).
//
// Staging protocol: a writer picks a random name R, takes staging/R.lock exclusively, checks the
// lock file it holds is still the one at that path (a cleaner may have unlinked it between open
// and flock), then creates staging/R/. A cleaner (open, collect_garbage) takes staging/R.lock with
// try_exclusive; if that succeeds the owner is gone, so it removes staging/R and unlinks R.lock
// while still holding it. Lock files of finished writers are unlinked the same way.
//
// Index updates (layers.json, images.json, storage.json) are read-modify-write under meta.lock
// with write_file_atomic; readers take no lock. Layer commits rename the staging directory into
// layers/<id> under meta.lock too, so "directory present but no record" only happens when a
// process died between the rename and the index write (the next commit of that layer or
// collect_garbage removes it).
#include "lib/storage/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "lib/storage/driver.h"
#include "lib/storage/index.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "lib/sys/random.h"
#include "lib/util/log.h"
#include "lib/util/scope_exit.h"
#include "lib/util/strings.h"

namespace nook::storage {

namespace {

constexpr std::string_view kLockSuffix = ".lock";
constexpr size_t kMinIdPrefix = 3;

std::string join(std::string_view dir, std::string_view name) { return fmt::format("{}/{}", dir, name); }

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A full id: 64 lower-case hex digits (also keeps ids from naming paths outside the store).
bool is_full_id(std::string_view text) { return text.size() == 64 && is_hex(text); }

Result<void> check_id(std::string_view id, std::string_view what) {
  if (!is_full_id(id)) return fail(ErrorKind::InvalidArgument, fmt::format("invalid {} id {:?}", what, id));
  return {};
}

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  time_t seconds = static_cast<time_t>(nanos / 1000000000);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:09d}Z", buf, nanos % 1000000000);
}

Result<std::string> random_name() { return sys::random_hex(16); }

// Reads a file that may be missing (nullopt then).
Result<std::optional<std::string>> read_optional(const std::string& path) {
  auto text = sys::read_file(path);
  if (!text) {
    if (text.error().kind() == ErrorKind::NotFound) return std::optional<std::string>();
    return fail(text.error());
  }
  return std::optional<std::string>(std::move(*text));
}

// Unlinks a lock file we hold (nobody can be waiting for it: every user takes it with try_exclusive
// or created it under a random name).
void unlink_held_lock(const std::string& path) {
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
    NOOK_DEBUG(Store, "unlink {:?}: {}", path, Error::from_errno("unlink").message());
  }
}

// Removes staging entries whose writer is gone. Returns how many were removed.
Result<int> clean_staging(const std::string& staging) {
  std::vector<std::string> names = NOOK_TRY(sys::list_dir(staging));
  std::set<std::string> bases;
  for (const std::string& name : names) {
    std::string_view base = name;
    if (base.ends_with(kLockSuffix)) base.remove_suffix(kLockSuffix.size());
    bases.emplace(base);
  }
  int removed = 0;
  for (const std::string& base : bases) {
    std::string lock_path = join(staging, fmt::format("{}{}", base, kLockSuffix));
    auto lock = sys::FileLock::try_exclusive(lock_path);
    if (!lock) {
      if (lock.error().sys_errno() != EWOULDBLOCK) {
        NOOK_WARN(Store, "staging entry {:?}: {}", base, lock.error().message());
      }
      continue;  // a live writer
    }
    NOOK_DEBUG(Store, "removing staging leftover {:?}", base);
    auto removed_dir = sys::remove_all(join(staging, base));
    if (!removed_dir) return fail(removed_dir.error().context("removing a staging leftover"));
    unlink_held_lock(lock_path);
    ++removed;
  }
  return removed;
}

// Sums the uncompressed sizes of `ids` from `layers`.
int64_t layers_size(const std::vector<LayerRecord>& layers, const std::vector<std::string>& ids) {
  int64_t total = 0;
  for (const std::string& id : ids) {
    auto it = std::find_if(layers.begin(), layers.end(), [&](const LayerRecord& l) { return l.id == id; });
    if (it != layers.end()) total += it->uncompressed_size;
  }
  return total;
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

bool erase_value(std::vector<std::string>& list, std::string_view value) {
  auto it = std::find(list.begin(), list.end(), value);
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

// Takes `name` from every image but `keeper`; those images remember it in history_names.
void take_name(std::vector<ImageRecord>& images, const std::string& keeper, const std::string& name) {
  for (ImageRecord& other : images) {
    if (other.id == keeper) continue;
    if (erase_value(other.names, name)) {
      erase_value(other.history_names, name);
      other.history_names.insert(other.history_names.begin(), name);
    }
  }
}

// "domain/path:tag" -> "domain/path" (a ':' after the last '/' starts the tag).
std::string_view repository_of(std::string_view name) {
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    return name.substr(0, colon);
  }
  return name;
}

}  // namespace

std::string chain_id(std::string_view parent_chain, const image::Digest& diff_id) {
  if (parent_chain.empty()) return diff_id.hex;
  return image::sha256_hex(fmt::format("sha256:{} {}", parent_chain, diff_id.string()));
}

// ---------------------------------------------------------------------------------------------
// LayerWriter

struct LayerWriter::State {
  std::string root;
  std::string id;
  std::string parent;
  std::string staging;    // <root>/staging/<random>
  std::string lock_path;  // <root>/staging/<random>.lock
  std::string diff;
  std::string split;
  sys::FileLock lock;
  bool done = false;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() { discard(); }

  void discard() {
    if (done) return;
    done = true;
    auto removed = sys::remove_all(staging);
    if (!removed) {
      NOOK_WARN(Store, "removing staged layer {:?}: {}", staging, removed.error().message());
      return;  // keep the lock file: the next open() retries once we are gone
    }
    unlink_held_lock(lock_path);
  }
};

LayerWriter::LayerWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
LayerWriter::LayerWriter(LayerWriter&&) noexcept = default;
LayerWriter& LayerWriter::operator=(LayerWriter&&) noexcept = default;
LayerWriter::~LayerWriter() = default;

const std::string& LayerWriter::dir() const { return state_->diff; }
const std::string& LayerWriter::split_path() const { return state_->split; }

namespace {

std::string layers_path(std::string_view root) { return join(root, "layers.json"); }
std::string images_path(std::string_view root) { return join(root, "images.json"); }
std::string meta_lock_path(std::string_view root) { return join(root, "meta.lock"); }

Result<std::vector<LayerRecord>> load_layers(std::string_view root) {
  std::string path = layers_path(root);
  std::optional<std::string> text = NOOK_TRY(read_optional(path));
  if (!text) return std::vector<LayerRecord>();
  return decode_layers(*text, path);
}

Result<std::vector<ImageRecord>> load_images(std::string_view root) {
  std::string path = images_path(root);
  std::optional<std::string> text = NOOK_TRY(read_optional(path));
  if (!text) return std::vector<ImageRecord>();
  return decode_images(*text, path);
}

Result<void> save_layers(std::string_view root, const std::vector<LayerRecord>& layers) {
  return sys::write_file_atomic(layers_path(root), encode_layers(layers), 0600);
}

Result<void> save_images(std::string_view root, const std::vector<ImageRecord>& images) {
  return sys::write_file_atomic(images_path(root), encode_images(images), 0600);
}

}  // namespace

Result<LayerRecord> LayerWriter::commit(LayerRecord record) {
  if (!state_ || state_->done) return fail(ErrorKind::InvalidState, "layer writer already finished");
  State& st = *state_;
  if (record.id.empty()) record.id = st.id;
  if (record.id != st.id) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("layer record {:?} does not match the layer being written {:?}", record.id, st.id));
  }
  if (record.parent.empty()) record.parent = st.parent;
  if (record.parent != st.parent) {
    return fail(ErrorKind::InvalidArgument, fmt::format("layer {:?}: parent {:?} does not match {:?}", st.id,
                                                        record.parent, st.parent));
  }
  if (record.created.empty()) record.created = now_rfc3339();

  sys::FileLock meta = NOOK_TRY(sys::FileLock::exclusive(meta_lock_path(st.root)));
  std::vector<LayerRecord> layers = NOOK_TRY(load_layers(st.root));
  auto existing = std::find_if(layers.begin(), layers.end(), [&](const LayerRecord& l) { return l.id == st.id; });
  if (existing != layers.end()) {
    LayerRecord found = *existing;
    meta.unlock();
    NOOK_DEBUG(Store, "layer {} was committed by another process; dropping our copy", st.id);
    st.discard();
    return found;
  }
  std::string target = join(join(st.root, "layers"), st.id);
  if (NOOK_TRY(sys::path_exists(target))) {
    // Renamed by a process that died before writing the index (we hold meta.lock: nobody is
    // committing it now).
    NOOK_DEBUG(Store, "removing half-committed layer directory {:?}", target);
    NOOK_TRY_VOID(sys::remove_all(target));
  }
  if (::rename(st.staging.c_str(), target.c_str()) < 0) {
    return fail(Error::from_errno("rename", fmt::format("{:?} to {:?}", st.staging, target)));
  }
  layers.push_back(record);
  st.done = true;  // the staging directory is gone; the lock file goes below
  auto saved = save_layers(st.root, layers);
  unlink_held_lock(st.lock_path);
  st.lock.unlock();
  if (!saved) return fail(saved.error().context(fmt::format("committing layer {}", st.id)));
  NOOK_DEBUG(Store, "committed layer {}", st.id);
  return record;
}

// ---------------------------------------------------------------------------------------------
// Store

struct Store::Impl {
  StoreOptions options;
  sys::FileLock store_lock;  // shared for our lifetime (unlocked: read-only view without a lock file)
  bool lockable = true;      // false for a read-only view of a store that has no store.lock

  std::string path(std::string_view name) const { return join(options.graph_root, name); }

  Result<void> writable() const {
    if (options.read_only) return fail(ErrorKind::InvalidState, "the image store is open read-only");
    return {};
  }

  // Trades our shared store.lock for an exclusive one; the ScopeExit it returns trades back.
  Result<sys::FileLock> lock_exclusive() {
    store_lock.unlock();
    auto exclusive = sys::FileLock::exclusive(path("store.lock"));
    if (!exclusive) relock_shared();
    return exclusive;
  }
  void relock_shared() {
    auto shared = sys::FileLock::shared(path("store.lock"));
    if (shared) {
      store_lock = std::move(*shared);
    } else {
      NOOK_WARN(Store, "re-taking the store lock: {}", shared.error().message());
    }
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

const StoreOptions& Store::options() const { return impl_->options; }

std::string Store::layer_dir(std::string_view layer_id) const {
  return fmt::format("{}/layers/{}/diff", impl_->options.graph_root, layer_id);
}

std::string Store::layer_split_path(std::string_view layer_id) const {
  return fmt::format("{}/layers/{}/tar-split.zst", impl_->options.graph_root, layer_id);
}

namespace {

Error driver_mismatch(std::string_view persisted, std::string_view ours) {
  return Error(ErrorKind::InvalidState,
               fmt::format("database storage graph driver {:?} does not match our storage graph driver {:?}",
                           persisted, ours));
}

// The driver storage.json records, nullopt if the file does not exist.
Result<std::optional<std::string>> persisted_driver(const std::string& path) {
  std::optional<std::string> text = NOOK_TRY(read_optional(path));
  if (!text) return std::optional<std::string>();
  StorageInfo info = NOOK_TRY(decode_storage_info(*text, path));
  return std::optional<std::string>(info.driver);
}

}  // namespace

Result<Store> Store::open(const StoreOptions& options) {
  if (options.graph_root.empty()) return fail(ErrorKind::InvalidArgument, "no graph root configured");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::string wanted;
  if (!options.driver.empty()) wanted = NOOK_TRY(canonical_driver(options.driver));
  std::string storage_json = impl->path("storage.json");

  if (options.read_only) {
    if (!NOOK_TRY(sys::path_exists(options.graph_root))) {
      impl->options.driver = wanted.empty() ? "overlay" : wanted;
      impl->lockable = false;
      return Store(std::move(impl));
    }
    std::string lock_path = impl->path("store.lock");
    if (NOOK_TRY(sys::path_exists(lock_path))) {
      impl->store_lock = NOOK_TRY(sys::FileLock::shared(lock_path));
    } else {
      impl->lockable = false;
    }
    std::optional<std::string> persisted = NOOK_TRY(persisted_driver(storage_json));
    if (persisted && !wanted.empty() && *persisted != wanted) return fail(driver_mismatch(*persisted, wanted));
    impl->options.driver = persisted ? *persisted : (wanted.empty() ? "overlay" : wanted);
    return Store(std::move(impl));
  }

  NOOK_TRY_VOID(sys::make_dirs(options.graph_root, 0700));
  for (const char* sub : {"layers", "images", "staging"}) NOOK_TRY_VOID(sys::make_dirs(impl->path(sub), 0700));
  impl->store_lock = NOOK_TRY(sys::FileLock::shared(impl->path("store.lock")));

  std::optional<std::string> persisted = NOOK_TRY(persisted_driver(storage_json));
  if (!persisted) {
    sys::FileLock meta = NOOK_TRY(sys::FileLock::exclusive(impl->path("meta.lock")));
    persisted = NOOK_TRY(persisted_driver(storage_json));  // another process may have won
    if (!persisted) {
      persisted = wanted.empty() ? "overlay" : wanted;
      NOOK_TRY_VOID(sys::write_file_atomic(storage_json, encode_storage_info({.driver = *persisted}), 0600));
      NOOK_DEBUG(Store, "new store {:?} with driver {}", options.graph_root, *persisted);
    }
  }
  if (!wanted.empty() && *persisted != wanted) return fail(driver_mismatch(*persisted, wanted));
  impl->options.driver = *persisted;

  NOOK_TRY(clean_staging(impl->path("staging")));
  return Store(std::move(impl));
}

// --- layers

Result<std::vector<LayerRecord>> Store::layers() const { return load_layers(impl_->options.graph_root); }

Result<std::optional<LayerRecord>> Store::find_layer(std::string_view layer_id) const {
  std::vector<LayerRecord> all = NOOK_TRY(layers());
  for (LayerRecord& layer : all) {
    if (layer.id == layer_id) return std::optional<LayerRecord>(std::move(layer));
  }
  return std::optional<LayerRecord>();
}

Result<LayerWriter> Store::begin_layer(std::string_view layer_id, std::string_view parent_id) {
  NOOK_TRY_VOID(impl_->writable());
  NOOK_TRY_VOID(check_id(layer_id, "layer"));
  if (!parent_id.empty()) NOOK_TRY_VOID(check_id(parent_id, "parent layer"));
  bool copy_parent = impl_->options.driver == "vfs" && !parent_id.empty();
  if (copy_parent && !NOOK_TRY(find_layer(parent_id))) {
    return fail(ErrorKind::NotFound, fmt::format("parent layer {:?} of layer {:?} not known", parent_id, layer_id));
  }

  auto state = std::make_unique<LayerWriter::State>();
  state->root = impl_->options.graph_root;
  state->id = std::string(layer_id);
  state->parent = std::string(parent_id);
  std::string staging = impl_->path("staging");
  for (int attempt = 0;; ++attempt) {
    std::string name = NOOK_TRY(random_name());
    std::string lock_path = join(staging, fmt::format("{}{}", name, kLockSuffix));
    sys::FileLock lock = NOOK_TRY(sys::FileLock::exclusive(lock_path));
    // A cleaner may have unlinked the lock file between our open and flock: then ours is stale.
    struct stat held {};
    if (::fstat(lock.fd(), &held) < 0) return fail(Error::from_errno("fstat", fmt::format("{:?}", lock_path)));
    auto current = sys::stat_path(lock_path, false);
    if (current && current->st_ino == held.st_ino && current->st_dev == held.st_dev) {
      state->staging = join(staging, name);
      state->lock_path = lock_path;
      state->lock = std::move(lock);
      break;
    }
    if (attempt >= 8) return fail(ErrorKind::System, "could not create a staging directory");
  }
  state->diff = join(state->staging, "diff");
  state->split = join(state->staging, "tar-split.zst");
  if (::mkdir(state->staging.c_str(), 0700) < 0) {
    state->done = true;  // nothing of ours to remove; the lock file is cleaned by a later open
    return fail(Error::from_errno("mkdir", fmt::format("{:?}", state->staging)));
  }
  LayerWriter writer(std::move(state));
  if (::mkdir(writer.dir().c_str(), 0755) < 0) {
    return fail(Error::from_errno("mkdir", fmt::format("{:?}", writer.dir())));
  }
  if (copy_parent) {
    // cp -a keeps owners, modes, timestamps, xattrs, symlinks and hard links; --reflink=auto
    // shares extents on file systems that can (btrfs, xfs).
    std::string source = layer_dir(parent_id) + "/.";
    auto copied = sys::run_capture({"cp", "-a", "--reflink=auto", "--", source, writer.dir() + "/"},
                                   std::chrono::hours(24));
    if (!copied) return fail(copied.error().context("copying the parent layer"));
    if (!copied->status.success()) {
      std::string err(strings::trim(copied->stderr_data));
      return fail(ErrorKind::System, fmt::format("copying parent layer {:?} for vfs: cp exited with {}: {}",
                                                 parent_id, copied->status.shell_code(), err));
    }
  }
  NOOK_DEBUG(Store, "writing layer {} in {}", layer_id, writer.state_->staging);
  return writer;
}

// --- images

Result<std::vector<ImageRecord>> Store::images() const { return load_images(impl_->options.graph_root); }

Result<ImageRecord> Store::find_image(std::string_view key) const {
  std::vector<ImageRecord> all = NOOK_TRY(images());
  auto by = [&](auto pred) -> const ImageRecord* {
    auto it = std::find_if(all.begin(), all.end(), pred);
    return it == all.end() ? nullptr : &*it;
  };
  auto has = [](const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };
  std::string_view id_key = key;
  if (id_key.starts_with("sha256:")) id_key.remove_prefix(7);

  if (is_full_id(id_key)) {
    if (const ImageRecord* found = by([&](const ImageRecord& r) { return r.id == id_key; })) return *found;
  }
  if (const ImageRecord* found = by([&](const ImageRecord& r) { return has(r.names, key); })) return *found;

  size_t at = key.find('@');
  if (at != std::string_view::npos && at > 0) {
    std::string_view name = key.substr(0, at);
    std::string_view digest = key.substr(at + 1);
    std::string_view repo = repository_of(name);
    std::string repo_key = fmt::format("{}@{}", repo, digest);
    if (const ImageRecord* found =
            by([&](const ImageRecord& r) { return has(r.repo_digests, key) || has(r.repo_digests, repo_key); })) {
      return *found;
    }
    if (const ImageRecord* found = by([&](const ImageRecord& r) {
          if (!has(r.digests, digest)) return false;
          return std::any_of(r.names.begin(), r.names.end(),
                             [&](const std::string& n) { return repository_of(n) == repo; });
        })) {
      return *found;
    }
  }

  if (id_key.size() >= kMinIdPrefix && id_key.size() <= 64 && is_hex(id_key)) {
    const ImageRecord* match = nullptr;
    int count = 0;
    for (const ImageRecord& r : all) {
      if (r.id.starts_with(id_key)) {
        match = &r;
        ++count;
      }
    }
    if (count == 1) return *match;
    if (count > 1) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("short id {:?} is ambiguous: it matches {} images", key, count));
    }
  }
  return fail(ErrorKind::NotFound, "image not known");
}

Result<ImageRecord> Store::put_image(const ImageRecord& record, std::string_view manifest,
                                     std::string_view config) {
  NOOK_TRY_VOID(impl_->writable());
  NOOK_TRY_VOID(check_id(record.id, "image"));
  if (!config.empty() && image::sha256_hex(config) != record.id) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("image config has digest sha256:{}, not the image id {}", image::sha256_hex(config),
                            record.id));
  }
  const std::string& root = impl_->options.graph_root;
  // Layers are only deleted under an exclusive store.lock, and we hold it shared.
  std::vector<LayerRecord> layers = NOOK_TRY(load_layers(root));
  for (const std::string& layer : record.layers) {
    if (std::none_of(layers.begin(), layers.end(), [&](const LayerRecord& l) { return l.id == layer; })) {
      return fail(ErrorKind::NotFound, fmt::format("layer {:?} of image {} not known", layer, record.id));
    }
  }

  sys::FileLock meta = NOOK_TRY(sys::FileLock::exclusive(impl_->path("meta.lock")));
  std::string dir = join(impl_->path("images"), record.id);
  NOOK_TRY_VOID(sys::make_dirs(dir, 0700));
  if (!manifest.empty()) {
    std::string main = join(dir, "manifest");
    std::optional<std::string> existing = NOOK_TRY(read_optional(main));
    std::string hex = image::sha256_hex(manifest);
    if (!existing) {
      NOOK_TRY_VOID(sys::write_file_atomic(main, manifest, 0600));
    } else if (image::sha256_hex(*existing) != hex) {
      NOOK_TRY_VOID(sys::write_file_atomic(join(dir, fmt::format("manifest-{}", hex)), manifest, 0600));
    }
  }
  std::string config_path = join(dir, "config.json");
  if (!config.empty() && !NOOK_TRY(sys::path_exists(config_path))) {
    NOOK_TRY_VOID(sys::write_file_atomic(config_path, config, 0600));
  }

  std::vector<ImageRecord> images = NOOK_TRY(load_images(root));
  auto it = std::find_if(images.begin(), images.end(), [&](const ImageRecord& r) { return r.id == record.id; });
  ImageRecord merged = record;
  if (it != images.end()) {
    const ImageRecord& old = *it;
    for (const std::string& name : old.names) add_unique(merged.names, name);
    merged.digests = old.digests;
    for (const std::string& digest : record.digests) add_unique(merged.digests, digest);
    merged.repo_digests = old.repo_digests;
    for (const std::string& digest : record.repo_digests) add_unique(merged.repo_digests, digest);
    if (merged.layers.empty()) merged.layers = old.layers;
    if (!old.manifest_media_type.empty()) merged.manifest_media_type = old.manifest_media_type;
    if (merged.created.empty()) merged.created = old.created;
    merged.pulled = old.pulled.empty() ? now_rfc3339() : old.pulled;
    merged.history_names = old.history_names;
    for (const std::string& name : record.history_names) add_unique(merged.history_names, name);
  } else if (merged.pulled.empty()) {
    merged.pulled = now_rfc3339();
  }
  {
    // Names are unique in a record, and a current name is not also a history name.
    std::vector<std::string> names;
    for (const std::string& name : merged.names) add_unique(names, name);
    merged.names = std::move(names);
    for (const std::string& name : merged.names) erase_value(merged.history_names, name);
  }
  merged.top_layer = merged.layers.empty() ? std::string() : merged.layers.back();
  merged.size = layers_size(layers, merged.layers);
  for (const std::string& name : merged.names) take_name(images, merged.id, name);
  if (it != images.end()) {
    *it = merged;
  } else {
    images.push_back(merged);
  }
  NOOK_TRY_VOID(save_images(root, images));
  NOOK_DEBUG(Store, "stored image {} ({})", merged.id, fmt::join(merged.names, ", "));
  return merged;
}

namespace {

Result<std::string> read_image_file(std::string_view root, std::string_view image_id, std::string_view file) {
  NOOK_TRY_VOID(check_id(image_id, "image"));
  auto text = sys::read_file(fmt::format("{}/images/{}/{}", root, image_id, file));
  if (!text && text.error().kind() == ErrorKind::NotFound) {
    return fail(ErrorKind::NotFound, fmt::format("image {} has no {}", image_id, file));
  }
  return text;
}

}  // namespace

Result<std::string> Store::read_manifest(std::string_view image_id) const {
  return read_image_file(impl_->options.graph_root, image_id, "manifest");
}

Result<std::string> Store::read_config(std::string_view image_id) const {
  return read_image_file(impl_->options.graph_root, image_id, "config.json");
}

Result<void> Store::add_name(std::string_view image_id, std::string_view name) {
  NOOK_TRY_VOID(impl_->writable());
  sys::FileLock meta = NOOK_TRY(sys::FileLock::exclusive(impl_->path("meta.lock")));
  std::vector<ImageRecord> images = NOOK_TRY(load_images(impl_->options.graph_root));
  auto it = std::find_if(images.begin(), images.end(), [&](const ImageRecord& r) { return r.id == image_id; });
  if (it == images.end()) return fail(ErrorKind::NotFound, "image not known");
  std::string value(name);
  if (std::find(it->names.begin(), it->names.end(), value) != it->names.end()) return {};
  it->names.insert(it->names.begin(), value);
  erase_value(it->history_names, value);
  take_name(images, it->id, value);
  return save_images(impl_->options.graph_root, images);
}

Result<void> Store::remove_name(std::string_view image_id, std::string_view name) {
  NOOK_TRY_VOID(impl_->writable());
  sys::FileLock meta = NOOK_TRY(sys::FileLock::exclusive(impl_->path("meta.lock")));
  std::vector<ImageRecord> images = NOOK_TRY(load_images(impl_->options.graph_root));
  auto it = std::find_if(images.begin(), images.end(), [&](const ImageRecord& r) { return r.id == image_id; });
  if (it == images.end()) return fail(ErrorKind::NotFound, "image not known");
  if (!erase_value(it->names, name)) {
    return fail(ErrorKind::NotFound, fmt::format("image {} has no name {:?}", image_id, name));
  }
  return save_images(impl_->options.graph_root, images);
}

namespace {

// Layers that must stay: those of `images`, those `in_use` says a container needs, and every
// ancestor of either (an overlay stack needs its lower layers).
std::set<std::string> needed_layers(const std::vector<LayerRecord>& layers, const std::vector<ImageRecord>& images,
                                    const std::function<bool(std::string_view)>& in_use) {
  std::map<std::string_view, std::string_view> parent_of;
  for (const LayerRecord& layer : layers) parent_of[layer.id] = layer.parent;
  std::set<std::string> needed;
  auto keep = [&](std::string_view id) {
    while (!id.empty() && needed.emplace(id).second) {
      auto it = parent_of.find(id);
      id = it == parent_of.end() ? std::string_view() : it->second;
    }
  };
  for (const ImageRecord& image : images) {
    for (const std::string& id : image.layers) keep(id);
  }
  if (in_use) {
    for (const LayerRecord& layer : layers) {
      if (in_use(layer.id)) keep(layer.id);
    }
  }
  return needed;
}

// Drops the records of layers not in `needed` (writing layers.json), then their directories,
// deepest first. Returns the ids removed.
Result<std::vector<std::string>> drop_layers(std::string_view root, std::vector<LayerRecord>& layers,
                                             const std::set<std::string>& needed) {
  std::map<std::string, int> depth;
  std::map<std::string_view, std::string_view> parent_of;
  for (const LayerRecord& layer : layers) parent_of[layer.id] = layer.parent;
  std::vector<std::string> doomed;
  for (const LayerRecord& layer : layers) {
    if (needed.contains(layer.id)) continue;
    int d = 0;
    for (std::string_view id = layer.parent; !id.empty() && d < 10000; ++d) {
      auto it = parent_of.find(id);
      id = it == parent_of.end() ? std::string_view() : it->second;
    }
    depth[layer.id] = d;
    doomed.push_back(layer.id);
  }
  if (doomed.empty()) return doomed;
  std::stable_sort(doomed.begin(), doomed.end(), [&](const std::string& a, const std::string& b) {
    return depth[a] > depth[b];
  });
  std::erase_if(layers, [&](const LayerRecord& l) { return !needed.contains(l.id); });
  NOOK_TRY_VOID(save_layers(root, layers));
  for (const std::string& id : doomed) {
    NOOK_DEBUG(Store, "deleting layer {}", id);
    auto removed = sys::remove_all(fmt::format("{}/layers/{}", root, id));
    if (!removed) return fail(removed.error().context(fmt::format("deleting layer {}", id)));
  }
  return doomed;
}

}  // namespace

Result<RemoveReport> Store::remove_image(std::string_view image_id,
                                         const std::function<bool(std::string_view)>& in_use) {
  NOOK_TRY_VOID(impl_->writable());
  std::string_view id = image_id;
  if (id.starts_with("sha256:")) id.remove_prefix(7);
  NOOK_TRY_VOID(check_id(id, "image"));
  sys::FileLock exclusive = NOOK_TRY(impl_->lock_exclusive());
  auto back_to_shared = ScopeExit([&] {
    exclusive.unlock();
    impl_->relock_shared();
  });
  const std::string& root = impl_->options.graph_root;
  sys::FileLock meta = NOOK_TRY(sys::FileLock::exclusive(impl_->path("meta.lock")));
  std::vector<ImageRecord> images = NOOK_TRY(load_images(root));
  std::vector<LayerRecord> layers = NOOK_TRY(load_layers(root));
  auto it = std::find_if(images.begin(), images.end(), [&](const ImageRecord& r) { return r.id == id; });
  if (it == images.end()) return fail(ErrorKind::NotFound, "image not known");
  RemoveReport report;
  report.untagged = it->names;
  report.deleted.push_back(it->id);
  std::vector<std::string> candidates = it->layers;
  images.erase(it);
  NOOK_TRY_VOID(save_images(root, images));

  std::set<std::string> needed = needed_layers(layers, images, in_use);
  // Only this image's layers go; unrelated unreferenced layers wait for collect_garbage.
  for (const LayerRecord& layer : layers) {
    if (std::find(candidates.begin(), candidates.end(), layer.id) == candidates.end()) needed.insert(layer.id);
  }
  // A layer whose child stays must stay too.
  for (const LayerRecord& layer : layers) {
    if (!needed.contains(layer.id)) continue;
    for (std::string_view p = layer.parent; !p.empty();) {
      if (!needed.emplace(p).second) break;
      auto parent = std::find_if(layers.begin(), layers.end(), [&](const LayerRecord& l) { return l.id == p; });
      p = parent == layers.end() ? std::string_view() : std::string_view(parent->parent);
    }
  }
  meta.unlock();  // store.lock is exclusive: nobody else writes now
  report.layers_deleted = NOOK_TRY(drop_layers(root, layers, needed));
  NOOK_TRY_VOID(sys::remove_all(join(impl_->path("images"), id)));
  return report;
}

Result<std::vector<std::string>> Store::collect_garbage(const std::function<bool(std::string_view)>& in_use) {
  NOOK_TRY_VOID(impl_->writable());
  sys::FileLock exclusive = NOOK_TRY(impl_->lock_exclusive());
  auto back_to_shared = ScopeExit([&] {
    exclusive.unlock();
    impl_->relock_shared();
  });
  const std::string& root = impl_->options.graph_root;
  NOOK_TRY(clean_staging(impl_->path("staging")));
  sys::FileLock meta = NOOK_TRY(sys::FileLock::exclusive(impl_->path("meta.lock")));
  std::vector<ImageRecord> images = NOOK_TRY(load_images(root));
  std::vector<LayerRecord> layers = NOOK_TRY(load_layers(root));
  meta.unlock();
  std::set<std::string> needed = needed_layers(layers, images, in_use);
  std::vector<std::string> removed = NOOK_TRY(drop_layers(root, layers, needed));

  // Directories without a record: half-committed layers, images whose record was never written.
  std::set<std::string> known;
  for (const LayerRecord& layer : layers) known.insert(layer.id);
  for (const std::string& name : NOOK_TRY(sys::list_dir(impl_->path("layers")))) {
    if (known.contains(name)) continue;
    NOOK_DEBUG(Store, "deleting layer directory without a record {:?}", name);
    NOOK_TRY_VOID(sys::remove_all(join(impl_->path("layers"), name)));
    removed.push_back(name);
  }
  std::set<std::string> image_ids;
  for (const ImageRecord& image : images) image_ids.insert(image.id);
  for (const std::string& name : NOOK_TRY(sys::list_dir(impl_->path("images")))) {
    if (image_ids.contains(name)) continue;
    NOOK_TRY_VOID(sys::remove_all(join(impl_->path("images"), name)));
  }
  return removed;
}

}  // namespace nook::storage
