// run/create's limit flags, the cgroupsPath, inspect's HostConfig limits, pause/unpause.
#include "lib/engine/container_cgroups.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "lib/cgroup/manager.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/engine.h"
#include "lib/host/host.h"
#include "lib/runtime/cgroups.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

constexpr std::string_view kRootlessV1Warning = "Resource limits are not supported and ignored on cgroups V1 rootless systems";

// Go's strconv errors, as pflag wraps them: `invalid argument "x" for "--cpus" flag: ...`.
Error flag_error(std::string_view value, std::string_view flag, std::string_view func, std::string_view why) {
  return Error(ErrorKind::InvalidArgument, fmt::format("invalid argument \"{}\" for \"{}\" flag: strconv.{}: parsing \"{}\": {}",
                                                       value, flag, func, value, why));
}

Result<std::optional<int64_t>> parse_int_flag(const std::optional<std::string>& value, std::string_view flag) {
  if (!value) return std::optional<int64_t>();
  const std::string& v = *value;
  int64_t out = 0;
  const char* begin = v.data() + (v.starts_with('+') ? 1 : 0);
  auto [end, ec] = std::from_chars(begin, v.data() + v.size(), out);
  if (ec == std::errc::result_out_of_range) return fail(flag_error(v, flag, "ParseInt", "value out of range"));
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return fail(flag_error(v, flag, "ParseInt", "invalid syntax"));
  return std::optional<int64_t>(out);
}

Result<std::optional<uint64_t>> parse_uint(const std::optional<std::string>& value, std::string_view flag, bool pflag,
                                           uint64_t max = UINT64_MAX) {
  if (!value) return std::optional<uint64_t>();
  const std::string& v = *value;
  auto error = [&](std::string_view why) {
    if (pflag) return flag_error(v, flag, "ParseUint", why);
    return Error(ErrorKind::InvalidArgument,
                 fmt::format("invalid value for {}: strconv.ParseUint: parsing \"{}\": {}", flag, v, why));
  };
  uint64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && out > max)) return fail(error("value out of range"));
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return fail(error("invalid syntax"));
  return std::optional<uint64_t>(out);
}

Result<std::optional<double>> parse_float_flag(const std::optional<std::string>& value, std::string_view flag) {
  if (!value) return std::optional<double>();
  const std::string& v = *value;
  char* end = nullptr;
  errno = 0;
  double out = v.empty() ? 0 : std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || std::isnan(out) || v.find_first_of("xXpP") != std::string::npos) {
    return fail(flag_error(v, flag, "ParseFloat", "invalid syntax"));
  }
  if (errno == ERANGE) return fail(flag_error(v, flag, "ParseFloat", "value out of range"));
  return std::optional<double>(out);
}

Result<int64_t> memory_flag(const std::string& value) {
  auto bytes = ram_in_bytes(value);
  if (!bytes) return fail(bytes.error().context("invalid value for memory"));
  return *bytes;
}

bool any_limit(const ContainerResourceOptions& f) {
  return !f.memory.empty() || !f.memory_reservation.empty() || !f.memory_swap.empty() ||
         (f.memory_swappiness && *f.memory_swappiness != "-1") || f.cpus || f.cpu_shares || f.cpu_period || f.cpu_quota ||
         !f.cpuset_cpus.empty() || !f.cpuset_mems.empty() || f.pids_limit || f.blkio_weight || f.oom_kill_disable;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Whether the host can take a block I/O weight (podman's sysinfo check).
bool blkio_weight_supported(const cgroup::Hierarchy& h) {
  if (h.layout == cgroup::Layout::V2) {
    auto controllers = sys::read_file(h.unified_mount + "/cgroup.controllers");
    return controllers && controllers->find("io") != std::string::npos;
  }
  auto blkio = h.v1_mounts.find("blkio");
  return blkio != h.v1_mounts.end() && exists(blkio->second + "/blkio.weight");
}

bool swap_supported(const cgroup::Hierarchy& h) {
  if (h.layout == cgroup::Layout::V2) return true;
  auto memory = h.v1_mounts.find("memory");
  return memory != h.v1_mounts.end() && exists(memory->second + "/memory.memsw.limit_in_bytes");
}

// Our uid on the host: inside nook's user namespace, the outside id of uid 0.
std::string host_uid() {
  if (auto map = sys::read_file("/proc/self/uid_map")) {
    std::vector<std::string> fields;
    for (std::string& f : strings::split(strings::split(*map, '\n').front(), ' ')) {
      if (!f.empty()) fields.push_back(std::move(f));
    }
    if (fields.size() == 3 && fields[0] == "0") return fields[1];
  }
  return std::to_string(::getuid());
}

std::string basename_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<int64_t> ram_in_bytes(std::string_view text) {
  auto bad = [&] { return fail(ErrorKind::InvalidArgument, fmt::format("invalid size: '{}'", text)); };
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string number(text.substr(0, i));
  if (number.empty() || !std::isdigit(static_cast<unsigned char>(number.front())) || number.back() == '.' ||
      std::count(number.begin(), number.end(), '.') > 1) {
    return bad();
  }
  std::string_view rest = text.substr(i);
  if (rest.starts_with(' ')) rest.remove_prefix(1);
  double multiplier = 1;
  if (!rest.empty()) {
    switch (std::tolower(static_cast<unsigned char>(rest.front()))) {
      case 'k': multiplier = 1024.0; break;
      case 'm': multiplier = 1024.0 * 1024; break;
      case 'g': multiplier = 1024.0 * 1024 * 1024; break;
      case 't': multiplier = 1024.0 * 1024 * 1024 * 1024; break;
      case 'p': multiplier = 1024.0 * 1024 * 1024 * 1024 * 1024; break;
      default: multiplier = 0;
    }
    if (multiplier != 0) rest.remove_prefix(1);
    else multiplier = 1;
  }
  if (!rest.empty() && (rest.front() == 'i' || rest.front() == 'I')) rest.remove_prefix(1);
  if (!rest.empty() && (rest.front() == 'b' || rest.front() == 'B')) rest.remove_prefix(1);
  if (!rest.empty()) return bad();
  return static_cast<int64_t>(std::strtod(number.c_str(), nullptr) * multiplier);
}

Result<void> check_cpuset(std::string_view list, std::string_view what) {
  auto bad = [&] { return fail(ErrorKind::InvalidArgument, fmt::format("invalid value {} for cpuset {}", list, what)); };
  if (list.empty()) return bad();
  for (const std::string& part : strings::split(list, ',')) {
    std::vector<std::string> range = strings::split(part, '-');
    if (range.empty() || range.size() > 2) return bad();
    std::vector<unsigned long> bounds;
    for (const std::string& n : range) {
      if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) return bad();
      bounds.push_back(std::stoul(n));
    }
    if (bounds.size() == 2 && bounds[0] > bounds[1]) return bad();
  }
  return {};
}

Result<CgroupPlan> plan_container_cgroup(const Settings& settings, const ContainerCreateOptions& options) {
  const ContainerResourceOptions& f = options.resources;
  auto warn = [&options](std::string_view message) {
    if (options.on_warning) options.on_warning(std::string(message));
  };
  CgroupPlan plan;
  // Flag syntax first, as pflag does while parsing the command line.
  std::optional<double> cpus = NOOK_TRY(parse_float_flag(f.cpus, "--cpus"));
  std::optional<uint64_t> shares = NOOK_TRY(parse_uint(f.cpu_shares, "-c, --cpu-shares", true));
  std::optional<uint64_t> period = NOOK_TRY(parse_uint(f.cpu_period, "--cpu-period", true));
  std::optional<int64_t> quota = NOOK_TRY(parse_int_flag(f.cpu_quota, "--cpu-quota"));
  std::optional<int64_t> swappiness = NOOK_TRY(parse_int_flag(f.memory_swappiness, "--memory-swappiness"));
  std::optional<int64_t> pids = NOOK_TRY(parse_int_flag(f.pids_limit, "--pids-limit"));
  std::optional<int64_t> oom_score_adj = NOOK_TRY(parse_int_flag(f.oom_score_adj, "--oom-score-adj"));
  if (oom_score_adj) plan.oom_score_adj = static_cast<int>(*oom_score_adj);
  if (cpus && quota && *quota != 0) return fail(ErrorKind::InvalidArgument, "--cpu-quota and --cpus cannot be set together");
  if (cpus && period && *period != 0) return fail(ErrorKind::InvalidArgument, "--cpu-period and --cpus cannot be set together");
  std::optional<int64_t> memory, reservation, swap;
  if (!f.memory.empty()) memory = NOOK_TRY(memory_flag(f.memory));
  if (!f.memory_reservation.empty()) reservation = NOOK_TRY(memory_flag(f.memory_reservation));
  if (!f.memory_swap.empty()) swap = f.memory_swap == "-1" ? int64_t{-1} : NOOK_TRY(memory_flag(f.memory_swap));
  uint64_t blkio = NOOK_TRY(parse_uint(f.blkio_weight, "blkio-weight", false, 65535)).value_or(0);

  plan.mode = f.cgroups.empty() ? settings.config.containers_conf.containers.cgroups : f.cgroups;
  if (plan.mode != "enabled" && plan.mode != "disabled" && plan.mode != "no-conmon" && plan.mode != "split") {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("running container create option: invalid cgroup mode {:?}: invalid argument", plan.mode));
  }
  if (!f.cgroupns.empty() && f.cgroupns != "host" && f.cgroupns != "private") {
    if (f.cgroupns.starts_with("ns:")) {
      return fail(ErrorKind::Unsupported, fmt::format("--cgroupns {} is not supported yet: use host or private", f.cgroupns));
    }
    return fail(ErrorKind::InvalidArgument, fmt::format("unrecognized namespace mode {} passed", f.cgroupns));
  }

  plan.rootless = settings.config.rootless;
  plan.hierarchy = NOOK_TRY(cgroup::probe_hierarchy());
  const cgroup::Hierarchy& h = plan.hierarchy;
  bool v2 = h.layout == cgroup::Layout::V2;

  // The manager: containers.conf (or --cgroup-manager), else systemd where it is usable. nook
  // cannot ask systemd for a scope without it, so where it is absent cgroupfs takes over, with
  // podman's warnings.
  std::string wanted = settings.config.containers_conf.engine.cgroup_manager;
  host::CgroupInfo info = host::decide_cgroups(host::probe_cgroup_facts(
      plan.rootless, settings.config.runtime_dir, settings.env.get("DBUS_SESSION_BUS_ADDRESS").value_or("")));
  plan.manager = wanted.empty() ? info.manager : wanted;
  if (plan.manager == "systemd" && info.manager != "systemd") {
    if (plan.rootless) {
      warn("The cgroupv2 manager is set to systemd but there is no systemd user session available");
      warn("For using systemd, you may need to login using an user session");
      warn(fmt::format("Alternatively, you can enable lingering with: `loginctl enable-linger {}` (possibly as root)",
                       host_uid()));
    }
    warn("Falling back to --cgroup-manager=cgroupfs");
    plan.manager = "cgroupfs";
  }
  plan.parent = f.cgroup_parent;
  if (!plan.parent.empty()) {
    bool slice = basename_of(plan.parent).ends_with(".slice");
    if (plan.manager == "cgroupfs" && slice) {
      return fail(ErrorKind::InvalidArgument, "systemd slice received as cgroup parent when using cgroupfs: invalid argument");
    }
    if (plan.manager == "systemd" && !slice) {
      return fail(ErrorKind::InvalidArgument,
                  "did not receive systemd slice as cgroup parent when using systemd to manage cgroups: invalid argument");
    }
  }
  plan.cgroupns_private = f.cgroupns.empty() ? v2 : f.cgroupns == "private";

  bool limits_ignored = plan.rootless && !v2;
  if (limits_ignored) {
    if (any_limit(f)) warn(kRootlessV1Warning);
    return plan;
  }
  if (plan.rootless) {
    auto own = h.own.find("");
    std::string dir = h.unified_mount + (own == h.own.end() || own->second == "/" ? "" : own->second);
    plan.own_writable = ::access((dir + "/cgroup.procs").c_str(), W_OK) == 0;
  }
  plan.active = plan.mode != "disabled";
  if (!plan.active) return plan;

  // What podman checks once it knows cgroups are there (pkg/specgen/generate/validate.go).
  if (swap && *swap != -1 && !memory) {
    return fail(ErrorKind::InvalidArgument, "you should always set a memory limit when using a memoryswap limit, see usage");
  }
  if (swap && *swap > 0 && memory && *swap < *memory) {
    return fail(ErrorKind::InvalidArgument, "minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (reservation && memory && *memory > 0 && *reservation > *memory) {
    return fail(ErrorKind::InvalidArgument, "minimum memory limit cannot be less than memory reservation limit, see usage");
  }
  if (swappiness && (*swappiness < -1 || *swappiness > 100)) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("invalid value: {}, valid memory swappiness range is 0-100", *swappiness));
  }
  if (period && *period != 0 && (*period < 1000 || *period > 1000000)) {
    return fail(ErrorKind::InvalidArgument, "CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  if (quota && *quota > 0 && *quota < 1000) {
    return fail(ErrorKind::InvalidArgument, "CPU cfs quota cannot be less than 1ms (i.e. 1000)");
  }
  if (!f.cpuset_cpus.empty()) NOOK_TRY_VOID(check_cpuset(f.cpuset_cpus, "cpus"));
  if (!f.cpuset_mems.empty()) NOOK_TRY_VOID(check_cpuset(f.cpuset_mems, "mems"));
  if (blkio != 0) {
    if (!blkio_weight_supported(h)) {
      warn("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
      blkio = 0;
    } else if (blkio < 10 || blkio > 1000) {
      return fail(ErrorKind::InvalidArgument, "range of blkio weight is from 10 to 1000");
    }
  }

  cgroup::Resources& r = plan.resources;
  if (memory && *memory > 0) r.memory_limit = *memory;
  if (reservation && *reservation > 0) r.memory_reservation = *reservation;
  if (swap) {
    r.memory_swap = *swap;
  } else if (r.memory_limit && swap_supported(h)) {
    r.memory_swap = 2 * *r.memory_limit;  // podman's default: as much swap as memory
  }
  if (swappiness && *swappiness >= 0) r.memory_swappiness = static_cast<uint64_t>(*swappiness);
  if (f.oom_kill_disable) r.disable_oom_killer = true;
  if (cpus && *cpus > 0) {
    r.cpu_period = 100000;
    r.cpu_quota = static_cast<int64_t>(std::llround(*cpus * 100000));
  }
  if (shares && *shares != 0) r.cpu_shares = *shares;
  if (period && *period != 0) r.cpu_period = *period;
  if (quota && *quota != 0) r.cpu_quota = *quota;
  r.cpuset_cpus = f.cpuset_cpus;
  r.cpuset_mems = f.cpuset_mems;
  if (pids) {
    if (*pids > 0) r.pids_limit = *pids;
  } else if (settings.config.containers_conf.containers.pids_limit > 0) {
    r.pids_limit = settings.config.containers_conf.containers.pids_limit;
  }
  if (blkio != 0) r.blkio_weight = static_cast<uint16_t>(blkio);
  return plan;
}

void apply_cgroup_plan(const CgroupPlan& plan, const std::string& id, oci::SpecOptions& spec_options) {
  if (plan.active) {
    cgroup::PathInputs in;
    in.mode = plan.mode;
    in.manager = plan.manager;
    in.parent = plan.parent;
    in.id = id;
    in.rootless = plan.rootless;
    in.own_writable = plan.own_writable;
    spec_options.cgroups_path = cgroup::choose_cgroups_path(plan.hierarchy, in);
  }
  spec_options.cgroupns_private = plan.cgroupns_private;
  if (plan.oom_score_adj) spec_options.oom_score_adj = plan.oom_score_adj;
}

Result<void> finish_cgroup_spec(const CgroupPlan& plan, oci::Spec& spec, const std::string& userdata) {
  if (!spec.linux_.cgroups_path.empty() && !plan.resources.empty()) {
    if (!spec.linux_.resources) spec.linux_.resources = oci::Resources{};
    spec.linux_.resources->raw = cgroup::merge_into(spec.linux_.resources->raw, plan.resources);
  }
  nlohmann::json note{{"Cgroups", plan.mode == "disabled" ? "disabled" : "default"},
                      {"CgroupParent", plan.parent},
                      {"CgroupManager", plan.manager},
                      {"CgroupsPath", spec.linux_.cgroups_path}};
  return sys::write_file_atomic(userdata + "/cgroup.json", note.dump() + "\n", 0600, sys::Durability::AtomicOnly);
}

void add_cgroup_inspect(const std::string& userdata, const oci::Spec* spec, nlohmann::ordered_json& host) {
  if (auto text = sys::read_file(userdata + "/cgroup.json")) {
    nlohmann::json note = nlohmann::json::parse(*text, nullptr, false);
    if (note.is_object()) {
      host["CgroupManager"] = note.value("CgroupManager", "cgroupfs");
      host["CgroupParent"] = note.value("CgroupParent", "");
      host["Cgroups"] = note.value("Cgroups", "default");
    }
  }
  if (spec == nullptr || !spec->linux_.resources) return;
  auto parsed = cgroup::parse_resources(spec->linux_.resources->raw);
  if (!parsed) return;
  const cgroup::Resources& r = *parsed;
  const nlohmann::json& raw = spec->linux_.resources->raw;
  if (raw.contains("memory")) host["MemorySwappiness"] = -1;
  if (r.memory_limit) host["Memory"] = *r.memory_limit;
  if (r.memory_reservation) host["MemoryReservation"] = *r.memory_reservation;
  if (r.memory_swap && *r.memory_swap > 0) host["MemorySwap"] = *r.memory_swap;
  if (r.memory_swappiness) host["MemorySwappiness"] = *r.memory_swappiness;
  if (r.disable_oom_killer) host["OomKillDisable"] = *r.disable_oom_killer;
  if (r.cpu_shares) host["CpuShares"] = *r.cpu_shares;
  if (r.cpu_period) host["CpuPeriod"] = *r.cpu_period;
  if (r.cpu_quota) host["CpuQuota"] = *r.cpu_quota;
  if (r.cpu_period && r.cpu_quota && *r.cpu_period > 0) {
    host["NanoCpus"] = static_cast<int64_t>(static_cast<double>(*r.cpu_quota) / static_cast<double>(*r.cpu_period) * 1e9);
  }
  host["CpusetCpus"] = r.cpuset_cpus;
  host["CpusetMems"] = r.cpuset_mems;
  if (r.pids_limit) host["PidsLimit"] = *r.pids_limit;
  if (r.blkio_weight) host["BlkioWeight"] = *r.blkio_weight;
}

namespace {

std::optional<cgroup::Manager> container_cgroup(const std::string& run_root, const container::ContainerStore& store,
                                                const container::Container& record) {
  if (auto recorded = runtime::recorded_cgroup(run_root + "/runtime", record.id)) return recorded;
  return runtime::bundle_cgroup(store.paths(record.id).userdata);
}

}  // namespace

Result<void> freeze_container(const Settings& settings, container::ContainerStore& store, container::Container& record,
                              bool pause) {
  sys::FileLock lock = NOOK_TRY(store.lock(record.id));
  std::optional<cgroup::Manager> manager = container_cgroup(settings.config.run_root, store, record);
  if (!manager || !manager->can_freeze()) {
    return fail(ErrorKind::Unsupported, fmt::format("cannot {} without using CGroups: this container does not have a cgroup",
                                                    pause ? "pause" : "unpause"));
  }
  NOOK_TRY_VOID(manager->freeze(pause));
  container::Container fresh = NOOK_TRY(store.find(record.id));
  fresh.state.status = pause ? container::Status::Paused : container::Status::Running;
  NOOK_TRY_VOID(store.update(fresh));
  record = std::move(fresh);
  return {};
}

void thaw_if_paused(container::ContainerStore& store, container::Container& record) {
  if (record.state.status != container::Status::Paused) return;
  // The runtime's note needs the run root, which the callers do not have: the bundle says it too.
  std::optional<cgroup::Manager> manager = runtime::bundle_cgroup(store.paths(record.id).userdata);
  if (manager && manager->frozen()) {
    if (auto thawed = manager->freeze(false); !thawed) {
      NOOK_DEBUG(Cgroup, "thawing {}: {}", record.id, thawed.error().message());
      return;
    }
  }
  auto lock = store.lock(record.id);
  auto fresh = store.find(record.id);
  if (lock && fresh && fresh->state.status == container::Status::Paused) {
    fresh->state.status = container::Status::Running;
    (void)store.update(*fresh);
  }
  record.state.status = container::Status::Running;
}

void remove_orphaned_cgroup(const container::ContainerStore& store, const container::Container& record) {
  std::optional<cgroup::Manager> manager = runtime::bundle_cgroup(store.paths(record.id).userdata);
  if (!manager) return;
  if (auto removed = manager->destroy(); !removed) {
    NOOK_DEBUG(Cgroup, "container {}: {}", record.id, removed.error().message());
  }
}

}  // namespace nook::engine
