// The volume verbs (volumes.h) over lib/volume's records; a volume's users come from the
// container records.
#include "lib/engine/volumes.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "lib/container/container.h"
#include "lib/engine/engine.h"
#include "lib/engine/image_reports.h"
#include "lib/sys/proc.h"
#include "lib/util/strings.h"
#include "lib/volume/volume.h"

namespace nook::engine {

namespace {

using nlohmann::json;

// Containers by the volumes they use.
Result<std::map<std::string, std::vector<std::string>>> volume_users(const Settings& settings) {
  std::map<std::string, std::vector<std::string>> users;
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  auto all = store.list();
  if (!all) {
    if (all.error().kind() == ErrorKind::NotFound) return users;
    return fail(all.error());
  }
  for (const container::Container& c : *all) {
    for (const std::string& name : c.volumes) users[name].push_back(c.id);
  }
  return users;
}

json volume_report(const volume::Volume& v) {
  return json{{"Name", v.name},
              {"Driver", v.driver},
              {"Mountpoint", v.mountpoint},
              {"CreatedAt", v.created},
              {"Labels", v.labels},
              {"Scope", "local"},
              {"Options", v.options},
              {"MountCount", 0},
              {"NeedsCopyUp", v.needs_copy_up},
              {"NeedsChown", v.needs_chown},
              {"Anonymous", v.anonymous}};
}

Result<std::map<std::string, std::string>> key_values(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    if (key.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("invalid option {:?}: empty key", item));
    out[key] = eq == std::string::npos ? "" : item.substr(eq + 1);
  }
  return out;
}

// podman matches name filters as regular expressions; nook takes the literal subset (names have
// no metacharacters) with ^ and $ anchors.
bool name_matches(std::string_view name, std::string_view pattern) {
  bool start = pattern.starts_with('^');
  bool end = pattern.size() > (start ? 1U : 0U) && pattern.ends_with('$');
  if (start) pattern.remove_prefix(1);
  if (end) pattern.remove_suffix(1);
  if (start && end) return name == pattern;
  if (start) return name.starts_with(pattern);
  if (end) return name.ends_with(pattern);
  return name.find(pattern) != std::string_view::npos;
}

bool label_matches(const volume::Volume& v, const std::string& want) {
  size_t eq = want.find('=');
  auto it = v.labels.find(want.substr(0, eq));
  if (it == v.labels.end()) return false;
  return eq == std::string::npos || it->second == want.substr(eq + 1);
}

// podman's volume filters: values of one key are OR'ed, different keys AND'ed.
Result<bool> matches(const volume::Volume& v, const std::map<std::string, std::vector<std::string>>& filters,
                     bool in_use) {
  for (const auto& [key, values] : filters) {
    bool any = false;
    for (const std::string& value : values) {
      bool hit = false;
      if (key == "name") {
        hit = name_matches(v.name, value);
      } else if (key == "label") {
        hit = label_matches(v, value);
      } else if (key == "label!") {
        hit = !label_matches(v, value);
      } else if (key == "driver") {
        hit = v.driver == value;
      } else if (key == "scope") {
        hit = value == "local";
      } else if (key == "opt") {
        size_t eq = value.find('=');
        auto it = v.options.find(value.substr(0, eq));
        hit = it != v.options.end() && (eq == std::string::npos || it->second == value.substr(eq + 1));
      } else if (key == "dangling") {
        if (value != "true" && value != "false" && value != "1" && value != "0") {
          return fail(ErrorKind::InvalidArgument, fmt::format("{:?} is not a valid value for the \"dangling\" filter - must be true or false", value));
        }
        hit = (value == "true" || value == "1") == !in_use;
      } else if (key == "until") {
        auto limit = parse_rfc3339(value);
        if (!limit) return fail(ErrorKind::InvalidArgument, fmt::format("invalid until filter {:?}", value));
        hit = parse_rfc3339(v.created).value_or(Timestamp{}).seconds < limit->seconds;
      }
      any = any || hit;
    }
    if (!any) return false;
  }
  return true;
}

Result<std::map<std::string, std::vector<std::string>>> parse_filters(const std::vector<std::string>& items,
                                                                      std::initializer_list<std::string_view> allowed) {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    std::string key = item.substr(0, eq);
    if (eq == std::string::npos || std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return fail(ErrorKind::InvalidArgument, fmt::format("{:?} is an invalid volume filter", key));
    }
    std::string value = item.substr(eq + 1);
    out[key].push_back(std::move(value));
  }
  return out;
}

// The directory whose content a volume holds (its device for a bind-backed one).
Result<std::string> content_dir(const volume::Volume& v) {
  auto o = v.options.find("o");
  auto device = v.options.find("device");
  if (o != v.options.end() && device != v.options.end()) {
    for (const std::string& item : strings::split(o->second, ',')) {
      if (item == "bind" || item == "rbind") return device->second;
    }
  }
  if (v.options.contains("type")) {
    return fail(ErrorKind::Unsupported,
                fmt::format("volume {} is a {} mount: its content exists only while a container uses it", v.name,
                            v.options.at("type")));
  }
  return v.mountpoint;
}

Result<void> run_tar(std::vector<std::string> argv, sys::Redirect in, sys::Redirect out) {
  sys::SpawnOptions spawn;
  spawn.argv = std::move(argv);
  spawn.stdin_from = in;
  spawn.stdout_to = out;
  sys::ChildProcess child = NOOK_TRY(sys::spawn(spawn));
  sys::ExitStatus status = NOOK_TRY(child.wait());
  if (!status.success()) return fail(ErrorKind::System, fmt::format("tar exited with {}", status.shell_code()));
  return {};
}

}  // namespace

Result<std::string> create_volume(const Settings& settings, const VolumeCreateOptions& options) {
  if (!options.name.empty() && !volume::valid_name(options.name)) {
    return fail(ErrorKind::InvalidArgument,
                "running volume create option: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
  }
  if (!options.driver.empty() && options.driver != "local") {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("volume {} uses volume plugin {} but it could not be retrieved: no volume plugin with "
                            "name {} available: required plugin missing",
                            options.name, options.driver, options.driver));
  }
  volume::Volume v;
  v.name = options.name;
  v.labels = NOOK_TRY(key_values(options.labels));
  v.options = NOOK_TRY(key_values(options.options));
  NOOK_TRY_VOID(volume::check_local_options(v.options));
  if (v.options.contains("size") || v.options.contains("inodes")) {
    return fail(ErrorKind::Unsupported,
                "volume options size and inodes not supported. Filesystem does not support Project Quota");
  }
  v.created = format_rfc3339_nano(now());
  volume::VolumeStore store = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, false));
  auto added = store.add(v);
  if (!added) {
    if (options.ignore && added.error().kind() == ErrorKind::Exists) return v.name;
    return fail(added.error());
  }
  if (v.options.contains("uid") || v.options.contains("gid")) {
    // -o uid=/gid=: the owner is set now, not by the first container (podman).
    uid_t uid = v.options.contains("uid") ? static_cast<uid_t>(std::stoul(v.options["uid"])) : 0;
    gid_t gid = v.options.contains("gid") ? static_cast<gid_t>(std::stoul(v.options["gid"])) : 0;
    if (::chown(added->mountpoint.c_str(), uid, gid) != 0) {
      Error error = Error::from_errno("chown", fmt::format("volume {}", added->name));
      auto lock = store.lock();
      (void)store.remove(added->name);
      return fail(error);
    }
    added->needs_chown = false;
    NOOK_TRY_VOID(store.update(*added));
  }
  if (v.options.contains("nocopy")) {
    added->needs_copy_up = false;
    NOOK_TRY_VOID(store.update(*added));
  }
  return added->name;
}

Result<json> list_volumes(const Settings& settings, const std::vector<std::string>& filters) {
  auto parsed = NOOK_TRY(parse_filters(filters, {"name", "label", "label!", "driver", "scope", "opt", "dangling", "until"}));
  volume::VolumeStore store = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, true));
  auto users = NOOK_TRY(volume_users(settings));
  json out = json::array();
  for (const volume::Volume& v : NOOK_TRY(store.list())) {
    if (!NOOK_TRY(matches(v, parsed, users.contains(v.name)))) continue;
    out.push_back(volume_report(v));
  }
  return out;
}

Result<VolumeInspectReport> inspect_volumes(const Settings& settings, const std::vector<std::string>& names,
                                            bool all) {
  volume::VolumeStore store = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, true));
  VolumeInspectReport report;
  if (all) {
    for (const volume::Volume& v : NOOK_TRY(store.list())) report.data.push_back(volume_report(v));
    return report;
  }
  for (const std::string& name : names) {
    auto v = store.find(name);
    if (v) {
      report.data.push_back(volume_report(*v));
    } else if (v.error().kind() == ErrorKind::NotFound) {
      report.errors.emplace_back(ErrorKind::NotFound, fmt::format("no such volume {}", name));
    } else {
      return fail(v.error());
    }
  }
  return report;
}

Result<std::vector<VolumeResult>> remove_volumes(const Settings& settings, const std::vector<std::string>& names,
                                                 const VolumeRemoveOptions& options) {
  volume::VolumeStore store = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, false));
  std::vector<std::string> targets = names;
  if (options.all) {
    targets.clear();
    for (const volume::Volume& v : NOOK_TRY(store.list())) targets.push_back(v.name);
  }
  std::vector<VolumeResult> results;
  for (const std::string& name : targets) {
    VolumeResult result{.name = name};
    auto removed = [&]() -> Result<void> {
      volume::Volume v = NOOK_TRY(store.find(name));
      auto users = NOOK_TRY(volume_users(settings));
      std::vector<std::string> ids = users[v.name];
      if (!ids.empty()) {
        if (!options.force) {
          return fail(ErrorKind::InvalidState,
                      fmt::format("volume {} is being used by the following container(s): {}: volume is being used",
                                  v.name, strings::join(ids, ", ")));
        }
        RemoveOptions remove;
        remove.force = true;
        remove.timeout = options.timeout;
        for (const ContainerResult& r : NOOK_TRY(remove_containers(settings, ids, remove))) {
          if (r.error) return fail(*r.error);
        }
      }
      sys::FileLock lock = NOOK_TRY(store.lock());
      return store.remove(v.name);
    }();
    if (!removed) result.error = removed.error();
    results.push_back(std::move(result));
  }
  return results;
}

Result<std::vector<std::string>> prune_volumes(const Settings& settings, const std::vector<std::string>& filters) {
  auto parsed = NOOK_TRY(parse_filters(filters, {"label", "label!", "until"}));
  volume::VolumeStore store = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, false));
  sys::FileLock lock = NOOK_TRY(store.lock());
  auto users = NOOK_TRY(volume_users(settings));
  std::vector<std::string> removed;
  for (const volume::Volume& v : NOOK_TRY(store.list())) {
    if (users.contains(v.name) || !NOOK_TRY(matches(v, parsed, false))) continue;
    NOOK_TRY_VOID(store.remove(v.name));
    removed.push_back(v.name);
  }
  return removed;
}

std::string volume_json_text(const json& array, int indent) {
  constexpr std::array<const char*, 11> kKeys = {"Name",       "Driver",     "Mountpoint",  "CreatedAt",
                                                 "Labels",     "Scope",      "Options",     "MountCount",
                                                 "NeedsCopyUp", "NeedsChown", "Anonymous"};
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const json& v : array) {
    nlohmann::ordered_json item = nlohmann::ordered_json::object();
    for (const char* key : kKeys) {
      if (!v.contains(key)) continue;
      if (std::string_view(key) == "Anonymous" && !v[key].get<bool>()) continue;
      item[key] = nlohmann::ordered_json::parse(v[key].dump(), nullptr, false);
    }
    out.push_back(std::move(item));
  }
  return out.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<bool> volume_exists(const Settings& settings, std::string_view name) {
  volume::VolumeStore store = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, true));
  auto v = store.find(name);
  if (v) return true;
  if (v.error().kind() == ErrorKind::NotFound) return false;
  return fail(v.error());
}

namespace {

Result<volume::Volume> find_for_transfer(const Settings& settings, std::string_view name) {
  volume::VolumeStore store = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, true));
  auto v = store.find(name);
  if (!v && v.error().kind() == ErrorKind::NotFound) {
    return fail(ErrorKind::NotFound, fmt::format("no such volume {}", name));
  }
  return v;
}

}  // namespace

Result<void> export_volume(const Settings& settings, std::string_view name, int out_fd) {
  volume::Volume v = NOOK_TRY(find_for_transfer(settings, name));
  std::string dir = NOOK_TRY(content_dir(v));
  auto done = run_tar({"tar", "--numeric-owner", "-C", dir, "-cf", "-", "."}, sys::Redirect::null(),
                      sys::Redirect::to_fd(out_fd));
  if (!done) return fail(done.error().context(fmt::format("exporting volume {}", v.name)));
  return {};
}

Result<void> import_volume(const Settings& settings, std::string_view name, int in_fd) {
  volume::Volume v = NOOK_TRY(find_for_transfer(settings, name));
  std::string dir = NOOK_TRY(content_dir(v));
  auto done = run_tar({"tar", "--numeric-owner", "-C", dir, "-xf", "-"}, sys::Redirect::to_fd(in_fd),
                      sys::Redirect::null());
  if (!done) return fail(done.error().context(fmt::format("importing into volume {}", v.name)));
  return {};
}

}  // namespace nook::engine
