// Volume records: named and anonymous volumes of the "local" driver, as podman keeps them.
//
// Layout under the graph root (format version in each record):
//   volumes/.lock                 flock: exclusive while a volume is added or removed (names stay
//                                 unique; ".lock" cannot be a volume name: names start alnum)
//   volumes/<name>/volume.json    the record (Volume), replaced atomically
//   volumes/<name>/_data/         the content (the mount point of a tmpfs/bind-backed volume)
//
// A volume's users are found from the container records (Container::volumes), not counted here:
// a crashed command can never leave a count behind.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/sys/lock.h"
#include "lib/util/error.h"

namespace nook::volume {

inline constexpr int kRecordVersion = 1;

struct Volume {
  std::string name;
  std::string driver = "local";
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;  // -o type=, device=, o=, uid=, gid=, nocopy
  std::string mountpoint;                      // <root>/<name>/_data
  std::string created;                         // RFC 3339 nano
  bool anonymous = false;                      // made for a container's VOLUME or -v /dst
  bool needs_copy_up = true;                   // the image's content at the destination not yet copied in
  bool needs_chown = true;                     // the owner not yet set from the first container
};

nlohmann::json to_json(const Volume& volume);
[[nodiscard]] Result<Volume> parse_volume(const nlohmann::json& json);

// Volume names as podman accepts them: [a-zA-Z0-9][a-zA-Z0-9_.-]*.
bool valid_name(std::string_view name);

// Checks -o options of the local driver as podman 4.3 does: keys o, type, device, uid, gid,
// size, inodes, noquota, copy, nocopy; InvalidArgument "invalid mount option foo for driver
// 'local': invalid argument"; `o=bind` without a device and `device` without `o=bind` or a type
// are refused too.
[[nodiscard]] Result<void> check_local_options(const std::map<std::string, std::string>& options);

class VolumeStore {
 public:
  // Opens the volumes directory under `graph_root` (created unless read_only).
  [[nodiscard]] static Result<VolumeStore> open(std::string graph_root, bool read_only);

  const std::string& root() const { return root_; }
  std::string data_dir(std::string_view name) const;

  // Every record, sorted by name (unreadable ones skipped with a debug log).
  [[nodiscard]] Result<std::vector<Volume>> list() const;
  // By exact name: NotFound "no volume with name \"x\" found: no such volume".
  [[nodiscard]] Result<Volume> find(std::string_view name) const;
  // Adds a volume (a random 64-hex name when empty) with its _data directory: Exists "volume with
  // name x already exists: volume already exists"; InvalidArgument for a bad name. On failure
  // nothing is left.
  [[nodiscard]] Result<Volume> add(Volume volume);
  // Replaces the record atomically.
  [[nodiscard]] Result<void> update(const Volume& volume);
  // Deletes the volume's directory (the caller checked it is unused).
  [[nodiscard]] Result<void> remove(std::string_view name);
  // The store lock, held by whoever checks users and removes (rm, prune) so that no container
  // takes the volume meanwhile.
  [[nodiscard]] Result<sys::FileLock> lock() const;

 private:
  explicit VolumeStore(std::string root, bool read_only) : root_(std::move(root)), read_only_(read_only) {}
  std::string root_;  // <graph_root>/volumes
  bool read_only_ = false;
};

}  // namespace nook::volume
