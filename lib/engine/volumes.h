// Volumes: podman's `volume create|ls|inspect|rm|prune|exists|export|import` over the volume
// records of lib/volume (driver "local"). Reports are JSON values with podman 4.3's keys (Name,
// Driver, Mountpoint, CreatedAt, Labels, Scope, Options, MountCount, NeedsCopyUp, NeedsChown), so
// --format templates written for podman work unchanged. A volume's users are the containers whose
// records name it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

struct VolumeCreateOptions {
  std::string name;                  // empty: a random 64-hex name
  std::string driver = "local";      // only "local" (podman: plugins, which nook has none of)
  std::vector<std::string> labels;   // KEY=VALUE
  std::vector<std::string> options;  // -o KEY=VALUE: type, device, o, uid, gid, copy/nocopy
  bool ignore = false;               // an existing volume is not an error
};
// Returns the volume's name. Exists "volume with name x already exists: volume already exists"
// (unless ignore); InvalidArgument for a bad name, option or driver.
[[nodiscard]] Result<std::string> create_volume(const Settings& settings, const VolumeCreateOptions& options);

// `volume ls`: one object per volume (inspect's keys), sorted by name. Filters (podman 4.3):
// name=, label=KEY[=VALUE], label!=, driver=, dangling=true|false, scope=, opt=, after=/since=,
// before=, until=; InvalidArgument "\"x\" is an invalid volume filter".
[[nodiscard]] Result<nlohmann::json> list_volumes(const Settings& settings, const std::vector<std::string>& filters);

struct VolumeInspectReport {
  nlohmann::json data = nlohmann::json::array();
  std::vector<Error> errors;  // NotFound "no such volume x", one per missing name
};
[[nodiscard]] Result<VolumeInspectReport> inspect_volumes(const Settings& settings,
                                                          const std::vector<std::string>& names, bool all);

struct VolumeRemoveOptions {
  bool force = false;  // also remove the containers using it (stopping them first)
  bool all = false;
  std::optional<unsigned> timeout;  // -t with --force
};
struct VolumeResult {
  std::string name;
  std::optional<Error> error;  // NotFound (exit 1); InUse is InvalidState (exit 2)
};
[[nodiscard]] Result<std::vector<VolumeResult>> remove_volumes(const Settings& settings,
                                                               const std::vector<std::string>& names,
                                                               const VolumeRemoveOptions& options);

// `volume prune`: removes every volume no container uses (matching the filters: label=,
// label!=, until=); returns their names.
[[nodiscard]] Result<std::vector<std::string>> prune_volumes(const Settings& settings,
                                                             const std::vector<std::string>& filters);

// The JSON text podman prints for an array of volume objects: its keys in podman's (Go struct)
// order, "Anonymous" only when true, indented by `indent` spaces.
std::string volume_json_text(const nlohmann::json& array, int indent);

[[nodiscard]] Result<bool> volume_exists(const Settings& settings, std::string_view name);

// `volume export`: the volume's content as a tar stream to `out_fd`. NotFound "no such volume x".
[[nodiscard]] Result<void> export_volume(const Settings& settings, std::string_view name, int out_fd);
// `volume import`: unpacks a tar stream from `in_fd` into the volume (which must exist).
[[nodiscard]] Result<void> import_volume(const Settings& settings, std::string_view name, int in_fd);

}  // namespace nook::engine
