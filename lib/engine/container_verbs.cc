// restart, rename, pause/unpause, top, port, container prune, the restart policy and ps --size:
// podman 4.3's messages and exit codes (see container_verbs.h).
#include "lib/engine/container_verbs.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>
#include <thread>

#include "lib/container/container.h"
#include "lib/network/ports.h"
#include "lib/engine/container_cgroups.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/image_reports.h"
#include "lib/engine/store_access.h"
#include "lib/host/host.h"
#include "lib/monitor/monitor.h"
#include "lib/runtime/runtime.h"
#include "lib/sys/proc.h"
#include "lib/sys/file.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

namespace nook::engine {

namespace {

using container::Status;

Error not_improper(std::string message) { return Error(ErrorKind::InvalidState, message + ": container state improper"); }

bool cgroup2_unified() { return host::probe_cgroup_facts(true, "", "").root_is_cgroup2; }

// The keys a verb acts on: `keys` as given, or with --all the ids of the containers that `wanted`
// accepts, judged by their state as the next command would see it (reconcile_view).
template <class Wanted>
Result<std::vector<std::string>> target_keys(const container::ContainerStore& store,
                                             const std::vector<std::string>& keys, bool all, Wanted wanted) {
  if (!all) return keys;
  std::vector<std::string> ids;
  for (container::Container& c : NOOK_TRY(store.list())) {
    reconcile_view(store, c);
    if (wanted(c)) ids.push_back(c.id);
  }
  return ids;
}

// --- /proc reading for top ---------------------------------------------------------------

struct ProcInfo {
  pid_t pid = 0;      // host pid
  pid_t ns_pid = 0;   // pid in the container's namespace
  pid_t ppid = 0;     // host
  pid_t pgid = 0;     // host
  char state = '?';
  int tty_nr = 0;
  int64_t nice = 0;
  uint64_t utime = 0, stime = 0, start_time = 0, vsize = 0;
  int64_t rss_pages = 0;
  uid_t ruid = 0, euid = 0;
  gid_t rgid = 0, egid = 0;
  std::string comm;
  std::string args;
};

std::optional<ProcInfo> read_proc(pid_t pid) {
  std::string base = fmt::format("/proc/{}", pid);
  auto stat = sys::read_file(base + "/stat");
  auto status = sys::read_file(base + "/status");
  if (!stat || !status) return std::nullopt;
  ProcInfo info;
  info.pid = pid;
  size_t open = stat->find('(');
  size_t close = stat->rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 > stat->size()) return std::nullopt;
  info.comm = stat->substr(open + 1, close - open - 1);
  std::vector<std::string> fields;
  for (std::string_view f : strings::split(std::string_view(*stat).substr(close + 2), ' ')) fields.emplace_back(f);
  auto num = [&](size_t field) -> int64_t {  // field numbers as proc(5) counts them (state = 3)
    size_t i = field - 3;
    return i < fields.size() ? std::strtoll(fields[i].c_str(), nullptr, 10) : 0;
  };
  info.state = fields.empty() || fields[0].empty() ? '?' : fields[0][0];
  info.ppid = static_cast<pid_t>(num(4));
  info.pgid = static_cast<pid_t>(num(5));
  info.tty_nr = static_cast<int>(num(7));
  info.utime = static_cast<uint64_t>(num(14));
  info.stime = static_cast<uint64_t>(num(15));
  info.nice = num(19);
  info.start_time = static_cast<uint64_t>(num(22));
  info.vsize = static_cast<uint64_t>(num(23));
  info.rss_pages = num(24);
  for (std::string_view line : strings::split(*status, '\n')) {
    auto values = [&](std::string_view prefix) {
      std::vector<int64_t> out;
      for (std::string_view v : strings::split(strings::trim(line.substr(prefix.size())), '\t')) {
        if (!strings::trim(v).empty()) out.push_back(std::strtoll(std::string(strings::trim(v)).c_str(), nullptr, 10));
      }
      return out;
    };
    if (line.starts_with("Uid:")) {
      auto v = values("Uid:");
      if (v.size() >= 2) info.ruid = static_cast<uid_t>(v[0]), info.euid = static_cast<uid_t>(v[1]);
    } else if (line.starts_with("Gid:")) {
      auto v = values("Gid:");
      if (v.size() >= 2) info.rgid = static_cast<gid_t>(v[0]), info.egid = static_cast<gid_t>(v[1]);
    } else if (line.starts_with("NSpid:")) {
      auto v = values("NSpid:");
      if (!v.empty()) info.ns_pid = static_cast<pid_t>(v.back());
    }
  }
  if (info.ns_pid == 0) info.ns_pid = pid;
  if (auto cmdline = sys::read_file(base + "/cmdline"); cmdline && !cmdline->empty()) {
    std::replace(cmdline->begin(), cmdline->end(), '\0', ' ');
    info.args = std::move(*cmdline);
  } else {
    info.args = "[" + info.comm + "]";
  }
  return info;
}

std::string ns_link(pid_t pid) {
  char buffer[128];
  std::string path = fmt::format("/proc/{}/ns/pid", pid);
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (struct dirent* entry = ::readdir(dir)) {
    pid_t pid = 0;
    std::string_view name = entry->d_name;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (ec == std::errc() && end == name.data() + name.size() && pid > 0) out.push_back(pid);
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

// The processes of the container whose init is `init`: those in its pid namespace, or (when
// the namespace links cannot be read) its descendants.
std::vector<ProcInfo> container_processes(pid_t init) {
  std::vector<ProcInfo> all;
  for (pid_t pid : all_pids()) {
    if (auto info = read_proc(pid)) all.push_back(std::move(*info));
  }
  std::string init_ns = ns_link(init);
  std::set<pid_t> members = {init};
  if (!init_ns.empty()) {
    for (const ProcInfo& p : all) {
      if (p.pid != init && ns_link(p.pid) == init_ns) members.insert(p.pid);
    }
  }
  // Descendants too (a namespace link we could not read, or a container sharing the host's).
  for (bool grew = true; grew;) {
    grew = false;
    for (const ProcInfo& p : all) {
      if (!members.contains(p.pid) && members.contains(p.ppid)) grew = members.insert(p.pid).second || grew;
    }
  }
  std::vector<ProcInfo> out;
  for (ProcInfo& p : all) {
    if (members.contains(p.pid)) out.push_back(std::move(p));
  }
  return out;
}

struct IdMap {
  int64_t inside = 0, outside = 0, count = 0;
};
std::vector<IdMap> read_id_map(const std::string& path) {
  std::vector<IdMap> out;
  auto text = sys::read_file(path);
  if (!text) return out;
  for (std::string_view line : strings::split(*text, '\n')) {
    std::vector<int64_t> v;
    for (std::string_view f : strings::split(line, ' ')) {
      if (!f.empty()) v.push_back(std::strtoll(std::string(f).c_str(), nullptr, 10));
    }
    if (v.size() == 3) out.push_back(IdMap{v[0], v[1], v[2]});
  }
  return out;
}
int64_t to_inside(const std::vector<IdMap>& map, int64_t host) {
  for (const IdMap& m : map) {
    if (host >= m.outside && host < m.outside + m.count) return m.inside + (host - m.outside);
  }
  return map.empty() ? host : 65534;  // the overflow id, as the kernel shows an unmapped one
}

// name:x:id:... files (passwd, group) -> id -> name.
std::map<int64_t, std::string> read_names(const std::string& path) {
  std::map<int64_t, std::string> out;
  auto text = sys::read_file(path);
  if (!text) return out;
  for (std::string_view line : strings::split(*text, '\n')) {
    std::vector<std::string> f = strings::split(line, ':');
    if (f.size() < 3) continue;
    int64_t id = std::strtoll(std::string(f[2]).c_str(), nullptr, 10);
    out.emplace(id, std::string(f[0]));
  }
  return out;
}

std::string name_or_id(const std::map<int64_t, std::string>& names, int64_t id) {
  auto it = names.find(id);
  return it == names.end() ? std::to_string(id) : it->second;
}

std::string tty_name(int tty_nr) {
  if (tty_nr == 0) return "?";
  unsigned major = (static_cast<unsigned>(tty_nr) >> 8) & 0xfff;
  unsigned minor = (static_cast<unsigned>(tty_nr) & 0xff) | ((static_cast<unsigned>(tty_nr) >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return fmt::format("pts/{}", minor + (major - 136) * 256);
  if (major == 4 && minor < 64) return fmt::format("tty{}", minor);
  if (major == 4) return fmt::format("ttyS{}", minor - 64);
  return "?";
}

const std::map<std::string, std::string, std::less<>>& descriptor_headers() {
  static const std::map<std::string, std::string, std::less<>> kHeaders = {
      {"args", "COMMAND"}, {"comm", "COMMAND"}, {"etime", "ELAPSED"}, {"group", "GROUP"}, {"hgroup", "HGROUP"},
      {"hpid", "HPID"},    {"huser", "HUSER"},  {"nice", "NI"},       {"pcpu", "%CPU"},   {"pgid", "PGID"},
      {"pid", "PID"},      {"ppid", "PPID"},    {"rgroup", "RGROUP"}, {"ruser", "RUSER"}, {"state", "STATE"},
      {"time", "TIME"},    {"tty", "TTY"},      {"user", "USER"},     {"vsz", "VSZ"},     {"rss", "RSS"}};
  return kHeaders;
}

// ps(1)'s AIX format descriptors, as psgo translates them.
std::string_view from_aix(std::string_view d) {
  static const std::map<std::string_view, std::string_view> kAix = {
      {"%C", "pcpu"}, {"%G", "group"}, {"%P", "ppid"}, {"%U", "user"},  {"%a", "args"},  {"%c", "comm"},
      {"%g", "rgroup"}, {"%n", "nice"}, {"%p", "pid"}, {"%r", "pgid"}, {"%t", "etime"}, {"%u", "ruser"},
      {"%x", "time"}, {"%y", "tty"},   {"%z", "vsz"}};
  auto it = kAix.find(d);
  return it == kAix.end() ? d : it->second;
}

// Runes, as Go's tabwriter counts cell widths.
size_t display_width(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

// prune's until=: RFC 3339, unix seconds, or a Go duration before now ("10m", "2h", "30s").
Result<int64_t> parse_until(std::string_view value) {
  if (auto t = parse_rfc3339(value)) return t->seconds;
  if (!value.empty()) {
    char unit = value.back();
    std::string_view number = value;
    int64_t scale = 1;
    bool relative = unit == 's' || unit == 'm' || unit == 'h';
    if (relative) {
      number = value.substr(0, value.size() - 1);
      scale = unit == 's' ? 1 : unit == 'm' ? 60 : 3600;
    }
    int64_t n = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (!number.empty() && ec == std::errc() && end == number.data() + number.size()) {
      return relative ? now().seconds - n * scale : n;
    }
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("invalid until filter value {:?}", value));
}

int64_t boottime_ns() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Removes a container for prune (no process): unmounted, then its directory.
Result<void> remove_stopped(container::ContainerStore& store, const std::string& id) {
  sys::FileLock lock = NOOK_TRY(store.lock(id));
  container::Container record = NOOK_TRY(store.find(id));
  NOOK_TRY(reconcile(store, record));
  if (has_process(record)) return fail(not_improper(fmt::format("container {} is running", id)));
  unmount_rootfs(store.paths(id));
  return store.remove(id);
}

}  // namespace

// --- restart -------------------------------------------------------------------------------

Result<std::vector<ContainerResult>> restart_containers(const Settings& settings, const std::vector<std::string>& keys,
                                                        const RestartOptions& options) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  std::vector<std::string> targets = NOOK_TRY(target_keys(
      store, keys, options.all, [&](const container::Container& c) { return !options.running || has_process(c); }));
  std::vector<ContainerResult> results;
  for (const std::string& key : targets) {
    ContainerResult result{.key = key};
    auto run = [&]() -> Result<void> {
      container::Container record = NOOK_TRY(store.find(key));
      result.id = record.id;
      StopOptions stop;
      stop.timeout = options.timeout;
      for (ContainerResult& stopped : NOOK_TRY(stop_containers(settings, {record.id}, stop))) {
        if (stopped.error) return fail(*stopped.error);
      }
      NOOK_TRY(start_container(settings, record.id, AttachOptions{}));
      return {};
    };
    if (auto done = run(); !done) result.error = done.error();
    results.push_back(std::move(result));
  }
  return results;
}

// --- rename --------------------------------------------------------------------------------

Result<void> rename_container(const Settings& settings, std::string_view key, std::string_view new_name) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  container::Container record = NOOK_TRY(store.find(key));
  if (!container::valid_name(new_name)) {
    return fail(ErrorKind::InvalidArgument, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
  }
  if (record.name == new_name) return {};
  auto renamed = store.rename(record.id, new_name);
  if (!renamed && renamed.error().kind() == ErrorKind::Exists) {
    return fail(ErrorKind::Exists,
                fmt::format("renaming container {}: name {} already in use, cannot rename container {}: container "
                            "already exists",
                            record.id, new_name, record.id));
  }
  return renamed;
}

// --- pause / unpause -----------------------------------------------------------------------

Result<void> check_unpause_supported(const Settings& settings) {
  if (settings.config.rootless && !cgroup2_unified()) {
    return fail(ErrorKind::InvalidArgument, "unpause is not supported for cgroupv1 rootless containers");
  }
  return {};
}

Result<std::vector<ContainerResult>> pause_containers(const Settings& settings, const std::vector<std::string>& keys,
                                                      bool all, bool pause) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  Status wanted = pause ? Status::Running : Status::Paused;
  std::vector<std::string> targets = NOOK_TRY(
      target_keys(store, keys, all, [&](const container::Container& c) { return c.state.status == wanted; }));
  std::vector<ContainerResult> results;
  for (const std::string& key : targets) {
    ContainerResult result{.key = key};
    auto act = [&]() -> Result<void> {
      container::Container record = NOOK_TRY(store.find(key));
      result.id = record.id;
      reconcile_view(store, record);
      std::string_view state = container::status_name(record.state.status);
      if (pause) {
        if (record.state.status == Status::Paused) return fail(not_improper(fmt::format("{:?} is already paused", record.id)));
        if (record.state.status != Status::Running) return fail(not_improper(fmt::format("{:?} is not running, can't pause", state)));
        if (settings.config.rootless && !cgroup2_unified()) {
          return fail(ErrorKind::Unsupported,
                      "can not pause containers on rootless containers with cgroup V1: this container does not have a "
                      "cgroup");
        }
      } else if (record.state.status != Status::Paused) {
        return fail(not_improper(fmt::format("{:?} is not paused, can't unpause", record.id)));
      }
      return freeze_container(settings, store, record, pause);  // the freezer (container_cgroups.h)
    };
    if (auto done = act(); !done) result.error = done.error();
    results.push_back(std::move(result));
  }
  return results;
}

// --- top -----------------------------------------------------------------------------------

std::vector<std::string> top_descriptors(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    std::string spaced = arg;
    std::replace(spaced.begin(), spaced.end(), ',', ' ');
    for (std::string_view d : strings::split(spaced, ' ')) {
      if (!d.empty()) out.emplace_back(d);
    }
  }
  if (out.empty()) out = {"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"};
  return out;
}

Result<std::string> top_header(std::string_view descriptor) {
  std::string_view d = from_aix(descriptor);
  auto it = descriptor_headers().find(d);
  if (it == descriptor_headers().end()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("'{}': unknown descriptor", descriptor));
  }
  return it->second;
}

std::string go_duration(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  auto fraction = [](uint64_t frac, int digits) -> std::string {
    if (frac == 0) return "";
    std::string s = fmt::format("{:0{}}", frac, digits);
    while (!s.empty() && s.back() == '0') s.pop_back();
    return "." + s;
  };
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) return sign + std::to_string(u / 1000) + fraction(u % 1000, 3) + "µs";
  if (u < 1000000000) return sign + std::to_string(u / 1000000) + fraction(u % 1000000, 6) + "ms";
  uint64_t secs = u / 1000000000;
  std::string out = std::to_string(secs % 60) + fraction(u % 1000000000, 9) + "s";
  uint64_t mins = secs / 60;
  if (mins > 0) {
    out = std::to_string(mins % 60) + "m" + out;
    if (mins / 60 > 0) out = std::to_string(mins / 60) + "h" + out;
  }
  return sign + out;
}

Result<TopReport> top_container(const Settings& settings, std::string_view key,
                                const std::vector<std::string>& descriptors) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  container::Container record = NOOK_TRY(store.find(key));
  reconcile_view(store, record);
  if (record.state.status != Status::Running && record.state.status != Status::Paused) {
    return fail(ErrorKind::InvalidState, "top can only be used on running containers");
  }
  std::vector<std::string> wanted = top_descriptors(descriptors);
  TopReport report;
  std::vector<std::string> header;
  for (const std::string& d : wanted) header.push_back(NOOK_TRY(top_header(d)));
  report.rows.push_back(std::move(header));

  pid_t init = record.state.pid;
  std::vector<ProcInfo> procs = container_processes(init);
  std::string root = fmt::format("/proc/{}/root", init);
  std::map<int64_t, std::string> users = read_names(root + "/etc/passwd");
  std::map<int64_t, std::string> groups = read_names(root + "/etc/group");
  std::vector<IdMap> uid_map = read_id_map(fmt::format("/proc/{}/uid_map", init));
  std::vector<IdMap> gid_map = read_id_map(fmt::format("/proc/{}/gid_map", init));
  std::map<pid_t, pid_t> ns_pids;
  for (const ProcInfo& p : procs) ns_pids[p.pid] = p.ns_pid;
  auto ns_pid_of = [&](pid_t host) -> pid_t {
    auto it = ns_pids.find(host);
    return it == ns_pids.end() ? 0 : it->second;
  };
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  int64_t boot_now = boottime_ns();
  long page_kib = ::sysconf(_SC_PAGESIZE) / 1024;
  for (const ProcInfo& p : procs) {
    std::vector<std::string> row;
    int64_t started_ns = static_cast<int64_t>(static_cast<double>(p.start_time) / ticks * 1e9);
    int64_t elapsed_ns = std::max<int64_t>(0, boot_now - started_ns);
    double cpu_seconds = static_cast<double>(p.utime + p.stime) / ticks;
    for (const std::string& raw : wanted) {
      std::string_view d = from_aix(raw);
      if (d == "user") row.push_back(name_or_id(users, to_inside(uid_map, p.euid)));
      else if (d == "ruser") row.push_back(name_or_id(users, to_inside(uid_map, p.ruid)));
      else if (d == "group") row.push_back(name_or_id(groups, to_inside(gid_map, p.egid)));
      else if (d == "rgroup") row.push_back(name_or_id(groups, to_inside(gid_map, p.rgid)));
      else if (d == "huser") row.push_back(std::to_string(p.euid));
      else if (d == "hgroup") row.push_back(std::to_string(p.egid));
      else if (d == "pid") row.push_back(std::to_string(p.ns_pid));
      else if (d == "hpid") row.push_back(std::to_string(p.pid));
      else if (d == "ppid") row.push_back(std::to_string(ns_pid_of(p.ppid)));
      else if (d == "pgid") row.push_back(std::to_string(ns_pid_of(p.pgid)));
      else if (d == "pcpu") {
        double elapsed_s = static_cast<double>(elapsed_ns) / 1e9;
        row.push_back(fmt::format("{:.3f}", elapsed_s > 0 ? 100.0 * cpu_seconds / elapsed_s : 0.0));
      } else if (d == "etime") row.push_back(go_duration(elapsed_ns));
      else if (d == "time") row.push_back(go_duration(static_cast<int64_t>(cpu_seconds) * 1000000000));
      else if (d == "tty") row.push_back(tty_name(p.tty_nr));
      else if (d == "args") row.push_back(p.args);
      else if (d == "comm") row.push_back(p.comm);
      else if (d == "nice") row.push_back(std::to_string(p.nice));
      else if (d == "state") row.push_back(std::string(1, p.state));
      else if (d == "vsz") row.push_back(std::to_string(p.vsize / 1024));
      else if (d == "rss") row.push_back(std::to_string(p.rss_pages * page_kib));
      else row.push_back("?");
    }
    report.rows.push_back(std::move(row));
  }
  return report;
}

std::string render_top(const TopReport& report) {
  // Go's text/tabwriter (minwidth 12, padding 2): every cell but a line's last is padded.
  std::vector<size_t> widths;
  for (const auto& row : report.rows) {
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) widths.resize(i + 1, 0);
      widths[i] = std::max(widths[i], display_width(row[i]) + 2);
    }
  }
  std::string out;
  for (const auto& row : report.rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(std::max<size_t>(widths[i], 12) - display_width(row[i]), ' ');
    }
    out += '\n';
  }
  return out;
}

// --- port ----------------------------------------------------------------------------------

Result<std::vector<PortLine>> container_ports(const Settings& settings, const std::vector<std::string>& keys, bool all,
                                              std::optional<std::string> private_port) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, true));
  std::vector<container::Container> records;
  if (all) {
    records = NOOK_TRY(store.list());
  } else {
    for (const std::string& key : keys) records.push_back(NOOK_TRY(store.find(key)));
  }
  std::vector<PortLine> lines;
  for (container::Container& c : records) {
    // As podman: the ports of running containers only.
    reconcile_view(store, c);
    if (!has_process(c)) continue;
    if (private_port) {
      lines.push_back({c.id, NOOK_TRY(network::find_host_port(c.ports, *private_port))});
      continue;
    }
    for (std::string& text : network::port_lines(c.ports)) lines.push_back({c.id, std::move(text)});
  }
  return lines;
}

// --- container prune -----------------------------------------------------------------------

Result<std::vector<PruneReport>> prune_containers(const Settings& settings, const std::vector<std::string>& filters) {
  struct Label {
    std::string key;
    std::optional<std::string> value;
    bool negate = false;
  };
  std::vector<Label> labels;
  std::optional<int64_t> until;
  for (const std::string& filter : filters) {
    size_t eq = filter.find('=');
    if (eq == std::string::npos) return fail(ErrorKind::InvalidArgument, fmt::format("invalid filter {:?}", filter));
    std::string key = filter.substr(0, eq);
    std::string value = filter.substr(eq + 1);
    if (key == "label" || key == "label!") {
      size_t veq = value.find('=');
      Label label{.key = value.substr(0, veq), .negate = key == "label!"};
      if (veq != std::string::npos) label.value = value.substr(veq + 1);
      labels.push_back(std::move(label));
    } else if (key == "until") {
      until = NOOK_TRY(parse_until(value));
    } else {
      return fail(ErrorKind::InvalidArgument, fmt::format("{} is an invalid filter", key));
    }
  }
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  std::vector<PruneReport> reports;
  for (container::Container& c : NOOK_TRY(store.list())) {
    reconcile_view(store, c);
    if (has_process(c)) continue;
    bool match = true;
    for (const Label& label : labels) {
      auto it = c.labels.find(label.key);
      bool has = it != c.labels.end() && (!label.value || it->second == *label.value);
      if (has == label.negate) match = false;
    }
    if (until) {
      auto created = parse_rfc3339(c.created);
      if (!created || created->seconds >= *until) match = false;
    }
    if (!match) continue;
    PruneReport report{.id = c.id};
    container::ContainerPaths paths = store.paths(c.id);
    report.size = directory_size(c.driver == "vfs" ? paths.rootfs : paths.upper);
    if (auto removed = remove_stopped(store, c.id); !removed && removed.error().kind() != ErrorKind::NotFound) {
      report.error = removed.error();
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

// --- restart policy ------------------------------------------------------------------------

bool should_restart(std::string_view policy, int max_retries, int restart_count, int exit_code, bool stopped_by_user) {
  if (stopped_by_user) return false;
  if (policy == "always" || policy == "unless-stopped") return true;
  if (policy != "on-failure" || exit_code == 0) return false;
  return max_retries <= 0 || restart_count < max_retries;
}

// --- sizes ---------------------------------------------------------------------------------

std::string size_column(const ContainerSize& size) {
  return fmt::format("{} (virtual {})", human_size(static_cast<double>(size.rw), 3),
                     human_size(static_cast<double>(size.root_fs), 3));
}

int64_t directory_size(const std::string& dir) {
  int64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::vector<std::string> stack = {dir};
  while (!stack.empty()) {
    std::string current = std::move(stack.back());
    stack.pop_back();
    DIR* handle = ::opendir(current.c_str());
    if (handle == nullptr) continue;
    while (struct dirent* entry = ::readdir(handle)) {
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      std::string path = current + "/" + std::string(name);
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        stack.push_back(std::move(path));
      } else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && seen.insert({st.st_dev, st.st_ino}).second) {
        total += st.st_size;
      }
    }
    ::closedir(handle);
  }
  return total;
}

}  // namespace nook::engine

// --- init, and the starts that follow it; the restart policy's new monitor -----------------

namespace nook::engine {

namespace {

// One line from the monitor's sync pipe (nullopt: it closed the pipe without a word).
std::optional<std::string> read_sync_line(int fd) {
  std::string line;
  char c = 0;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    if (c == '\n') return line;
    line += c;
  }
}

// Waits until the monitor has recorded the exit (start -a of an initialized container, whose
// output is in its log: the monitor was started without our stdio).
Result<int> wait_for_exit_code(container::ContainerStore& store, const std::string& id) {
  for (auto delay = std::chrono::milliseconds(1);; delay = std::min(delay * 2, std::chrono::milliseconds(100))) {
    container::Container record = NOOK_TRY(store.find(id));
    reconcile_view(store, record);
    if (!has_process(record)) return record.state.exit_code;
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace

Result<int> start_initialized(const Settings& settings, container::ContainerStore& store, container::Container& record,
                              sys::FileLock lock, const AttachOptions& attach) {
  if (attach.init_only) {
    return fail(not_improper(fmt::format("container {} has already been created in runtime", record.id)));
  }
  std::string state_root = settings.config.run_root + "/runtime";
  if (record.runtime.empty()) {
    NOOK_TRY_VOID(runtime::start(state_root, record.id));
  } else {
    auto started = NOOK_TRY(sys::run_capture({record.runtime, "--root", state_root, "start", record.id},
                                             std::chrono::seconds(60)));
    if (!started.status.success()) {
      return fail(ErrorKind::System, fmt::format("{} start: exit status {}: {}", record.runtime,
                                                 started.status.shell_code(), strings::trim(started.stderr_data)));
    }
  }
  record.state.status = Status::Running;
  record.state.started_at = format_rfc3339_nano(now());
  record.state.stopped_by_user = false;
  NOOK_TRY_VOID(store.update(record));
  lock.unlock();
  if (!attach.attach) return 0;
  return wait_for_exit_code(store, record.id);
}

Result<std::vector<ContainerResult>> init_containers(const Settings& settings, const std::vector<std::string>& keys,
                                                     bool all) {
  container::ContainerStore store = NOOK_TRY(container::ContainerStore::open(settings.config.graph_root, false));
  std::vector<std::string> targets =
      NOOK_TRY(target_keys(store, keys, all, [](const container::Container& c) { return !has_process(c); }));
  std::vector<ContainerResult> results;
  for (const std::string& key : targets) {
    ContainerResult result{.key = key};
    auto act = [&]() -> Result<void> {
      container::Container record = NOOK_TRY(store.find(key));
      result.id = record.id;
      NOOK_TRY(reconcile(store, record));
      if (has_process(record)) {
        return fail(not_improper(fmt::format("container {} has already been created in runtime", record.id)));
      }
      AttachOptions attach;
      attach.init_only = true;
      NOOK_TRY(start_container(settings, record.id, attach));
      return {};
    };
    if (auto done = act(); !done) result.error = done.error();
    results.push_back(std::move(result));
  }
  return results;
}

void mark_stopped_by_user(container::ContainerStore& store, const std::string& id) {
  auto lock = store.lock(id);
  if (!lock) return;
  auto record = store.find(id);
  if (!record || record->state.stopped_by_user) return;
  record->state.stopped_by_user = true;
  (void)store.update(*record);
}

Result<bool> restart_per_policy(const std::string& graph_root, const std::string& runtime_state_root,
                                container::ContainerStore& store, container::Container& record) {
  if (runtime_state_root.empty()) return false;
  if (!should_restart(record.restart_policy, record.restart_max_retries, record.state.restart_count,
                      record.state.exit_code, record.state.stopped_by_user)) {
    return false;
  }
  NOOK_DEBUG(Store, "restarting container {} per its restart policy {}", record.id, record.restart_policy);
  record.state.restart_count++;
  container::ContainerPaths paths = store.paths(record.id);
  (void)::unlink(paths.exit_file.c_str());
  std::vector<std::string> argv = monitor_argv(graph_root, monitor_options_for(record, paths, runtime_state_root));
  sys::Pipe sync = NOOK_TRY(sys::Pipe::create());
  sys::SpawnOptions spawn;
  spawn.argv = std::move(argv);
  spawn.executable = "/proc/self/exe";
  spawn.keep_fds = {{sync.write.get(), 3}};
  spawn.stdin_from = sys::Redirect::null();
  spawn.stdout_to = sys::Redirect::null();
  spawn.stderr_to = sys::Redirect::null();
  sys::ChildProcess first = NOOK_TRY(sys::spawn(spawn));
  sync.write.reset();
  sys::ExitStatus detached = NOOK_TRY(first.wait());
  std::optional<std::string> line = detached.success() ? read_sync_line(sync.read.get()) : std::nullopt;
  auto message = line ? monitor::parse_sync_message(*line) : Result<monitor::SyncMessage>(fail(ErrorKind::System, "the monitor exited before the container started"));
  if (!message || message->type != monitor::SyncMessage::Type::Pid) {
    record.state.error = message ? message->error : message.error().message();
    NOOK_DEBUG(Store, "restarting container {}: {}", record.id, record.state.error);
    return false;
  }
  pid_t pid = static_cast<pid_t>(message->value);
  record.state.status = Status::Running;
  record.state.pid = pid;
  record.state.started_at = format_rfc3339_nano(now());
  record.state.error.clear();
  record_monitor_of(record, pid);
  NOOK_TRY_VOID(store.update(record));
  return true;
}

}  // namespace nook::engine

namespace nook::engine {

ContainerSize container_size(const Settings& settings, const container::ContainerStore& store,
                             const container::Container& record) {
  ContainerSize size;
  container::ContainerPaths paths = store.paths(record.id);
  size.rw = directory_size(record.driver == "vfs" ? paths.rootfs : paths.upper);
  size.root_fs = size.rw;
  if (auto images = open_store_read_only(settings)) {
    if (auto image = images->find_image(record.image_id)) size.root_fs += image->size;
  }
  return size;
}

}  // namespace nook::engine
