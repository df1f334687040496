// linux.resources as nook applies it: the subset podman's limit flags set (memory, cpu, cpuset,
// pids, blkio weight), parsed from and written to the runtime-spec JSON, and turned into the
// file writes of a cgroup v1 hierarchy or of cgroup v2 (the conversions crun uses). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::cgroup {

struct Resources {
  std::optional<int64_t> memory_limit;        // memory.limit (bytes)
  std::optional<int64_t> memory_reservation;  // memory.reservation
  std::optional<int64_t> memory_swap;         // memory.swap: memory + swap, -1 unlimited
  std::optional<uint64_t> memory_swappiness;  // memory.swappiness (v1 only)
  std::optional<bool> disable_oom_killer;     // memory.disableOOMKiller (v1 only)
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> cpu_quota;  // microseconds per period, -1 unlimited
  std::optional<uint64_t> cpu_period;
  std::string cpuset_cpus;  // "0-2,4"
  std::string cpuset_mems;
  std::optional<int64_t> pids_limit;     // 0 or -1: unlimited
  std::optional<uint16_t> blkio_weight;  // 10..1000

  bool empty() const;
  friend bool operator==(const Resources&, const Resources&) = default;
};

// Reads the known keys of a linux.resources object; others are ignored. InvalidArgument naming
// the key when a value has the wrong type.
[[nodiscard]] Result<Resources> parse_resources(const nlohmann::json& resources);
// Writes the set keys into `into` (a linux.resources object, null is taken as {}), keeping what
// is there otherwise.
nlohmann::json merge_into(nlohmann::json into, const Resources& resources);

// One write to a cgroup file: `controller` names the hierarchy (v1: "memory", "cpu", "cpuset",
// "pids", "blkio"; v2: the controller the file belongs to, which must be enabled for it to exist).
struct FileWrite {
  std::string controller;
  std::string file;
  std::string value;
  friend bool operator==(const FileWrite&, const FileWrite&) = default;
};

// In the order they must be done (memory.limit_in_bytes before memory.memsw.limit_in_bytes,
// cpuset.cpus/mems before a task joins). `swap_accounting`: the v1 memsw files exist.
std::vector<FileWrite> v1_writes(const Resources& resources, bool swap_accounting = true);
std::vector<FileWrite> v2_writes(const Resources& resources);
// The v2 controllers the writes need ("cpu", "cpuset", "io", "memory", "pids"), sorted.
std::vector<std::string> v2_controllers_needed(const Resources& resources);

// cpu.shares (2..262144) -> cpu.weight (1..10000), as crun and runc convert.
uint64_t shares_to_weight(uint64_t shares);
// blkio.weight (10..1000) -> io.weight (1..10000).
uint64_t blkio_to_io_weight(uint64_t weight);

// The value of `key` in a flat keyed file ("oom 0\noom_kill 2\n" -> 2 for "oom_kill"); nullopt
// when absent or not a number. memory.events (v2) and memory.oom_control (v1) have this shape.
std::optional<int64_t> flat_key_value(std::string_view text, std::string_view key);

}  // namespace nook::cgroup
