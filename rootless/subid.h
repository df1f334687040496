// Host-side facts a rootless user namespace depends on: the user's subordinate id ranges in
// /etc/subuid and /etc/subgid, the setuid helpers newuidmap/newgidmap that install them, and the
// sysctls that can forbid unprivileged user namespaces. Pure parsing and probing only: nothing
// here enters a namespace (that is rootless/userns.cc). Every problem comes with the command
// that fixes it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::rootless {

// A range of host ids [start, start + count).
struct IdRange {
  uint32_t start = 0;
  uint32_t count = 0;

  uint64_t end() const { return uint64_t{start} + count; }  // one past the last id
  bool contains(uint64_t id) const { return id >= start && id < end(); }
  friend bool operator==(const IdRange&, const IdRange&) = default;
};

// Ids a container needs to unpack common images (uids/gids 0..65535).
inline constexpr uint64_t kMinContainerIds = 65536;

// Parses the content of a subuid/subgid file ("name_or_uid:start:count" per line; blank lines
// and lines starting with '#' ignored) and returns the ranges of the user, in file order. A line
// matches by user name or, when its first field is numeric, by `uid` (as shadow's newuidmap
// does). Any malformed line, whoever it belongs to, fails with kind Corrupt naming `file_path`
// and the line number ("\"/etc/subuid\": line 3: expected \"name:start:count\"") - the same
// strictness as containers/storage.
[[nodiscard]] Result<std::vector<IdRange>> parse_subids(std::string_view content,
                                                        std::string_view file_path,
                                                        std::string_view user_name, uid_t uid);

// Reads `file_path` and parses it. A missing file yields no ranges (as for a user without an
// entry); check_subid_ranges() turns that into an actionable problem.
[[nodiscard]] Result<std::vector<IdRange>> find_subids(std::string_view file_path,
                                                       std::string_view user_name, uid_t uid);

// The services /etc/nsswitch.conf names for "subid:" (shadow's libsubid reads it), e.g. "sss";
// empty when there is no such line. Comments and surrounding blanks are dropped.
std::string nsswitch_subid_services(std::string_view nsswitch_conf);

// Whether the ranges must come from libsubid: nsswitch names a subid service that is not plain
// "files" (LDAP/SSSD ranges that the files do not hold, and that newuidmap itself would use).
bool subids_from_libsubid(std::string_view subid_services);

// The user's ranges through shadow's libsubid (libsubid.so.4, loaded on first use), uids or gids.
// Unsupported when the library cannot be loaded; System when it reports an error.
[[nodiscard]] Result<std::vector<IdRange>> libsubid_ranges(std::string_view user_name, bool gids);

struct SubidProblem {
  enum class Severity { Warning, Error };
  Severity severity;
  std::string message;
};

// Checks a user's ranges from `file_path` (used in messages, e.g. "/etc/subgid"): Error when
// there are none, when two overlap, or when one contains `own_id` (the user's uid for subuid, gid
// for subgid; the kernel refuses a map that names a host id twice); Warning when they total fewer
// than kMinContainerIds ids. Empty when all is well.
[[nodiscard]] std::vector<SubidProblem> check_subid_ranges(std::span<const IdRange> ranges,
                                                           uint32_t own_id,
                                                           std::string_view file_path,
                                                           std::string_view user_name);

// Whether a security.capability xattr value (struct vfs_cap_data, revision 1-3, little endian)
// grants `capability` (CAP_SETUID, ...) in the permitted set with the effective bit set, and for
// revision 3 applies in the initial user namespace (rootid 0).
bool file_capability_grants(std::string_view xattr_value, int capability);

// Whether the helper at `path` can write id maps for an unprivileged caller: it exists, is an
// executable regular file, and is setuid root or has the cap_setuid (newuidmap) / cap_setgid
// (newgidmap) file capability. Otherwise fails with an actionable message: kind NotFound
// ("... install the uidmap package") or Permission ("newuidmap is not setuid root: run chmod u+s
// /usr/bin/newuidmap as root ...").
[[nodiscard]] Result<void> check_newuidmap(std::string_view path = "/usr/bin/newuidmap");
[[nodiscard]] Result<void> check_newgidmap(std::string_view path = "/usr/bin/newgidmap");

// Whether the host lets an unprivileged process create a user namespace, by the sysctls under
// `proc_root` ("/proc"; tests pass a fake tree): kernel.unprivileged_userns_clone (Debian),
// user.max_user_namespaces and kernel.apparmor_restrict_unprivileged_userns (Ubuntu 23.10+). A
// missing file means the knob does not exist on this kernel. Fails with kind Unsupported and the
// sysctl command that changes it. The checks concern unprivileged callers; real root is not
// bound by the first and last.
[[nodiscard]] Result<void> userns_allowed(std::string_view proc_root = "/proc");

}  // namespace nook::rootless
