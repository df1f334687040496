// Process attributes: rlimits (names -> RLIMIT_*), hostname and domain name, oom_score_adj and
// sysctls.
#pragma once

#include <string_view>

#include "lib/runtime/plan.h"
#include "lib/runtime/sync.h"
#include "lib/util/error.h"

namespace nook::runtime {

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE. InvalidArgument for an unknown name.
[[nodiscard]] Result<int> rlimit_resource(std::string_view name);

// "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward". InvalidArgument for a name with
// "..", an empty component or a slash.
[[nodiscard]] Result<std::string> sysctl_path(std::string_view name);

// Child, before pivot_root: hostname, domain name, oom_score_adj (through the host's /proc) and
// the sysctls (through the container's /proc, below `rootfd`).
bool apply_host_attrs(const Plan& plan, int rootfd, SyncRecord& error) noexcept;
// Child: every rlimit.
bool apply_rlimits(const Plan& plan, SyncRecord& error) noexcept;

}  // namespace nook::runtime
