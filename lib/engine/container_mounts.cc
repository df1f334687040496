// The container side of mounts and volumes: -v/--mount/--tmpfs/--volumes-from and the image's
// VOLUMEs become spec mounts at create; volumes get the image's content and their owner at the
// first start; anonymous volumes go with their container (volume_internal.h).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "lib/engine/container_internal.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/engine/volume_internal.h"
#include "lib/oci/mount_spec.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "lib/sys/syscall.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"
#include "lib/volume/volume.h"

namespace nook::engine {

namespace {

using nlohmann::json;

// One user mount as the container record keeps it: what inspect shows, and the spec mount.
struct Entry {
  std::string type;         // bind, volume, tmpfs, image
  std::string name;         // the volume's name
  std::string source;       // host path, "tmpfs", or the image's id
  std::string destination;  // in the container
  bool rw = true;
  std::string propagation;
  bool anonymous = false;
  bool copy = true;    // copy the image's content into a new volume
  bool chown = false;  // :U
  uint32_t uid = 0, gid = 0;
  oci::Mount mount;    // what the runtime mounts
};

json entry_to_json(const Entry& e) {
  return json{{"type", e.type},
              {"name", e.name},
              {"source", e.source},
              {"destination", e.destination},
              {"rw", e.rw},
              {"propagation", e.propagation},
              {"anonymous", e.anonymous},
              {"copy", e.copy},
              {"chown", e.chown},
              {"uid", e.uid},
              {"gid", e.gid},
              {"mount_type", e.mount.type},
              {"mount_source", e.mount.source},
              {"mount_options", e.mount.options}};
}

Entry entry_from_json(const json& j) {
  Entry e;
  auto str = [&](const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : ""; };
  auto flag = [&](const char* key, bool fallback) {
    return j.contains(key) && j[key].is_boolean() ? j[key].get<bool>() : fallback;
  };
  auto number = [&](const char* key) {
    return j.contains(key) && j[key].is_number_unsigned() ? j[key].get<uint32_t>() : 0U;
  };
  e.type = str("type");
  e.name = str("name");
  e.source = str("source");
  e.destination = str("destination");
  e.rw = flag("rw", true);
  e.propagation = str("propagation");
  e.anonymous = flag("anonymous", false);
  e.copy = flag("copy", true);
  e.chown = flag("chown", false);
  e.uid = number("uid");
  e.gid = number("gid");
  e.mount.destination = e.destination;
  e.mount.type = str("mount_type");
  e.mount.source = str("mount_source");
  if (j.contains("mount_options") && j["mount_options"].is_array()) {
    for (const json& o : j["mount_options"]) {
      if (o.is_string()) e.mount.options.push_back(o.get<std::string>());
    }
  }
  return e;
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

bool is_propagation(std::string_view o) {
  return o == "private" || o == "rprivate" || o == "shared" || o == "rshared" || o == "slave" || o == "rslave" ||
         o == "unbindable" || o == "runbindable";
}

std::string propagation_of(const std::vector<std::string>& options) {
  for (const std::string& o : options) {
    if (is_propagation(o)) return o;
  }
  return "";
}


// A bind source must exist (podman: "statfs SRC: no such file or directory").
Result<void> check_source(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    return fail(err == ENOENT ? ErrorKind::NotFound : ErrorKind::System,
                fmt::format("statfs {}: {}", path, errno_text(err)));
  }
  return {};
}

// The flags of the source's mount that a user namespace cannot clear on the bind's remount, as
// podman adds them (so crun's remount does not fail with EPERM).
void add_locked_flags(const std::string& source, std::vector<std::string>& options) {
  struct statvfs st {};
  if (::statvfs(source.c_str(), &st) != 0) return;
  auto add = [&](unsigned long bit, const char* on, const char* off) {
    if ((st.f_flag & bit) != 0 && !contains(options, on) && !contains(options, off)) options.emplace_back(on);
  };
  add(ST_NOSUID, "nosuid", "suid");
  add(ST_NODEV, "nodev", "dev");
  add(ST_NOEXEC, "noexec", "exec");
}

Result<std::string> absolute_path(const std::string& path) {
  if (path.starts_with('/')) return strings::clean_path(path);
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return fail(Error::from_errno("getcwd", "the working directory"));
  return strings::clean_path(fmt::format("{}/{}", cwd, path));
}

Result<void> refuse_idmap(const oci::MountRequest& req) {
  if (req.idmap.empty()) return {};
  return fail(ErrorKind::Unsupported,
              fmt::format("{}: idmapped mounts ({:?}) are not supported by nook", req.destination, req.idmap));
}

struct Resolver {
  const Settings& settings;
  const storage::Store& images;
  volume::VolumeStore& volumes;
  container::Container& record;
  const container::ContainerPaths& paths;
  uint32_t uid, gid;
  std::vector<std::string> created;  // volumes made here, removed again on failure
  int overlay_count = 0;

  // A named volume (made on first use) or a new anonymous one.
  Result<volume::Volume> volume_for(const std::string& name, const std::vector<std::string>& volume_options) {
    if (!name.empty()) {
      auto found = volumes.find(name);
      if (found || found.error().kind() != ErrorKind::NotFound) return found;
    }
    volume::Volume v;
    v.name = name;
    v.anonymous = name.empty();
    v.created = format_rfc3339_nano(now());
    for (const std::string& opt : volume_options) {
      size_t eq = opt.find('=');
      v.options[opt.substr(0, eq)] = eq == std::string::npos ? "" : opt.substr(eq + 1);
    }
    NOOK_TRY_VOID(volume::check_local_options(v.options));
    auto added = volumes.add(std::move(v));
    if (!added && added.error().kind() == ErrorKind::Exists) return volumes.find(name);  // a concurrent create won
    if (added) created.push_back(added->name);
    return added;
  }

  // The spec mount of a volume: its _data, or what its -o options say.
  Result<oci::Mount> volume_mount(const volume::Volume& v, const std::string& destination,
                                  const std::vector<std::string>& request_options, bool* plain) {
    oci::Mount m{.destination = destination};
    auto option = [&](const char* key) -> std::string {
      auto it = v.options.find(key);
      return it == v.options.end() ? "" : it->second;
    };
    std::vector<std::string> o = option("o").empty() ? std::vector<std::string>{} : strings::split(option("o"), ',');
    const std::string type = option("type");
    const std::string device = option("device");
    const bool bind = contains(o, "bind") || contains(o, "rbind");
    *plain = false;
    std::vector<std::string> rw;
    for (const std::string& r : request_options) {
      if (r == "ro" || r == "rw" || is_propagation(r)) rw.push_back(r);
    }
    if (bind) {
      NOOK_TRY_VOID(check_source(device));
      m.type = "bind";
      m.source = device;
      std::erase_if(o, [](const std::string& x) { return x == "bind" || x == "rbind"; });
      m.options = o;
      m.options.emplace_back("rbind");
      m.options.insert(m.options.end(), rw.begin(), rw.end());
      add_locked_flags(device, m.options);
      return m;
    }
    if (!type.empty()) {
      m.type = type;
      m.source = device.empty() ? type : device;
      m.options = o;
      for (const std::string& r : rw) {
        if (!is_propagation(r)) m.options.push_back(r);
      }
      return m;
    }
    *plain = true;
    m.type = "bind";
    m.source = v.mountpoint;
    if (!contains(request_options, "suid")) m.options.emplace_back("nosuid");
    if (!contains(request_options, "dev")) m.options.emplace_back("nodev");
    for (const std::string& r : request_options) {
      if (!contains(m.options, r)) m.options.push_back(r);
    }
    return m;
  }

  Result<Entry> resolve(const oci::MountRequest& req) {
    Entry e;
    e.destination = req.destination;
    e.rw = !req.read_only;
    e.chown = req.chown;
    e.uid = uid;
    e.gid = gid;
    e.mount.destination = req.destination;
    switch (req.kind) {
      case oci::MountKind::Bind: {
        NOOK_TRY_VOID(refuse_idmap(req));
        e.type = "bind";
        e.source = NOOK_TRY(absolute_path(req.source));
        NOOK_TRY_VOID(check_source(e.source));
        if (req.overlay) {
          std::string dir = fmt::format("{}/overlay/{}", paths.dir, overlay_count++);
          NOOK_TRY_VOID(sys::make_dirs(dir + "/upper", 0755));
          NOOK_TRY_VOID(sys::make_dirs(dir + "/work", 0700));
          e.mount.type = "overlay";
          e.mount.source = "overlay";
          e.mount.options = {"lowerdir=" + e.source, "upperdir=" + dir + "/upper", "workdir=" + dir + "/work"};
          if (settings.config.rootless) e.mount.options.emplace_back("userxattr");
          e.mount.options.emplace_back("private");
          e.propagation = "private";
          return e;
        }
        e.mount.type = "bind";
        e.mount.source = e.source;
        e.mount.options = req.options;
        add_locked_flags(e.source, e.mount.options);
        break;
      }
      case oci::MountKind::Volume: {
        NOOK_TRY_VOID(refuse_idmap(req));
        volume::Volume v = NOOK_TRY(volume_for(req.source, req.volume_options));
        bool plain = false;
        e.type = "volume";
        e.name = v.name;
        e.anonymous = v.anonymous;
        e.mount = NOOK_TRY(volume_mount(v, req.destination, req.options, &plain));
        e.source = plain ? v.mountpoint : e.mount.source;
        e.copy = plain && req.copy.value_or(true);
        if (!contains(record.volumes, v.name)) record.volumes.push_back(v.name);
        break;
      }
      case oci::MountKind::Tmpfs:
        e.type = "tmpfs";
        e.source = "tmpfs";
        e.mount.type = "tmpfs";
        e.mount.source = "tmpfs";
        e.mount.options = req.options;
        break;
      case oci::MountKind::Image: {
        auto found = find_local_image(images, settings, req.source);
        if (!found) {
          return fail(found.error().context(fmt::format("creating image volume {:?}:{:?}", req.source, req.destination)));
        }
        const storage::ImageRecord& image = found->record;
        e.type = "image";
        e.source = image.id;
        e.rw = req.image_rw;
        const std::string driver = images.options().driver;
        std::string dir = fmt::format("{}/image-mounts/{}", paths.dir, overlay_count++);
        if (driver == "vfs") {
          e.mount = oci::Mount{.destination = req.destination, .type = "bind",
                               .source = image.layers.empty() ? dir : images.layer_dir(image.layers.back()),
                               .options = {"rbind", req.image_rw ? "rw" : "ro", "rprivate"}};
          if (image.layers.empty()) NOOK_TRY_VOID(sys::make_dirs(dir, 0755));
          break;
        }
        if (driver != "overlay") {
          return fail(ErrorKind::Unsupported,
                      fmt::format("--mount type=image needs the overlay or vfs storage driver, not {:?}", driver));
        }
        std::vector<std::string> lower;
        for (auto it = image.layers.rbegin(); it != image.layers.rend(); ++it) lower.push_back(images.layer_dir(*it));
        e.mount.type = "overlay";
        e.mount.source = "overlay";
        if (req.image_rw) {
          NOOK_TRY_VOID(sys::make_dirs(dir + "/upper", 0755));
          NOOK_TRY_VOID(sys::make_dirs(dir + "/work", 0700));
          if (lower.empty()) {
            NOOK_TRY_VOID(sys::make_dirs(dir + "/empty", 0755));
            lower.push_back(dir + "/empty");
          }
          e.mount.options = {"lowerdir=" + strings::join(lower, ":"), "upperdir=" + dir + "/upper",
                             "workdir=" + dir + "/work"};
        } else {
          // Without an upper directory overlay wants two lower ones at least.
          while (lower.size() < 2) {
            NOOK_TRY_VOID(sys::make_dirs(fmt::format("{}/empty{}", dir, lower.size()), 0755));
            lower.push_back(fmt::format("{}/empty{}", dir, lower.size()));
          }
          e.mount.options = {"lowerdir=" + strings::join(lower, ":"), "ro"};
        }
        if (settings.config.rootless) e.mount.options.emplace_back("userxattr");
        e.mount.options.emplace_back("private");
        break;
      }
    }
    e.propagation = propagation_of(e.mount.options);
    return e;
  }
};

// --volumes-from CTR[:ro|rw|z|Z] (several options comma-separated).
Result<std::vector<Entry>> volumes_from(const Settings& settings, const std::string& spec, container::Container& record) {
  size_t colon = spec.find(':');
  std::string key = spec.substr(0, colon);
  std::optional<bool> rw;
  if (colon != std::string::npos) {
    for (const std::string& opt : strings::split(spec.substr(colon + 1), ',')) {
      if (opt == "ro" || opt == "rw") {
        if (rw) return fail(ErrorKind::InvalidArgument, fmt::format("cannot set ro or rw options more than once"));
        rw = opt == "rw";
      } else if (opt != "z" && opt != "Z") {
        return fail(ErrorKind::InvalidArgument, fmt::format("invalid options {:?}, can only specify 'ro', 'rw', and 'z'", opt));
      }
    }
  }
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  container::Container source = NOOK_TRY(store.find(key));
  std::vector<Entry> out;
  for (const json& j : source.mounts) {
    Entry e = entry_from_json(j);
    if (e.type != "bind" && e.type != "volume") continue;
    e.chown = false;
    if (rw) {
      e.rw = *rw;
      std::erase_if(e.mount.options, [](const std::string& o) { return o == "ro" || o == "rw"; });
      e.mount.options.emplace_back(*rw ? "rw" : "ro");
    }
    if (e.type == "volume" && !contains(record.volumes, e.name)) record.volumes.push_back(e.name);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

Result<std::vector<oci::Mount>> resolve_container_mounts(const Settings& settings, const storage::Store& images,
                                                         const ContainerCreateOptions& options,
                                                         const image::ContainerConfig& image,
                                                         container::Container& record,
                                                         const container::ContainerPaths& paths, uint32_t uid,
                                                         uint32_t gid) {
  std::vector<oci::MountRequest> requests;
  for (const std::string& spec : options.volumes) requests.push_back(NOOK_TRY(oci::parse_volume(spec)));
  for (const std::string& spec : options.mounts) requests.push_back(NOOK_TRY(oci::parse_mount(spec)));
  for (const std::string& spec : options.tmpfs) requests.push_back(NOOK_TRY(oci::parse_tmpfs(spec)));
  NOOK_TRY_VOID(oci::check_duplicate_destinations(requests));
  if (requests.empty() && options.volumes_from.empty() && image.volumes.empty()) return std::vector<oci::Mount>{};

  volume::VolumeStore volumes = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, false));
  Resolver resolver{settings, images, volumes, record, paths, uid, gid, {}, 0};
  auto entries = [&]() -> Result<std::vector<Entry>> {
    std::vector<Entry> user;
    for (const oci::MountRequest& req : requests) user.push_back(NOOK_TRY(resolver.resolve(req)));
    auto covered = [&](const std::vector<Entry>& list, const std::string& dest) {
      return std::any_of(list.begin(), list.end(), [&](const Entry& e) { return e.destination == dest; });
    };
    std::vector<Entry> all;
    for (const std::string& spec : options.volumes_from) {
      for (Entry& e : NOOK_TRY(volumes_from(settings, spec, record))) {
        if (!covered(user, e.destination) && !covered(all, e.destination)) all.push_back(std::move(e));
      }
    }
    for (Entry& e : user) all.push_back(std::move(e));
    // The image's VOLUMEs nobody mounted anything on: anonymous volumes (podman's default
    // image_volume_mode "bind").
    for (const std::string& dest : image.volumes) {
      if (dest.empty() || dest.front() != '/') continue;
      std::string clean = strings::clean_path(dest);
      if (covered(all, clean)) continue;
      oci::MountRequest req;
      req.kind = oci::MountKind::Volume;
      req.destination = clean;
      req.options = {"rprivate", "rbind"};
      all.push_back(NOOK_TRY(resolver.resolve(req)));
    }
    return all;
  }();
  if (!entries) {
    if (!resolver.created.empty()) {
      auto lock = volumes.lock();
      for (const std::string& name : resolver.created) (void)volumes.remove(name);
    }
    return fail(entries.error());
  }
  std::vector<oci::Mount> mounts;
  record.mounts = json::array();
  for (const Entry& e : *entries) {
    record.mounts.push_back(entry_to_json(e));
    mounts.push_back(e.mount);
  }
  return mounts;
}

Result<void> prepare_container_mounts(const Settings& settings, const container::Container& record,
                                      const std::string& rootfs) {
  if (record.mounts.empty()) return {};
  std::optional<volume::VolumeStore> volumes;
  for (const json& j : record.mounts) {
    Entry e = entry_from_json(j);
    const bool plain_volume = e.type == "volume" && e.mount.type == "bind" && e.mount.source == e.source;
    if (plain_volume) {
      if (!volumes) volumes = NOOK_TRY(volume::VolumeStore::open(settings.config.graph_root, false));
      sys::FileLock lock = NOOK_TRY(volumes->lock());
      volume::Volume v = NOOK_TRY(volumes->find(e.name));
      if (v.needs_copy_up || v.needs_chown) {
        sys::UniqueFd root = NOOK_TRY(sys::open_file(rootfs, O_PATH | O_DIRECTORY));
        auto dir = sys::openat2(root.get(), e.destination, O_PATH | O_DIRECTORY, 0, RESOLVE_IN_ROOT);
        struct stat st {};
        if (dir && ::fstat(dir->get(), &st) == 0) {
          if (e.copy && v.needs_copy_up && NOOK_TRY(sys::list_dir(v.mountpoint)).empty()) {
            sys::SpawnOptions spawn;
            spawn.argv = {"cp", "-a", "/proc/self/fd/3/.", v.mountpoint + "/"};
            spawn.keep_fds = {{dir->get(), 3}};
            auto copied = sys::run_capture(std::move(spawn), std::chrono::minutes(30));
            if (!copied) return fail(copied.error().context(fmt::format("copying up into volume {}", v.name)));
            if (!copied->status.success()) {
              return fail(ErrorKind::System, fmt::format("copying up into volume {}: cp exited with {}: {}", v.name,
                                                         copied->status.shell_code(),
                                                         strings::trim(copied->stderr_data)));
            }
          }
          if (v.needs_chown) {
            // The volume takes the owner and mode of the image's directory (podman's fixVolumePermissions).
            if (::chown(v.mountpoint.c_str(), st.st_uid, st.st_gid) != 0 ||
                ::chmod(v.mountpoint.c_str(), st.st_mode & 07777) != 0) {
              return fail(Error::from_errno("chown", fmt::format("volume {}", v.name)));
            }
          }
        } else if (v.needs_chown && ::chown(v.mountpoint.c_str(), e.uid, e.gid) != 0) {
          return fail(Error::from_errno("chown", fmt::format("volume {}", v.name)));
        }
        v.needs_copy_up = false;
        v.needs_chown = false;
        NOOK_TRY_VOID(volumes->update(v));
      }
    }
    if (e.chown) {
      // :U, as podman: the source and everything below it to the container's user.
      auto changed = sys::run_capture({"chown", "-R", "-h", fmt::format("{}:{}", e.uid, e.gid), e.source},
                                      std::chrono::minutes(30));
      if (!changed) return fail(changed.error().context(fmt::format("chown of {}", e.source)));
      if (!changed->status.success()) {
        return fail(ErrorKind::System, fmt::format("chown of {}: {}", e.source, strings::trim(changed->stderr_data)));
      }
    }
  }
  return {};
}

void remove_anonymous_volumes(const std::string& graph_root, const container::Container& record) {
  if (record.volumes.empty()) return;
  auto volumes = volume::VolumeStore::open(graph_root, false);
  auto containers = container::ContainerStore::open(graph_root, true);
  if (!volumes || !containers) return;
  auto lock = volumes->lock();
  auto all = containers->list();
  if (!lock || !all) return;
  for (const std::string& name : record.volumes) {
    auto v = volumes->find(name);
    if (!v || !v->anonymous) continue;
    bool used = std::any_of(all->begin(), all->end(), [&](const container::Container& c) {
      return c.id != record.id && contains(c.volumes, name);
    });
    if (used) continue;
    if (auto removed = volumes->remove(name); !removed) {
      NOOK_DEBUG(Store, "removing anonymous volume {}: {}", name, removed.error().message());
    }
  }
}

std::vector<std::string> user_volume_destinations(const container::Container& record) {
  std::vector<std::string> out;
  for (int group = 0; group < 3; ++group) {
    for (const json& j : record.mounts) {
      if (!j.is_object()) continue;
      std::string type = j.value("type", "");
      int of = type == "volume" ? 1 : type == "image" ? 2 : 0;
      if (of == group) out.push_back(j.value("destination", ""));
    }
  }
  return out;
}

json inspect_mounts(const container::Container& record) {
  json out = json::array();
  for (const json& j : record.mounts) {
    Entry e = entry_from_json(j);
    std::vector<std::string> options;
    for (const std::string& o : e.mount.options) {
      if (o == "ro" || o == "rw" || is_propagation(o) || o.starts_with("lowerdir=") || o.starts_with("upperdir=") ||
          o.starts_with("workdir=") || o == "userxattr") {
        continue;
      }
      options.push_back(o);
    }
    json m = {{"Type", e.type}};
    if (!e.name.empty()) m["Name"] = e.name;
    m["Source"] = e.source;
    m["Destination"] = e.destination;
    m["Driver"] = e.type == "volume" ? "local" : "";
    m["Mode"] = "";
    m["Options"] = options;
    m["RW"] = e.rw;
    m["Propagation"] = e.propagation;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace nook::engine
