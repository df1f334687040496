// `--user` and `--group-add` resolved against a container's /etc/passwd and /etc/group, as podman
// 4.3 does (runc's user.GetExecUser through podman's pkg/lookup, plus libpod's group rules).
//
// USER is "", "name", "uid", "name:group", "uid:gid" (either side numeric or a name). A name must
// be in the file; a number need not be (uid 1234 without an entry runs with gid 0 and no HOME).
// Supplementary groups: with a USER that names no group, every /etc/group entry listing the
// user's name; with a non-empty USER, the primary gid comes first (podman's CVE-2022-2989 fix);
// then each --group-add, by name or number. Duplicates are dropped, order kept.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::oci {

struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::optional<std::string> home;  // the passwd entry's directory, when there is an entry
  std::string name;                 // the passwd entry's name, empty when none
  // The user part is "", "root" or "0": podman gives the process the full capability sets.
  bool root_user = true;
};

// Resolves against the contents of /etc/passwd and /etc/group (empty when a file is missing).
// InvalidArgument: "unable to find user NAME: no matching entries in passwd file", "unable to
// find group NAME: no matching entries in group file", "uids and gids must be in range
// 0-2147483647", "invalid user \"A:B:C\"".
[[nodiscard]] Result<ResolvedUser> resolve_user_from_files(std::string_view user,
                                                           const std::vector<std::string>& group_add,
                                                           std::string_view passwd, std::string_view group);

// Reads `path` (below the root) through `rootfs_fd` with openat2(RESOLVE_IN_ROOT), so a symlink in
// the image cannot point outside the rootfs; a missing file reads as "".
[[nodiscard]] Result<std::string> read_in_root(int rootfs_fd, std::string_view path);

// Reads etc/passwd and etc/group through `rootfs_fd` with openat2(RESOLVE_IN_ROOT), so a symlink in
// the image cannot point outside the rootfs; a missing file counts as empty.
[[nodiscard]] Result<ResolvedUser> resolve_user(int rootfs_fd, std::string_view user,
                                                const std::vector<std::string>& group_add);

}  // namespace nook::oci
