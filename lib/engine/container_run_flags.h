// `run`/`create` flags that add to what create_container builds, each as podman 4.3 does it:
//   --init [--init-path]  catatonit bind-mounted read-only at /run/podman-init, the process args
//                         prefixed with "/run/podman-init --", annotation io.podman.annotations.init
//   --tz                  the zone file copied to userdata/localtime, bind-mounted at /etc/localtime
//   --userns              keep-id / auto: a user namespace of the container's own with id maps
//                         (container_userns.h), the maps kept in the record; keep-id runs as the
//                         user and adds passwd/group entries the image lacks
// create_container calls the three hooks in order; inspect calls add_run_flags_inspect().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/container/container.h"
#include "lib/engine/containers.h"
#include "lib/oci/spec.h"
#include "lib/oci/spec_builder.h"
#include "lib/storage/store.h"
#include "lib/sys/lock.h"
#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

// Where /run/podman-init comes from.
inline constexpr const char* kContainerInitPath = "/run/podman-init";

// State carried from the first hook to the later ones.
struct RunFlagsState {
  std::string init_binary;                  // host path of catatonit, when --init
  std::string zone_file;                    // host path of the zone file, when --tz
  std::optional<sys::FileLock> auto_lock;   // held until the record with an auto range is written
};

// Hook 1, before the record is added: checks --init/--init-path, --tz (or containers.conf tz) and
// --userns (or containers.conf userns), and fills the record (init, timezone, userns, uid_map,
// gid_map; user for keep-id without --user). An auto range is chosen under a lock that `state`
// holds until the caller has written the record. Errors are podman's (InvalidArgument/NotFound).
[[nodiscard]] Result<void> apply_run_flags(const Settings& settings, const ContainerCreateOptions& options,
                                           container::Container& record, RunFlagsState& state);

// Hook 2, once the record's userdata exists: writes userdata/localtime and (keep-id) userdata/passwd
// and group, and adds their mounts, the init binary's mount and the init annotation to `spec`.
[[nodiscard]] Result<void> add_run_flag_mounts(const Settings& settings, const storage::Store& store,
                                               const container::Container& record,
                                               const container::ContainerPaths& paths, const RunFlagsState& state,
                                               oci::SpecOptions& spec);

// Hook 3, on the built spec: the init prefix of the args, the user namespace and its maps.
[[nodiscard]] Result<void> finish_run_flags_spec(const container::Container& record, oci::Spec& spec);

// The container's own id maps (empty when it shares nook's user namespace).
[[nodiscard]] Result<std::vector<oci::IdMapping>> record_uid_map(const container::Container& record);
[[nodiscard]] Result<std::vector<oci::IdMapping>> record_gid_map(const container::Container& record);

// --tz: the host file for a zone name ("local": what /etc/localtime points to). podman's errors:
// "running container create option: stat /usr/share/zoneinfo/X: no such file or directory",
// "running container create option: invalid timezone: is a directory".
[[nodiscard]] Result<std::string> zone_file_for(const std::string& tz, const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

// --init: --init-path, else containers.conf init_path, else catatonit in helper_binaries_dir or
// $PATH. "container-init binary not found on the host: stat X: no such file or directory".
[[nodiscard]] Result<std::string> find_init_binary(const Settings& settings, const std::string& init_path);

// inspect: Config.Timezone, Config.Cmd without the init prefix, HostConfig.UsernsMode "private"
// and IDMappings for a user namespace of its own, HostConfig.Init (podman's keys and places).
void add_run_flags_inspect(const container::Container& record, nlohmann::ordered_json& item);

}  // namespace nook::engine
