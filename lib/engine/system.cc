// system df, system prune and system reset: the whole store at once.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cmath>
#include <map>
#include <set>

#include "lib/engine/container_fs.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/engine/volumes.h"
#include "lib/sys/file.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

// Bytes under `path` (regular files and symlinks, each inode once), not following symlinks.
int64_t tree_size(const std::string& path, std::set<std::pair<dev_t, ino_t>>& seen) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  int64_t total = 0;
  if (!S_ISDIR(st.st_mode)) {
    if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) return 0;
    return S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? st.st_size : 0;
  }
  auto names = sys::list_dir(path);
  if (!names) return 0;
  for (const std::string& name : *names) total += tree_size(path + "/" + name, seen);
  return total;
}

int64_t tree_size(const std::string& path) {
  std::set<std::pair<dev_t, ino_t>> seen;
  return tree_size(path, seen);
}

std::string reclaimable(int64_t part, int64_t total) {
  long percent = total > 0 ? std::lround(100.0 * static_cast<double>(part) / static_cast<double>(total)) : 0;
  return fmt::format("{} ({}%)", human_size(static_cast<double>(part), 4), percent);
}

double seconds_since_rfc3339(const std::string& rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  return t ? seconds_since(*t) : 0;
}

int64_t container_size(const container::Container& c, const container::ContainerPaths& paths) {
  return tree_size(c.driver == "vfs" ? paths.rootfs : paths.upper);
}

}  // namespace

Result<DiskUsage> disk_usage(const Settings& settings) {
  DiskUsage out;
  storage::Store store = NOOK_TRY(open_store_read_only(settings));
  container::ContainerStore containers = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  std::vector<container::Container> all = NOOK_TRY(containers.list());
  std::map<std::string, int> users;  // image id -> containers
  for (const container::Container& c : all) ++users[c.image_id];
  std::vector<storage::ImageRecord> images = NOOK_TRY(store.images());
  std::map<std::string, int> layer_refs;
  for (const storage::ImageRecord& r : images) {
    for (const std::string& l : r.layers) ++layer_refs[l];
  }
  std::map<std::string, int64_t> layer_sizes;
  for (const storage::LayerRecord& l : NOOK_TRY(store.layers())) layer_sizes[l.id] = l.uncompressed_size;
  int64_t image_total = 0, image_reclaimable = 0;
  int active_images = 0;
  for (const storage::ImageRecord& r : images) {
    int64_t shared = 0;
    for (const std::string& l : r.layers) {
      if (layer_refs[l] > 1) shared += layer_sizes[l];
    }
    int used = users.contains(r.id) ? users[r.id] : 0;
    image_total += r.size;
    if (used == 0) image_reclaimable += r.size;
    if (used > 0) ++active_images;
    std::vector<std::string> names = r.names.empty() ? std::vector<std::string>{""} : r.names;
    for (const std::string& name : names) {
      std::string repo = "<none>", tag = "<none>";
      if (!name.empty()) {
        size_t colon = name.rfind(':');
        size_t slash = name.rfind('/');
        if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
          repo = name.substr(0, colon);
          tag = name.substr(colon + 1);
        } else {
          repo = name;
        }
      }
      auto created = parse_rfc3339(r.created);
      out.images.push_back({{"Repository", repo},
                            {"Tag", tag},
                            {"ImageID", r.id.substr(0, 12)},
                            {"Created", created ? human_duration(seconds_since_rfc3339(r.created)) : ""},
                            {"Size", human_size(static_cast<double>(r.size), 4)},
                            {"SharedSize", human_size(static_cast<double>(shared), 4)},
                            {"UniqueSize", human_size(static_cast<double>(r.size - shared), 4)},
                            {"Containers", used}});
    }
  }
  int64_t container_total = 0, container_reclaimable = 0;
  int active_containers = 0;
  for (container::Container c : all) {
    reconcile_view(containers, c);
    container::ContainerPaths paths = containers.paths(c.id);
    int64_t size = container_size(c, paths);
    bool running = has_process(c);
    container_total += size;
    if (running) {
      ++active_containers;
    } else {
      container_reclaimable += size;
    }
    out.containers.push_back({{"ContainerID", c.id.substr(0, 12)},
                              {"Image", c.image_id.substr(0, 12)},
                              {"Command", strings::join(c.command, " ")},
                              {"LocalVolumes", c.volumes.size()},
                              {"Size", human_size(static_cast<double>(size), 4)},
                              {"Created", human_duration(seconds_since_rfc3339(c.created))},
                              {"Status", std::string(container::status_name(c.state.status))},
                              {"Names", c.name}});
  }
  int64_t volume_total = 0, volume_reclaimable = 0;
  int active_volumes = 0;
  auto volumes = list_volumes(settings, {});
  if (volumes && volumes->is_array()) {
    for (const nlohmann::json& v : *volumes) {
      std::string name = v.value("Name", "");
      int links = 0;
      for (const container::Container& c : all) links += static_cast<int>(std::count(c.volumes.begin(), c.volumes.end(), name));
      int64_t size = tree_size(v.value("Mountpoint", ""));
      volume_total += size;
      if (links == 0) volume_reclaimable += size;
      if (links > 0) ++active_volumes;
      out.volumes.push_back({{"VolumeName", name}, {"Links", links}, {"Size", human_size(static_cast<double>(size), 4)}});
    }
  }
  auto row = [](std::string type, size_t total, int active, int64_t size, int64_t reclaim) {
    return nlohmann::json{{"Type", type},
                          {"Total", total},
                          {"Active", active},
                          {"Size", human_size(static_cast<double>(size), 4)},
                          {"RawSize", size},
                          {"Reclaimable", reclaimable(reclaim, size)},
                          {"RawReclaimable", reclaim}};
  };
  out.summary.push_back(row("Images", images.size(), active_images, image_total, image_reclaimable));
  out.summary.push_back(row("Containers", all.size(), active_containers, container_total, container_reclaimable));
  out.summary.push_back(row("Local Volumes", out.volumes.size(), active_volumes, volume_total, volume_reclaimable));
  return out;
}

Result<SystemPruneReport> system_prune(const Settings& settings, const SystemPruneOptions& options) {
  SystemPruneReport report;
  container::ContainerStore containers = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  std::vector<container::Container> all = NOOK_TRY(containers.list());
  std::vector<std::string> stopped;
  std::map<std::string, int64_t> sizes;
  for (container::Container c : all) {
    reconcile_view(containers, c);
    if (has_process(c)) continue;
    stopped.push_back(c.id);
    sizes[c.id] = container_size(c, containers.paths(c.id));
  }
  if (!stopped.empty()) {
    std::vector<ContainerResult> results = NOOK_TRY(remove_containers(settings, stopped, RemoveOptions{}));
    for (const ContainerResult& r : results) {
      if (r.error) continue;  // started meanwhile: not stopped any more
      report.containers.push_back(r.id);
      report.reclaimed += sizes[r.id];
    }
  }
  std::map<std::string, int64_t> image_sizes;
  {
    storage::Store store = NOOK_TRY(open_store_read_only(settings));
    for (const storage::ImageRecord& r : NOOK_TRY(store.images())) image_sizes[r.id] = r.size;
  }
  PruneImagesOptions image_options{.all = options.all, .filters = options.filters};
  report.images = NOOK_TRY(prune_images(settings, image_options));
  for (const std::string& id : report.images) report.reclaimed += image_sizes[id];
  if (options.volumes) {
    std::map<std::string, int64_t> volume_sizes;
    auto volumes = list_volumes(settings, {});
    if (volumes && volumes->is_array()) {
      for (const nlohmann::json& v : *volumes) volume_sizes[v.value("Name", "")] = tree_size(v.value("Mountpoint", ""));
    }
    report.volumes = NOOK_TRY(prune_volumes(settings, {}));
    for (const std::string& name : report.volumes) report.reclaimed += volume_sizes[name];
  }
  return report;
}

Result<void> system_reset(const Settings& settings) {
  auto containers = container::ContainerStore::open(settings.config.graph_root, true);
  if (containers) {
    std::vector<container::Container> all = NOOK_TRY(containers->list());
    std::vector<std::string> ids;
    for (const container::Container& c : all) ids.push_back(c.id);
    if (!ids.empty()) {
      RemoveOptions remove;
      remove.force = true;
      remove.volumes = true;
      remove.timeout = 0;
      (void)remove_containers(settings, ids, remove);
    }
  }
  NOOK_TRY_VOID(sys::remove_all(settings.config.graph_root));
  NOOK_TRY_VOID(sys::remove_all(settings.config.run_root));
  return {};
}

}  // namespace nook::engine
