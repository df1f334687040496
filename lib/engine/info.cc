// `nook info`: what this host offers nook, in podman's JSON shape (define.Info), plus nook's own
// keys where podman has none: host.helpers (every helper program with its version),
// host.cgroupManagerReason, host.subordinateIdProblems, host.configFiles, store.graphDriverReason.
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "lib/engine/engine.h"
#include "lib/host/host.h"
#include "lib/engine/store_access.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "lib/util/log.h"
#include "rootless/subid.h"

namespace nook::engine {

std::string go_arch();  // version.cc

namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kHelperTimeout{2000};

// The helpers nook runs, and the flag that makes each print its version.
struct HelperSpec {
  const char* name;
  const char* version_flag;  // nullptr: the program has no version flag
};
constexpr HelperSpec kHelpers[] = {
    {"slirp4netns", "--version"}, {"pasta", "--version"}, {"fuse-overlayfs", "--version"},
    {"newuidmap", nullptr},       {"newgidmap", nullptr}, {"catatonit", "--version"},
    {"crun", "--version"},        {"runc", "--version"},  {"aardvark-dns", "--version"},
};

host::Helper probe_helper(const HelperSpec& spec, std::string_view search_path) {
  host::Helper helper{spec.name, "", ""};
  std::optional<std::string> path = host::find_in_path(spec.name, search_path);
  if (!path) return helper;
  helper.path = *path;
  if (spec.version_flag == nullptr) return helper;
  auto run = sys::run_capture({helper.path, spec.version_flag}, kHelperTimeout);
  NOOK_DEBUG(Runtime, "{} {}: {}", helper.path, spec.version_flag, run ? "ran" : run.error().message());
  if (run) {
    helper.version = host::parse_version_output(run->stdout_data + "\n" + run->stderr_data, spec.name);
  }
  return helper;
}

json id_mappings(const config::Environment& env, std::string_view file, uint32_t own_id, json& problems) {
  if (!env.rootless()) return nullptr;
  json map = json::array({{{"container_id", 0}, {"host_id", own_id}, {"size", 1}}});
  auto ranges = rootless::find_subids(file, env.user_name, env.uid);
  if (!ranges) {
    problems.push_back(ranges.error().message());
    return map;
  }
  uint64_t next = 1;
  for (const rootless::IdRange& range : *ranges) {
    map.push_back({{"container_id", next}, {"host_id", range.start}, {"size", range.count}});
    next += range.count;
  }
  for (const rootless::SubidProblem& problem : rootless::check_subid_ranges(*ranges, own_id, file, env.user_name)) {
    problems.push_back(problem.message);
  }
  return map;
}

std::string read_trimmed(const char* path) {
  std::string text = sys::read_file(path).value_or("");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string filesystem_name(int64_t magic) {
  switch (magic) {
    case EXT4_SUPER_MAGIC: return "extfs";
    case XFS_SUPER_MAGIC: return "xfs";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case TMPFS_MAGIC: return "tmpfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
    case 0x65735546: return "fuse";
    case 0x6969: return "nfs";
    default: return fmt::format("0x{:x}", static_cast<uint64_t>(magic));
  }
}

// The nearest existing directory at or above path (the store may not exist yet).
std::string existing_ancestor(std::string path) {
  struct stat st {};
  while (!path.empty() && ::stat(path.c_str(), &st) != 0) {
    size_t slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return path.empty() ? "/" : path;
}

json registries_report(const config::RegistriesConf& conf) {
  json out = json::object();
  out["search"] = conf.unqualified_search_registries;
  for (const config::Registry& r : conf.registries) {
    json mirrors = nullptr;
    if (!r.mirrors.empty()) {
      mirrors = json::array();
      for (const config::RegistryEndpoint& m : r.mirrors) {
        mirrors.push_back({{"Location", m.location}, {"Insecure", m.insecure}});
      }
    }
    out[r.prefix] = {{"Prefix", r.prefix},         {"Location", r.endpoint.location},
                     {"Insecure", r.endpoint.insecure}, {"Blocked", r.blocked},
                     {"MirrorByDigestOnly", r.mirror_by_digest_only}, {"Mirrors", mirrors},
                     {"PullFromMirror", ""}};
  }
  return out;
}

}  // namespace

Result<json> system_info(const Settings& settings) {
  const config::Config& cfg = settings.config;
  const config::Environment& env = settings.env;
  bool rootless = env.rootless();

  struct utsname uts {};
  uname(&uts);
  auto os_release = sys::read_file("/etc/os-release");
  if (!os_release) os_release = sys::read_file("/usr/lib/os-release");
  host::Distribution distro = host::parse_os_release(os_release.value_or(""));
  host::CgroupInfo cgroups = host::decide_cgroups(host::probe_cgroup_facts(
      rootless, cfg.runtime_dir, env.get("DBUS_SESSION_BUS_ADDRESS").value_or("")));
  if (!cfg.containers_conf.engine.cgroup_manager.empty()) {
    cgroups.manager = cfg.containers_conf.engine.cgroup_manager;
    cgroups.manager_reason = "set by containers.conf cgroup_manager";
  }
  host::Memory memory = host::parse_meminfo(sys::read_file("/proc/meminfo").value_or(""));
  double uptime_seconds = std::atof(sys::read_file("/proc/uptime").value_or("0").c_str());

  std::string search_path = env.get("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  for (const std::string& dir : cfg.containers_conf.engine.helper_binaries_dir) search_path += ":" + dir;
  search_path += ":/usr/sbin:/sbin";
  json helpers = json::object();
  std::map<std::string, host::Helper> found;
  for (const HelperSpec& spec : kHelpers) {
    host::Helper helper = probe_helper(spec, search_path);
    json entry = {{"path", helper.path}, {"version", helper.version}};
    if (spec.version_flag == nullptr && !helper.path.empty()) {
      auto usable = std::string_view(spec.name) == "newuidmap" ? rootless::check_newuidmap(helper.path)
                                                                 : rootless::check_newgidmap(helper.path);
      entry["usable"] = usable.has_value();
      if (!usable) entry["problem"] = usable.error().message();
    }
    helpers[spec.name] = entry;
    found[spec.name] = helper;
  }
  auto helper_json = [&](const char* name) {
    const host::Helper& h = found[name];
    return json{{"executable", h.path}, {"package", ""}, {"version", h.version}};
  };

  json problems = json::array();
  json uidmap = id_mappings(env, "/etc/subuid", env.uid, problems);
  json gidmap = id_mappings(env, "/etc/subgid", static_cast<uint32_t>(getgid()), problems);
  if (rootless) {
    if (auto allowed = rootless::userns_allowed(); !allowed) problems.push_back(allowed.error().message());
  }

  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string self = n > 0 ? std::string(exe, static_cast<size_t>(n)) : "nook";

  std::string seccomp_profile;
  json host = {
      {"arch", go_arch()},
      {"cgroupControllers", cgroups.controllers},
      {"cgroupManager", cgroups.manager},
      {"cgroupManagerReason", cgroups.manager_reason},
      {"cgroupVersion", cgroups.version},
      {"configFiles", cfg.files_read},
      {"cpus", sysconf(_SC_NPROCESSORS_ONLN)},
      {"distribution", {{"distribution", distro.distribution}, {"version", distro.version}, {"codename", distro.codename}}},
      {"eventLogger", cfg.containers_conf.engine.events_logger.empty() ? "file" : cfg.containers_conf.engine.events_logger},
      {"helpers", helpers},
      {"hostname", uts.nodename},
      {"idMappings", {{"uidmap", uidmap}, {"gidmap", gidmap}}},
      {"kernel", uts.release},
      {"linkmode", "dynamic"},
      {"logDriver", cfg.containers_conf.containers.log_driver.empty() ? "k8s-file" : cfg.containers_conf.containers.log_driver},
      {"memFree", memory.free},
      {"memTotal", memory.total},
      {"networkBackend", rootless ? cfg.containers_conf.network.default_rootless_network_cmd : "bridge"},
      {"ociRuntime", {{"name", "nook"}, {"package", ""}, {"path", self}, {"version", NOOK_VERSION}}},
      {"os", "linux"},
      {"pasta", helper_json("pasta")},
      {"security",
       {{"apparmorEnabled", read_trimmed("/sys/module/apparmor/parameters/enabled") == "Y"},
        {"capabilities", [&] {
           std::string caps;
           for (const std::string& c : cfg.containers_conf.containers.default_capabilities) {
             if (!caps.empty()) caps += ',';
             caps += c.starts_with("CAP_") ? c : "CAP_" + c;
           }
           return caps;
         }()},
        {"rootless", rootless},
        {"seccompEnabled", true},
        {"seccompProfilePath", seccomp_profile},
        {"selinuxEnabled", sys::path_exists("/sys/fs/selinux/enforce").value_or(false)}}},
      {"serviceIsRemote", false},
      {"slirp4netns", helper_json("slirp4netns")},
      {"subordinateIdProblems", problems},
      {"swapFree", memory.swap_free},
      {"swapTotal", memory.swap_total},
      {"uptime", host::format_uptime(uptime_seconds)},
  };

  storage::DriverChoice driver = decide_driver(settings);
  std::string fs_root = existing_ancestor(cfg.graph_root);
  struct statfs fs {};
  int64_t allocated = 0, used = 0;
  std::string backing = "unknown";
  if (statfs(fs_root.c_str(), &fs) == 0) {
    allocated = static_cast<int64_t>(fs.f_blocks) * fs.f_bsize;
    used = static_cast<int64_t>(fs.f_blocks - fs.f_bfree) * fs.f_bsize;
    backing = filesystem_name(fs.f_type);
  }
  // Creating the run root is what podman does on info too; it also checks the directory is ours.
  NOOK_TRY_VOID(sys::make_dirs(cfg.run_root, 0700));
  json store = {
      {"configFile", cfg.storage_conf.path},
      {"containerStore", {{"number", 0}, {"paused", 0}, {"running", 0}, {"stopped", 0}}},
      {"graphDriverName", driver.driver},
      {"graphDriverReason", driver.reason},
      {"graphOptions", json::object()},
      {"graphRoot", cfg.graph_root},
      {"graphRootAllocated", allocated},
      {"graphRootUsed", used},
      {"graphStatus",
       {{"Backing Filesystem", backing},
        {"Native Overlay Diff", driver.driver == "overlay" ? "true" : "false"},
        {"Supports d_type", "true"},
        {"Using metacopy", "false"}}},
      {"imageCopyTmpDir", env.get_nonempty("TMPDIR").value_or("/var/tmp")},
      {"imageStore", {{"number", 0}}},
      {"runRoot", cfg.run_root},
      {"transientStore", false},
      {"volumePath", cfg.graph_root + "/volumes"},
  };

  return json{
      {"host", host},
      {"store", store},
      {"registries", registries_report(cfg.registries)},
      {"plugins",
       {{"authorization", nullptr},
        {"log", {"k8s-file", "none", "passthrough"}},
        {"network", {"bridge"}},
        {"volume", {"local"}}}},
      {"version", version_report()["Client"]},
  };
}

}  // namespace nook::engine
