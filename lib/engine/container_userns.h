// --userns for `run`/`create`: "" and "host" (the container shares nook's user namespace, the
// default), "keep-id[:uid=N,gid=N]" and "auto[:size=N]" (a user namespace of the container's own,
// with the id maps podman 4.3 computes). The pure parts (mode parsing, the keep-id maps, the
// choice of a free auto range, passwd/group lines) take their inputs as values and are unit-tested;
// reading /proc/self/{uid,gid}_map and the records of other containers is done by the callers in
// container_run_flags.cc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/oci/spec.h"
#include "lib/util/error.h"

namespace nook::engine {

struct UsernsMode {
  enum class Kind { Host, KeepId, Auto };
  Kind kind = Kind::Host;
  std::optional<uint32_t> uid;   // keep-id:uid=N
  std::optional<uint32_t> gid;   // keep-id:gid=N
  std::optional<uint32_t> size;  // auto:size=N
};

// podman's messages: `unrecognized namespace mode X passed`, `unknown option specified: "X"`,
// `strconv.ParseUint: parsing "X": invalid syntax`; modes podman has and nook not yet (nomap,
// private, ns:, container:, auto's uidmapping/gidmapping) are Unsupported.
[[nodiscard]] Result<UsernsMode> parse_userns_mode(std::string_view text);

// What nook's own user namespace looks like from inside: the ids of the user (mapped to 0) and
// how many subordinate ids follow (ids 1..subordinate_ids). Parsed from /proc/self/uid_map and
// gid_map; `rootless` is false when uid 0 is the host's root.
struct NookIds {
  bool rootless = false;
  uid_t user_uid = 0;
  gid_t user_gid = 0;
  uint32_t subordinate_uids = 0;
  uint32_t subordinate_gids = 0;
};
[[nodiscard]] NookIds parse_nook_ids(std::string_view uid_map, std::string_view gid_map);

// podman's GetKeepIDMapping: container `id` is the user (0 in nook's namespace), 0..id-1 the first
// subordinate ids, id+1.. the rest. `subordinate` is the count of subordinate ids.
std::vector<oci::IdMapping> keep_id_mapping(uint32_t id, uint32_t subordinate);

// The lowest `size` ids in [first, first + count) overlapping none of `used` (host ranges: ids of
// nook's namespace rootless). InvalidArgument "creating container storage: could not find enough
// available IDs" (podman's message) when none is free.
[[nodiscard]] Result<uint32_t> choose_auto_range(uint32_t size, uint32_t first, uint32_t count,
                                                 const std::vector<oci::IdMapping>& used);

// podman's IDMappings strings ("0:1:1001") and back (Corrupt on a malformed one).
std::vector<std::string> mapping_strings(const std::vector<oci::IdMapping>& mappings);
[[nodiscard]] Result<std::vector<oci::IdMapping>> parse_mapping_strings(const std::vector<std::string>& strings);

// Where container id `id` lives in nook's namespace (nullopt: unmapped).
std::optional<uint32_t> map_to_host(const std::vector<oci::IdMapping>& mappings, uint32_t id);

// fuse-overlayfs's "uidmapping=..,gidmapping=.." options for a container with its own maps: the
// layers on disk hold the image's ids, presented shifted so that the container sees them
// unchanged.
std::string fuse_mapping_options(const std::vector<oci::IdMapping>& uid_map, const std::vector<oci::IdMapping>& gid_map);

// keep-id's /etc/passwd and /etc/group additions as podman 4.3 writes them when the image has no
// entry for the user (by name or id): "NAME:*:UID:GID::HOME:/bin/sh" and "NAME:x:GID:NAME".
// Empty when the entry exists already.
std::string keep_id_passwd_line(std::string_view passwd, std::string_view name, uid_t uid, gid_t gid,
                                std::string_view home);
std::string keep_id_group_line(std::string_view group, std::string_view name, gid_t gid);

}  // namespace nook::engine
