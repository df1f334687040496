// Entering the rootless user namespace (DESIGN.md, "Process model" point 2).
//
// A non-root nook that writes the store or starts containers first becomes uid 0 in a new user
// namespace (with a new mount namespace) whose mapping is the same on every invocation:
// container id 0 = the user's own id, 1..N = the subordinate ranges of /etc/subuid and
// /etc/subgid in file order. The setuid helpers newuidmap/newgidmap install the ranges; they are
// run by a helper child forked BEFORE unshare(2), because a process inside the new namespace
// cannot ask for the map of its own namespace to be written by a helper it starts there (the
// helper would be inside too), and the map must be written from the parent namespace.
//
// Without a subordinate range only the user is mapped (0 -> uid, 0 -> gid), which needs no
// helper: the process writes its own maps after denying setgroups(2).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lib/util/error.h"
#include "rootless/subid.h"

namespace nook::rootless {

// One line of /proc/PID/uid_map or gid_map: `size` ids from `container_id` inside map to
// `host_id` outside.
struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
  friend bool operator==(const IdMapping&, const IdMapping&) = default;
};

// The mapping nook uses: {0, own_id, 1}, then each range in order at container ids 1, 1+count0,
// ... Pure. Fails with InvalidArgument for an empty range, a range containing own_id, or when the
// container ids would exceed 2^32 - 1.
[[nodiscard]] Result<std::vector<IdMapping>> build_mappings(uint32_t own_id,
                                                            std::span<const IdRange> ranges);

// The arguments newuidmap/newgidmap take after the pid: "0 <uid> 1 1 <start> <count> ...".
std::vector<std::string> mapping_args(std::span<const IdMapping> mappings);

// The content of /proc/PID/uid_map for `mappings`: one "container host size\n" line each.
std::string map_file_content(std::span<const IdMapping> mappings);

// The warning printed once when the user has no subordinate range:
// "no subordinate uid range for USER in /etc/subuid: running with a single-uid mapping; ...".
std::string single_mapping_warning(std::string_view user_name);

struct UsernsPlan {
  uid_t uid = 0;                      // the user's real uid (outside)
  gid_t gid = 0;                      // the user's real gid (outside)
  std::string user_name;              // for messages
  std::vector<IdMapping> uid_mappings;  // from build_mappings; a single entry = no subordinate ids
  std::vector<IdMapping> gid_mappings;
  std::string newuidmap = "/usr/bin/newuidmap";
  std::string newgidmap = "/usr/bin/newgidmap";
};

// What enter_user_namespace() did.
struct UsernsEntry {
  bool entered = false;                 // false when already root (nothing to do)
  std::optional<std::string> warning;   // for the caller to print once (single-id mapping)
};

// Makes the calling process uid/gid 0 in a new user and mount namespace mapped as `plan` says,
// with "/" remounted recursively as a slave so no mount made afterwards propagates back to the
// host. A no-op when the process already runs as uid 0.
//
// MUST be called before any thread exists: unshare(CLONE_NEWUSER) fails with EINVAL in a
// multi-threaded process. It forks two helpers (each execs newuidmap or newgidmap) and waits for
// them.
//
// Errors: Unsupported when the host forbids unprivileged user namespaces (userns_allowed);
// NotFound/Permission when newuidmap/newgidmap is missing or not setuid (check_newuidmap);
// Permission when a helper fails, with its stderr in the message.
[[nodiscard]] Result<UsernsEntry> enter_user_namespace(const UsernsPlan& plan);

// Joins the user namespace of process `pid` (one the user owns, such as a running container's):
// the caller keeps its ids and gets every capability there, so it may chown to the ids that
// namespace maps; no newuidmap needed. Before any thread exists, as above. Permission when the
// namespace is not ours.
[[nodiscard]] Result<void> join_user_namespace(pid_t pid);

// enter_user_namespace() into the user namespace of process `pid` instead of a new one: joins it
// (join_user_namespace), then a new mount namespace, uid/gid 0 and "/" as a slave, as there. For
// a command whose container must share a namespace of another container (`--network
// container:NAME`): only a process in that container's user namespace may join its namespaces.
[[nodiscard]] Result<void> enter_existing_user_namespace(pid_t pid);

}  // namespace nook::rootless
