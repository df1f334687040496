#include "lib/engine/container_run_flags.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "lib/engine/container_internal.h"
#include "lib/engine/container_userns.h"
#include "lib/engine/engine.h"
#include "lib/sys/file.h"
#include "lib/sys/syscall.h"
#include "lib/util/log.h"
#include "lib/util/scope_exit.h"
#include "lib/util/strings.h"
#include "rootless/subid.h"

namespace nook::engine {
namespace {


// podman's default AutoUserNsMinSize.
constexpr uint32_t kAutoDefaultSize = 1024;

// The auto ranges other containers hold (their uid maps), read under the lock.
Result<std::vector<oci::IdMapping>> auto_ranges_in_use(const Settings& settings) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  std::vector<oci::IdMapping> used;
  for (const container::Container& c : NOOK_TRY(store.list())) {
    if (!c.userns.starts_with("auto")) continue;
    auto map = parse_mapping_strings(c.uid_map);
    if (!map) continue;
    for (const oci::IdMapping& m : *map) {
      if (m.host_id != 0) used.push_back(m);
    }
  }
  return used;
}

Result<void> apply_userns(const Settings& settings, const ContainerCreateOptions& options, container::Container& record,
                          RunFlagsState& state) {
  std::string text = options.userns ? *options.userns : settings.config.containers_conf.containers.userns;
  UsernsMode mode = NOOK_TRY(parse_userns_mode(text));
  if (mode.kind == UsernsMode::Kind::Host) return {};
  record.userns = text;
  NookIds ids;
  if (settings.config.rootless) {
    ids = parse_nook_ids(sys::read_file("/proc/self/uid_map").value_or(""), sys::read_file("/proc/self/gid_map").value_or(""));
  }
  if (mode.kind == UsernsMode::Kind::KeepId) {
    if (!settings.config.rootless || !ids.rootless) {
      return fail(ErrorKind::InvalidArgument, "keep-id is only supported in rootless mode");
    }
    uint32_t uid = mode.uid.value_or(ids.user_uid);
    uint32_t gid = mode.gid.value_or(ids.user_gid);
    record.uid_map = mapping_strings(keep_id_mapping(uid, ids.subordinate_uids));
    record.gid_map = mapping_strings(keep_id_mapping(gid, ids.subordinate_gids));
    if (options.user.empty()) record.user = fmt::format("{}:{}", uid, gid);
    return {};
  }
  // auto: a range of nook's subordinate ids (rootless), or of the "containers" user's ranges in
  // /etc/subuid (root, as containers/storage does), that no other auto container holds.
  uint32_t first = 1;
  uint32_t count = std::min(ids.subordinate_uids, ids.subordinate_gids);
  if (!settings.config.rootless) {
    auto uids = rootless::find_subids("/etc/subuid", "containers", static_cast<uid_t>(-1));
    auto gids = rootless::find_subids("/etc/subgid", "containers", static_cast<uid_t>(-1));
    count = 0;
    if (uids && gids && !uids->empty() && !gids->empty() && uids->front() == gids->front()) {
      first = uids->front().start;
      count = uids->front().count;
    }
  }
  uint32_t size = mode.size.value_or(kAutoDefaultSize);
  NOOK_TRY_VOID(sys::make_dirs(settings.config.graph_root + "/containers", 0700));
  state.auto_lock = NOOK_TRY(sys::FileLock::exclusive(settings.config.graph_root + "/containers/userns-auto.lock"));
  std::vector<oci::IdMapping> used = NOOK_TRY(auto_ranges_in_use(settings));
  uint32_t start = NOOK_TRY(choose_auto_range(size, first, count, used));
  // nook's own id 0 (the user) is mapped too, just past the range: the runtime's init, root of the
  // new namespace, must reach the bind sources under the user's 0700 data directory (podman's
  // crun opens them before it enters the namespace; nook's runtime does not yet).
  record.uid_map = mapping_strings({{.container_id = 0, .host_id = start, .size = size},
                                    {.container_id = size, .host_id = 0, .size = 1}});
  record.gid_map = record.uid_map;
  NOOK_DEBUG(Store, "--userns={}: ids {}..{}", text, start, start + size - 1);
  return {};
}

// Inserts key: value into an object after the key `after` (at the end when it is missing).
void insert_after(nlohmann::ordered_json& object, std::string_view after, const std::string& key,
                  nlohmann::ordered_json value) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  bool placed = false;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (it.key() == key) continue;
    out[it.key()] = std::move(it.value());
    if (it.key() == after) {
      out[key] = value;
      placed = true;
    }
  }
  if (!placed) out[key] = std::move(value);
  object = std::move(out);
}

}  // namespace

Result<AttachStreams> parse_attach_streams(const std::vector<std::string>& streams) {
  AttachStreams out;
  for (const std::string& stream : streams) {
    std::string lower = strings::to_lower(stream);
    if (lower == "stdin") {
      out.in = true;
    } else if (lower == "stdout") {
      out.out = true;
    } else if (lower == "stderr") {
      out.err = true;
    } else {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("invalid stream {:?} for --attach - must be one of stdin, stdout, or stderr: invalid argument",
                              stream));
    }
  }
  return out;
}

Result<std::string> zone_file_for(const std::string& tz, const std::string& zoneinfo_dir) {
  if (tz == "local") {
    char resolved[PATH_MAX];
    if (::realpath("/etc/localtime", resolved) == nullptr) {
      return fail(ErrorKind::NotFound,
                  fmt::format("finding local timezone for container: lstat /etc/localtime: {}", errno_text(errno)));
    }
    return std::string(resolved);
  }
  // Go's time.LoadLocation refuses these names before looking at files.
  std::vector<std::string> parts = strings::split(tz, '/');
  if (tz.empty() || tz.front() == '/' || std::find(parts.begin(), parts.end(), "..") != parts.end()) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("running container create option: finding timezone {:?}: time: invalid location name", tz));
  }
  std::string path = zoneinfo_dir + "/" + tz;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("running container create option: stat {}: {}", path, errno_text(errno)));
  }
  if (S_ISDIR(st.st_mode)) {
    return fail(ErrorKind::InvalidArgument, "running container create option: invalid timezone: is a directory");
  }
  return path;
}

Result<std::string> find_init_binary(const Settings& settings, const std::string& init_path) {
  std::string path = !init_path.empty() ? init_path : settings.config.containers_conf.containers.init_path;
  if (path.empty()) {
    std::vector<std::string> dirs = settings.config.containers_conf.engine.helper_binaries_dir;
    for (const std::string& dir : strings::split(settings.env.get("PATH").value_or("/usr/bin:/bin"), ':')) {
      if (!dir.empty()) dirs.push_back(dir);
    }
    for (const std::string& dir : dirs) {
      std::string candidate = dir + "/catatonit";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return fail(ErrorKind::NotFound,
                fmt::format("failed to find path for init binary: could not find \"catatonit\" in one of [{}]",
                            strings::join(settings.config.containers_conf.engine.helper_binaries_dir, " ")));
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail(ErrorKind::NotFound,
                fmt::format("container-init binary not found on the host: stat {}: {}", path, errno_text(errno)));
  }
  return path;
}

Result<void> apply_run_flags(const Settings& settings, const ContainerCreateOptions& options,
                             container::Container& record, RunFlagsState& state) {
  if (options.init) {
    state.init_binary = NOOK_TRY(find_init_binary(settings, options.init_path));
    record.init = true;
  }
  std::string tz = options.tz ? *options.tz : settings.config.containers_conf.containers.tz;
  if (!tz.empty()) {
    state.zone_file = NOOK_TRY(zone_file_for(tz));
    record.timezone = tz;
  }
  return apply_userns(settings, options, record, state);
}

Result<void> add_run_flag_mounts(const Settings& settings, const storage::Store& store,
                                 const container::Container& record, const container::ContainerPaths& paths,
                                 const RunFlagsState& state, oci::SpecOptions& spec) {
  auto bind = [&](std::string destination, std::string source, std::vector<std::string> mount_options) {
    spec.extra_mounts.push_back(oci::Mount{.destination = std::move(destination),
                                           .type = "bind",
                                           .source = std::move(source),
                                           .options = std::move(mount_options)});
  };
  if (record.init) {
    bind(kContainerInitPath, state.init_binary, {"bind", "ro"});
    spec.annotations["io.podman.annotations.init"] = "TRUE";
  }
  if (!record.timezone.empty()) {
    std::string zone = NOOK_TRY(sys::read_file(state.zone_file));
    std::string copy = paths.userdata + "/localtime";
    NOOK_TRY_VOID(sys::write_file_atomic(copy, zone, 0644, sys::Durability::AtomicOnly));
    bind("/etc/localtime", copy, {"bind", "rprivate"});
  }
  if (parse_userns_mode(record.userns).value_or(UsernsMode{}).kind == UsernsMode::Kind::KeepId) {
    // podman adds the user (home: the working directory) and its group when the image lacks them.
    auto uid_map = NOOK_TRY(record_uid_map(record));
    auto gid_map = NOOK_TRY(record_gid_map(record));
    uid_t uid = 0;
    gid_t gid = 0;
    for (const oci::IdMapping& m : uid_map) {
      if (m.host_id == 0) uid = m.container_id;
    }
    for (const oci::IdMapping& m : gid_map) {
      if (m.host_id == 0) gid = m.container_id;
    }
    std::vector<std::string> files = NOOK_TRY(read_image_files(settings, store, record, paths, {"etc/passwd", "etc/group"}));
    std::string& passwd = files[0];
    std::string& group = files[1];
    const std::string& name = settings.env.user_name;
    std::string home = spec.workdir.empty() ? "/" : spec.workdir;
    std::string passwd_line = keep_id_passwd_line(passwd, name, uid, gid, home);
    std::string group_line = keep_id_group_line(group, name, gid);
    for (auto [file, text, line] : {std::tuple{"passwd", &passwd, &passwd_line}, std::tuple{"group", &group, &group_line}}) {
      if (line->empty()) continue;
      if (!text->empty() && !text->ends_with('\n')) *text += '\n';
      std::string copy = fmt::format("{}/{}", paths.userdata, file);
      NOOK_TRY_VOID(sys::write_file_atomic(copy, *text + *line, 0644, sys::Durability::AtomicOnly));
      bind(fmt::format("/etc/{}", file), copy, {"bind", "rprivate"});
    }
  }
  return {};
}

Result<std::vector<oci::IdMapping>> record_uid_map(const container::Container& record) {
  return parse_mapping_strings(record.uid_map);
}

Result<std::vector<oci::IdMapping>> record_gid_map(const container::Container& record) {
  return parse_mapping_strings(record.gid_map);
}

Result<void> finish_run_flags_spec(const container::Container& record, oci::Spec& spec) {
  if (record.init) {
    spec.process.args.insert(spec.process.args.begin(), {kContainerInitPath, "--"});
  }
  if (!record.uid_map.empty()) {
    spec.linux_.namespaces.insert(spec.linux_.namespaces.begin(), oci::Namespace{"user", ""});
    spec.linux_.uid_mappings = NOOK_TRY(record_uid_map(record));
    spec.linux_.gid_mappings = NOOK_TRY(record_gid_map(record));
  }
  return {};
}

void add_run_flags_inspect(const container::Container& record, nlohmann::ordered_json& item) {
  using ojson = nlohmann::ordered_json;
  if (item.contains("Config") && item["Config"].is_object()) {
    ojson& config = item["Config"];
    if (record.init && config.contains("Cmd") && config["Cmd"].is_array() && config["Cmd"].size() >= 2 &&
        config["Cmd"][0] == kContainerInitPath) {
      config["Cmd"].erase(0);
      config["Cmd"].erase(0);
    }
    if (!record.timezone.empty()) {
      // podman: after CreateCommand, before Umask.
      ojson out = ojson::object();
      for (auto it = config.begin(); it != config.end(); ++it) {
        if (it.key() == "Umask") out["Timezone"] = record.timezone;
        out[it.key()] = it.value();
      }
      if (!out.contains("Timezone")) out["Timezone"] = record.timezone;
      config = std::move(out);
    }
  }
  if (item.contains("HostConfig") && item["HostConfig"].is_object()) {
    ojson& host = item["HostConfig"];
    if (!record.uid_map.empty()) {
      host["UsernsMode"] = "private";
      insert_after(host, "UsernsMode", "IDMappings", ojson{{"UidMap", record.uid_map}, {"GidMap", record.gid_map}});
    }
    if (record.init) insert_after(host, "OomKillDisable", "Init", true);
  }
}

}  // namespace nook::engine
