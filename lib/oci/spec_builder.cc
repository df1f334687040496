#include "lib/oci/spec_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "lib/oci/capabilities.h"
#include "lib/oci/mount_spec.h"
#include "lib/oci/seccomp_profile.h"
#include "lib/util/strings.h"

namespace nook::oci {

using strings::join;
using strings::clean_path;
using strings::split;
using strings::to_upper;
using strings::trim;
namespace {

// define.RLimitDefaultValue: what podman asks for RLIMIT_NOFILE and RLIMIT_NPROC by default.
constexpr uint64_t kRlimitDefault = 1048576;
constexpr std::string_view kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// go-units ulimitNameMapping.
constexpr std::array<std::string_view, 15> kUlimitNames = {"core",    "cpu",      "data",   "fsize",      "locks",
                                                           "memlock", "msgqueue", "nice",   "nofile",     "nproc",
                                                           "rss",     "rtprio",   "rttime", "sigpending", "stack"};

// An ordered environment: setting an existing name replaces its value in place.
class Env {
 public:
  void set(std::string_view entry) {
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) return;  // "NAME" alone: unset on the host
    std::string_view name = entry.substr(0, eq);
    for (std::string& e : entries_) {
      if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') {
        e = entry;
        return;
      }
    }
    entries_.emplace_back(entry);
  }
  void set_default(std::string_view name, std::string_view value) {
    if (!has(name)) entries_.push_back(fmt::format("{}={}", name, value));
  }
  bool has(std::string_view name) const {
    return std::any_of(entries_.begin(), entries_.end(), [&](const std::string& e) {
      return e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=';
    });
  }
  std::vector<std::string> take() { return std::move(entries_); }

 private:
  std::vector<std::string> entries_;
};

Result<std::vector<std::string>> process_args(const image::ContainerConfig& image, const SpecOptions& options) {
  const std::vector<std::string>& entrypoint = options.entrypoint ? *options.entrypoint : image.entrypoint;
  std::vector<std::string> args;
  if (!(entrypoint.size() == 1 && entrypoint[0].empty())) args = entrypoint;
  // The image's Cmd only goes with the image's Entrypoint: --entrypoint drops it.
  const bool entrypoint_given = options.entrypoint && !options.entrypoint->empty();
  const std::vector<std::string>& command = !options.command.empty() || entrypoint_given ? options.command : image.cmd;
  args.insert(args.end(), command.begin(), command.end());
  if (args.empty()) {
    return fail(ErrorKind::InvalidArgument, "no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
  }
  return args;
}

std::vector<std::string> process_env(const image::ContainerConfig& image, const SpecOptions& options) {
  Env env;
  env.set(kDefaultPath);
  env.set("container=podman");
  for (const std::string& e : options.default_env) env.set(e);
  for (const std::string& e : image.env) env.set(e);
  for (const std::string& e : options.env) env.set(e);
  if (!options.hostname.empty()) env.set_default("HOSTNAME", options.hostname);
  if (options.terminal) env.set_default("TERM", "xterm");
  if (options.user_home) env.set_default("HOME", *options.user_home);
  return env.take();
}

Result<int64_t> parse_int64(std::string_view text) {
  int64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [p, ec] = std::from_chars(begin, end, value);
  if (begin == end || p != end) {
    return fail(ErrorKind::InvalidArgument, fmt::format("strconv.ParseInt: parsing {:?}: invalid syntax", text));
  }
  if (ec == std::errc::result_out_of_range) {
    return fail(ErrorKind::InvalidArgument, fmt::format("strconv.ParseInt: parsing {:?}: value out of range", text));
  }
  return value;
}

Result<Rlimit> parse_ulimit_value(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid ulimit argument: {}", text));
  }
  std::string_view name = text.substr(0, eq);
  if (std::find(kUlimitNames.begin(), kUlimitNames.end(), name) == kUlimitNames.end()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid ulimit type: {}", name));
  }
  std::string_view values = text.substr(eq + 1);
  size_t colon = values.find(':');
  int64_t soft = NOOK_TRY(parse_int64(values.substr(0, colon)));
  int64_t hard = soft;
  if (colon != std::string_view::npos) hard = NOOK_TRY(parse_int64(values.substr(colon + 1)));
  if (hard != -1 && soft > hard) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("ulimit soft limit must be less than or equal to hard limit: {} > {}", soft, hard));
  }
  // -1 is podman's "unlimited": the cast gives RLIM_INFINITY, as uint64(int64(-1)) does in Go.
  return Rlimit{
      .type = "RLIMIT_" + to_upper(name), .hard = static_cast<uint64_t>(hard), .soft = static_cast<uint64_t>(soft)};
}

void add_rlimit(std::vector<Rlimit>& rlimits, Rlimit limit) {
  for (Rlimit& r : rlimits) {
    if (r.type == limit.type) {
      r = std::move(limit);
      return;
    }
  }
  rlimits.push_back(std::move(limit));
}

Result<std::vector<Rlimit>> process_rlimits(const SpecOptions& options) {
  std::vector<Rlimit> rlimits;
  for (const std::string& u : options.ulimits) {
    if (u == "host") return std::vector<Rlimit>{};  // the container inherits the engine's limits
    add_rlimit(rlimits, NOOK_TRY(parse_ulimit(u)));
  }
  // Unless set, NOFILE and NPROC default to 1048576, capped rootless at what the engine has
  // (pkg/specgen/generate/oci.go addRlimits); also as a root without CAP_SYS_RESOURCE, which
  // cannot raise a hard limit either.
  auto default_limit = [&](std::string_view type, const std::optional<Rlimit>& host) {
    if (std::any_of(rlimits.begin(), rlimits.end(), [&](const Rlimit& r) { return r.type == type; })) return;
    Rlimit limit{.type = std::string(type), .hard = kRlimitDefault, .soft = kRlimitDefault};
    if ((options.rootless || !options.can_raise_rlimits) && host) {
      limit.soft = std::min(limit.soft, host->soft);
      limit.hard = std::min(limit.hard, host->hard);
    }
    rlimits.push_back(std::move(limit));
  };
  default_limit("RLIMIT_NOFILE", options.host_nofile);
  default_limit("RLIMIT_NPROC", options.host_nproc);
  return rlimits;
}

Result<mode_t> parse_umask(std::string_view text) {
  unsigned value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 8);
  if (text.empty() || text.size() > 4 || ec != std::errc() || p != text.data() + text.size()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid umask string {}: invalid argument", text));
  }
  return static_cast<mode_t>(value);
}

size_t path_depth(std::string_view destination) {
  std::string cleaned = clean_path(destination);
  return static_cast<size_t>(std::count(cleaned.begin(), cleaned.end(), '/'));
}

Result<std::vector<Mount>> default_mounts(const SpecOptions& options) {
  int64_t shm_bytes = 0;
  if (auto size = parse_ram_bytes(options.shm_size)) {
    shm_bytes = *size;
  } else {
    return fail(ErrorKind::InvalidArgument, fmt::format("unable to translate --shm-size: {}", size.error().message()));
  }
  std::vector<Mount> mounts;
  mounts.push_back({"/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}});
  mounts.push_back({"/dev", "tmpfs", "tmpfs", {"nosuid", "noexec", "strictatime", "mode=755", "size=65536k"}});
  if (options.gid5_available) {
    mounts.push_back(
        {"/dev/pts", "devpts", "devpts", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}});
  } else {
    // Without gid 5 in the user namespace, gid=5 would make the mount fail.
    mounts.push_back({"/dev/pts",
                      "devpts",
                      "devpts",
                      {"rprivate", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}});
  }
  mounts.push_back(
      {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", fmt::format("size={}", shm_bytes)}});
  mounts.push_back({"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}});
  // Rootless with the host's network namespace the kernel refuses a new sysfs (it belongs to the
  // netns owner), so podman binds the host's /sys and leaves /sys/fs/cgroup out (canMountSys).
  const bool can_mount_sys = !(options.network_mode == "host" && options.rootless);
  const std::string perm = options.privileged ? "rw" : "ro";
  if (!can_mount_sys) {
    mounts.push_back({"/sys", "bind", "/sys", {"rprivate", "nosuid", "noexec", "nodev", perm, "rbind"}});
  } else {
    if (options.privileged) {
      mounts.push_back({"/sys", "sysfs", "sysfs", {"rprivate", "nosuid", "noexec", "nodev", "rw"}});
    } else {
      mounts.push_back({"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}});
    }
    mounts.push_back(
        {"/sys/fs/cgroup", "cgroup", "cgroup", {"rprivate", "nosuid", "noexec", "nodev", "relatime", perm}});
  }
  return mounts;
}

// pkg/specgen/generate SupersedeUserMounts, then libpod's sortMounts.
std::vector<Mount> merge_mounts(std::vector<Mount> user, const std::vector<Mount>& defaults) {
  std::vector<std::string> destinations;
  for (const Mount& m : user) destinations.push_back(clean_path(m.destination));
  const bool user_dev = std::find(destinations.begin(), destinations.end(), "/dev") != destinations.end();
  for (const Mount& m : defaults) {
    const std::string dest = clean_path(m.destination);
    if (std::find(destinations.begin(), destinations.end(), dest) != destinations.end()) continue;
    if (user_dev && dest.starts_with("/dev/")) continue;  // a user /dev replaces everything below it
    user.push_back(m);
  }
  std::stable_sort(user.begin(), user.end(), [](const Mount& a, const Mount& b) {
    return path_depth(a.destination) < path_depth(b.destination);
  });
  return user;
}

Result<std::map<std::string, std::string>> sysctls(const SpecOptions& options) {
  std::map<std::string, std::string> out;
  for (const std::string& entry : options.sysctls) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail(ErrorKind::InvalidArgument, fmt::format("{:?} is not a valid sysctl format", entry));
    }
    std::string key(trim(std::string_view(entry).substr(0, eq)));
    std::string value(trim(std::string_view(entry).substr(eq + 1)));
    // The host's network namespace is not the container's to tune.
    if (options.network_mode == "host" && key.starts_with("net.")) continue;
    out[key] = value;
  }
  return out;
}

std::vector<Namespace> namespaces(const SpecOptions& options) {
  std::vector<Namespace> out;
  out.push_back({"pid", ""});
  if (options.network_mode.starts_with("ns:")) {
    out.push_back({"network", options.network_mode.substr(3)});
  } else if (options.network_mode != "host") {
    out.push_back({"network", ""});
  }
  out.push_back({"ipc", ""});
  out.push_back({"uts", ""});
  out.push_back({"mount", ""});
  if (options.cgroupns_private) out.push_back({"cgroup", ""});
  return out;
}

Result<std::optional<Seccomp>> seccomp(const SpecOptions& options, const Capabilities& caps) {
  if (options.seccomp_unconfined) return std::optional<Seccomp>();
  if (options.seccomp) return options.seccomp;
  SeccompTarget target{.capabilities = caps.bounding, .arch = options.arch, .kernel_version = options.kernel_version};
  if (options.seccomp_profile_json) {
    auto profile = load_seccomp_profile(*options.seccomp_profile_json, target);
    if (!profile) return fail(profile.error().context("loading seccomp profile"));
    return *profile;
  }
  if (options.privileged) return std::optional<Seccomp>();
  return std::optional<Seccomp>(NOOK_TRY(default_seccomp(target)));
}

}  // namespace

Result<Rlimit> parse_ulimit(std::string_view text) {
  auto limit = parse_ulimit_value(text);
  if (!limit) {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("ulimit option {:?} requires name=SOFT:HARD, failed to be parsed: {}", text,
                            limit.error().message()));
  }
  return limit;
}

const std::vector<std::string>& default_masked_paths() {
  static const std::vector<std::string> paths = {"/proc/acpi",          "/proc/kcore",      "/proc/keys",
                                                 "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                                 "/proc/sched_debug",   "/proc/scsi",       "/sys/firmware",
                                                 "/sys/fs/selinux",     "/sys/dev/block"};
  return paths;
}

const std::vector<std::string>& default_readonly_paths() {
  static const std::vector<std::string> paths = {"/proc/asound", "/proc/bus", "/proc/fs",
                                                 "/proc/irq",    "/proc/sys", "/proc/sysrq-trigger"};
  return paths;
}

Result<Spec> build_spec(const image::ContainerConfig& image, const SpecOptions& options) {
  Spec spec;
  Process& process = spec.process;
  process.terminal = options.terminal;
  process.args = NOOK_TRY(process_args(image, options));
  process.env = process_env(image, options);
  process.cwd = !options.workdir.empty() ? options.workdir : !image.working_dir.empty() ? image.working_dir : "/";
  process.user = options.user;
  process.user.umask = NOOK_TRY(parse_umask(options.umask));
  process.rlimits = NOOK_TRY(process_rlimits(options));
  process.no_new_privileges = options.no_new_privileges;
  process.oom_score_adj = options.oom_score_adj;
  process.capabilities = NOOK_TRY(resolve_capabilities({.defaults = options.default_capabilities,
                                                        .add = options.cap_add,
                                                        .drop = options.cap_drop,
                                                        .privileged = options.privileged,
                                                        .root_user = options.root_user}));

  spec.root.path = options.rootfs;
  spec.root.readonly = options.read_only;
  spec.hostname = options.hostname;
  spec.annotations = options.annotations;

  std::vector<Mount> user_mounts = options.extra_mounts;
  if (options.read_only && options.read_only_tmpfs) {
    // --read-only keeps the usual scratch directories writable unless a mount covers them.
    for (std::string_view dest : {"/tmp", "/var/tmp", "/run"}) {
      bool covered = std::any_of(user_mounts.begin(), user_mounts.end(),
                                 [&](const Mount& m) { return clean_path(m.destination) == dest; });
      if (!covered) {
        user_mounts.push_back(
            {std::string(dest), "tmpfs", "tmpfs", {"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}});
      }
    }
  }
  spec.mounts = merge_mounts(std::move(user_mounts), NOOK_TRY(default_mounts(options)));

  Linux& lx = spec.linux_;
  lx.namespaces = namespaces(options);
  lx.sysctl = NOOK_TRY(sysctls(options));
  lx.cgroups_path = options.cgroups_path;
  if (options.pids_limit > 0) {
    lx.resources = Resources{};
    lx.resources->raw["pids"]["limit"] = options.pids_limit;
  }
  if (!options.privileged) {
    if (options.rootless && options.network_mode == "host") lx.masked_paths.push_back("/sys/kernel");
    const std::vector<std::string>& masked = default_masked_paths();
    lx.masked_paths.insert(lx.masked_paths.end(), masked.begin(), masked.end());
    lx.readonly_paths = default_readonly_paths();
  }
  lx.seccomp = NOOK_TRY(seccomp(options, *process.capabilities));
  return spec;
}

}  // namespace nook::oci
