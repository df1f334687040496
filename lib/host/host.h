// Facts about the host that `nook info` reports and later issues decide on: kernel, distribution,
// cgroup layout, memory, helpers on PATH. Parsing is pure (unit-tested on text); probing reads
// /proc, /sys and /etc and never changes anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::host {

struct Distribution {
  std::string distribution;  // ID from os-release ("debian")
  std::string version;       // VERSION_ID ("12"), "unknown" if absent
  std::string codename;      // VERSION_CODENAME ("bookworm")
};

// Parses os-release(5) text: KEY=value lines, values optionally in single or double quotes with
// backslash escapes inside double quotes; comments and blank lines ignored.
Distribution parse_os_release(std::string_view text);

// One line of /proc/self/cgroup: "hierarchy-ID:controller-list:cgroup-path".
struct CgroupEntry {
  int hierarchy = 0;
  std::vector<std::string> controllers;  // empty for the v2 entry "0::/path"
  std::string path;
};
std::vector<CgroupEntry> parse_proc_cgroup(std::string_view text);

enum class CgroupLayout { V1, Hybrid, V2 };

struct CgroupInfo {
  CgroupLayout layout = CgroupLayout::V1;
  std::string version;                   // podman's "v1" or "v2" (hybrid reports "v1", as podman)
  std::vector<std::string> controllers;  // v2: cgroup.controllers of our cgroup; v1: mounted controllers
  std::string manager;                   // "systemd" or "cgroupfs"
  std::string manager_reason;            // why that manager was chosen
};

// Inputs of the cgroup decision, gathered by probe_cgroups() or given by a test.
struct CgroupFacts {
  bool root_is_cgroup2 = false;       // statfs("/sys/fs/cgroup") is cgroup2
  bool unified_is_cgroup2 = false;    // statfs("/sys/fs/cgroup/unified") is cgroup2 (hybrid)
  std::string proc_self_cgroup;       // content of /proc/self/cgroup
  std::string v2_controllers;         // content of <our v2 cgroup>/cgroup.controllers, if v2
  bool systemd_running = false;       // /run/systemd/system exists
  bool user_bus = false;              // rootless: a session bus socket to reach the user's systemd
  bool rootless = false;
};
CgroupInfo decide_cgroups(const CgroupFacts& facts);
// Reads the facts from this host. `runtime_dir` is $XDG_RUNTIME_DIR or empty (for the user bus).
CgroupFacts probe_cgroup_facts(bool rootless, std::string_view runtime_dir, std::string_view dbus_address);

struct Memory {
  int64_t total = 0;
  int64_t free = 0;
  int64_t swap_total = 0;
  int64_t swap_free = 0;
};
// Parses /proc/meminfo ("MemTotal:  16384 kB"): values in bytes; MemAvailable is reported as free
// when present (what podman's memFree shows on modern kernels is MemFree; we use MemFree too).
Memory parse_meminfo(std::string_view text);

// "1h 2m 3.00s (Approximately 0.04 days)" as podman formats /proc/uptime.
std::string format_uptime(double seconds);

// A helper program found on PATH, with the version its --version printed.
struct Helper {
  std::string name;
  std::string path;     // empty when not found
  std::string version;  // empty when unknown
};
// The version a helper's --version printed: the first token that looks like a version ("1.2.0",
// "v0.1.7" -> "0.1.7", "0.0~git20230309.7c7625d"; a "_suffix" is cut) on the first line that
// names `program` (fuse-overlayfs prints fusermount's version first), else on the first line
// that has one; empty if none.
std::string parse_version_output(std::string_view text, std::string_view program = {});
// Looks name up in the colon-separated search path; only regular files with an execute bit.
std::optional<std::string> find_in_path(std::string_view name, std::string_view search_path);

}  // namespace nook::host
