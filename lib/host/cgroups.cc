#include <sys/statfs.h>
#include <sys/stat.h>
#include <linux/magic.h>

#include <algorithm>
#include <string>

#include "lib/host/host.h"
#include "lib/sys/file.h"
#include "lib/util/strings.h"

namespace nook::host {

std::vector<CgroupEntry> parse_proc_cgroup(std::string_view text) {
  std::vector<CgroupEntry> entries;
  for (const std::string& line : strings::split(text, '\n')) {
    if (line.empty()) continue;
    size_t first = line.find(':');
    size_t second = first == std::string::npos ? std::string::npos : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    CgroupEntry entry;
    entry.hierarchy = std::atoi(line.substr(0, first).c_str());
    std::string list = line.substr(first + 1, second - first - 1);
    if (!list.empty()) entry.controllers = strings::split(list, ',');
    entry.path = line.substr(second + 1);
    entries.push_back(std::move(entry));
  }
  return entries;
}

CgroupInfo decide_cgroups(const CgroupFacts& facts) {
  CgroupInfo info;
  if (facts.root_is_cgroup2) {
    info.layout = CgroupLayout::V2;
    info.version = "v2";
    for (const std::string& c : strings::split(strings::trim(facts.v2_controllers), ' ')) {
      if (!c.empty()) info.controllers.push_back(c);
    }
  } else {
    info.layout = facts.unified_is_cgroup2 ? CgroupLayout::Hybrid : CgroupLayout::V1;
    info.version = "v1";
    for (const CgroupEntry& entry : parse_proc_cgroup(facts.proc_self_cgroup)) {
      for (const std::string& c : entry.controllers) {
        if (!c.starts_with("name=")) info.controllers.push_back(c);
      }
    }
    std::sort(info.controllers.begin(), info.controllers.end());
  }
  if (!facts.systemd_running) {
    info.manager = "cgroupfs";
    info.manager_reason = "systemd is not running (no /run/systemd/system)";
  } else if (facts.rootless && !facts.user_bus) {
    info.manager = "cgroupfs";
    info.manager_reason = "no user session bus to reach systemd (DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR/bus missing)";
  } else {
    info.manager = "systemd";
    info.manager_reason = facts.rootless ? "the user's systemd is reachable on the session bus" : "systemd is running";
  }
  return info;
}

namespace {

bool is_cgroup2(const char* path) {
  struct statfs fs {};
  return statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

CgroupFacts probe_cgroup_facts(bool rootless, std::string_view runtime_dir, std::string_view dbus_address) {
  CgroupFacts facts;
  facts.rootless = rootless;
  facts.root_is_cgroup2 = is_cgroup2("/sys/fs/cgroup");
  facts.unified_is_cgroup2 = !facts.root_is_cgroup2 && is_cgroup2("/sys/fs/cgroup/unified");
  facts.proc_self_cgroup = sys::read_file("/proc/self/cgroup").value_or("");
  if (facts.root_is_cgroup2) {
    std::string path = "/sys/fs/cgroup";
    for (const CgroupEntry& entry : parse_proc_cgroup(facts.proc_self_cgroup)) {
      if (entry.hierarchy == 0 && entry.path != "/") path += entry.path;
    }
    facts.v2_controllers = sys::read_file(path + "/cgroup.controllers").value_or("");
  }
  facts.systemd_running = exists("/run/systemd/system");
  std::string bus_path = runtime_dir.empty() ? std::string() : std::string(runtime_dir) + "/bus";
  facts.user_bus = !dbus_address.empty() || (!bus_path.empty() && exists(bus_path));
  return facts;
}

}  // namespace nook::host
