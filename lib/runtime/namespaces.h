// Namespaces: the spec's names -> CLONE_NEW* flags, joining by path (setns), unsharing the new
// ones, and the uid/gid maps of a new user namespace (written by the parent).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "lib/oci/spec.h"
#include "lib/runtime/plan.h"
#include "lib/runtime/sync.h"
#include "lib/util/error.h"

namespace nook::runtime {

// "pid" -> CLONE_NEWPID, ... ("network" and "net" both work). InvalidArgument for other names.
[[nodiscard]] Result<int> namespace_flag(std::string_view type);
// The /proc/PID/ns/<name> entry for a flag ("net" for CLONE_NEWNET).
std::string_view namespace_proc_name(int flag);

// The content of a uid_map/gid_map file: one "container host size" line per mapping.
std::string id_map_text(const std::vector<oci::IdMapping>& mappings);

// Parent: writes the maps of the child's new user namespace (gid_map after uid_map).
[[nodiscard]] Result<void> write_id_maps(pid_t pid, const Plan& plan);

// Child: setns() into plan.joins (fds opened by the parent, in the same order), then unshare()
// plan.unshare_flags.
bool enter_namespaces(const Plan& plan, const std::vector<int>& join_fds, SyncRecord& error) noexcept;

}  // namespace nook::runtime
