// The mount flags of `nook run`/`create` -> mount requests, as podman 4.3 parses them
// (pkg/specgenutil/volumes.go, pkg/util/mountOpts.go ProcessOptions, podman-run(1)):
//   -v, --volume [SRC:]DST[:OPTS]   SRC absolute (or ./relative, resolved by the engine) = a host
//                                   path bind; any other SRC = a named volume; no SRC = an
//                                   anonymous volume
//   --mount type=bind|volume|tmpfs|image,src=..,dst=..,ro,...
//   --tmpfs DST[:OPTS]
// The engine turns each request into an oci::Mount once volumes exist and images are mounted.
// Pure: nothing is looked up on the host here (podman's noexec/nosuid/nodev defaults that come
// from statfs(2) of a bind source are the engine's to add).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::oci {

enum class MountKind { Bind, Volume, Tmpfs, Image };

struct MountRequest {
  MountKind kind = MountKind::Bind;
  // Bind: the host path as given (relative "./x" kept; the engine makes it absolute). Volume: the
  // volume's name, empty for an anonymous volume. Tmpfs: "tmpfs". Image: the image reference.
  std::string source;
  std::string destination;  // absolute, cleaned ("/data")
  // The options for the OCI mount, podman-normalized: "ro"/"rw", propagation, suid/exec/dev
  // flags, "rbind"/"bind" for binds, "size=...", "mode=...", "tmpcopyup" for tmpfs. Options nook
  // handles itself (U, z, Z, O, copy, nocopy, idmap) are not in here but in the fields below.
  std::vector<std::string> options;
  bool read_only = false;
  bool chown = false;                       // U: chown the source to the container's uid/gid
  char relabel = 0;                         // 'z' shared, 'Z' private SELinux label, 0 none
  bool overlay = false;                     // O: an overlay with the source as lower dir
  std::optional<bool> copy;                 // copy / nocopy: copy the image's content up into a new volume
  std::string idmap;                        // "idmap" or "idmap=..." as given, empty if not
  std::vector<std::string> volume_options;  // --mount volume-opt=... (driver options)
  bool image_rw = false;                    // --mount type=image,rw=true
};

// `-v` / `--volume`. InvalidArgument with podman's messages, e.g. "invalid container path
// \"rel\", must be an absolute path", "incorrect volume format, should be
// [host-dir:]ctr-dir[:option]", "only one of 'rw' and 'ro' can be used: duplicate mount option
// passed", "unknown mount option \"foo\": invalid mount option".
[[nodiscard]] Result<MountRequest> parse_volume(std::string_view spec);

// `--mount`. InvalidArgument: "invalid mount option: must have a type", "invalid filesystem
// type \"x\"", "must set a source for mount", "must set a target for mount" (for
// tmpfs/bind/volume/image as podman requires), an unknown key "\"x\": invalid mount option".
[[nodiscard]] Result<MountRequest> parse_mount(std::string_view spec);

// `--tmpfs DST[:opts]` (options comma-separated, e.g. "size=64m,mode=1777,noexec").
[[nodiscard]] Result<MountRequest> parse_tmpfs(std::string_view spec);

// All requests of one container, in the order given (volumes, then mounts, then tmpfs, as
// podman merges them): InvalidArgument "\"/dst\": duplicate mount destination" when two target
// the same path.
[[nodiscard]] Result<void> check_duplicate_destinations(const std::vector<MountRequest>& requests);

// podman's (docker/go-units) RAMInBytes: "64m" -> 67108864, "1.5g", "512", "100kb", "2GiB";
// InvalidArgument "invalid size: 'x'".
[[nodiscard]] Result<int64_t> parse_ram_bytes(std::string_view text);

}  // namespace nook::oci
