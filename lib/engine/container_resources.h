// The resource-limit and cgroup flags of `nook run`/`create` (podman-run(1)), as given; parsed
// and checked by lib/engine/container_cgroups.cc with podman's messages.
#pragma once

#include <optional>
#include <string>

namespace nook::engine {

struct ContainerResourceOptions {
  std::string memory;              // -m/--memory: a size ("32m")
  std::string memory_reservation;  // --memory-reservation
  std::string memory_swap;         // --memory-swap: a size or -1
  std::optional<std::string> memory_swappiness;  // --memory-swappiness (0..100, -1 = default)
  std::optional<std::string> cpus;               // --cpus (a decimal)
  std::optional<std::string> cpu_shares;         // -c/--cpu-shares
  std::optional<std::string> cpu_period;         // --cpu-period (microseconds)
  std::optional<std::string> cpu_quota;          // --cpu-quota (microseconds)
  std::string cpuset_cpus;                       // --cpuset-cpus ("0-2,4")
  std::string cpuset_mems;                       // --cpuset-mems
  std::optional<std::string> pids_limit;         // --pids-limit (-1 or 0 = unlimited)
  std::optional<std::string> blkio_weight;       // --blkio-weight (10..1000)
  bool oom_kill_disable = false;                 // --oom-kill-disable
  std::optional<std::string> oom_score_adj;      // --oom-score-adj
  std::string cgroups;        // --cgroups enabled|disabled|no-conmon|split ("" = containers.conf)
  std::string cgroup_parent;  // --cgroup-parent
  std::string cgroupns;       // --cgroupns host|private ("" = podman's default for the host)
};

}  // namespace nook::engine
