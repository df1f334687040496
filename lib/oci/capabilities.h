// Linux capability names and podman's rules for the capability sets of a container
// (containers/common pkg/capabilities, podman pkg/specgen/generate/security.go).
//
// Pure: nothing here reads or changes the capabilities of a process (lib/runtime/capabilities.cc
// does that). Names are the kernel's, upper case with the "CAP_" prefix ("CAP_CHOWN").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/oci/spec.h"
#include "lib/util/error.h"

namespace nook::oci {

// The highest capability nook knows: CAP_CHECKPOINT_RESTORE (Linux 5.9).
inline constexpr int kLastCapability = 40;

// "CAP_CHOWN" for 0 ... "CAP_CHECKPOINT_RESTORE" for 40; empty for an unknown number.
std::string_view capability_name(int number);
// The number of an exact, normalized name ("CAP_SYS_ADMIN" -> 21); nullopt if unknown.
std::optional<int> capability_number(std::string_view name);
// Every known name, in number order (what `--privileged` and `--cap-add=all` grant).
std::vector<std::string> all_capabilities();

// User input -> a known name: any case, with or without "CAP_" ("chown", "CAP_chown" ->
// "CAP_CHOWN"); "all" (any case) -> "ALL". InvalidArgument `unknown capability "CAP_FOO"`.
[[nodiscard]] Result<std::string> normalize_capability(std::string_view input);

// podman's MergeCapabilities: `base` minus `drop` plus `add`, all normalized. "ALL" in drop keeps
// only `add`; "ALL" in add gives every capability; a name both added and dropped is
// InvalidArgument `capability "CAP_X" cannot be dropped and added`. The result is sorted by name
// and has no duplicates (podman writes config.json with the sets sorted).
[[nodiscard]] Result<std::vector<std::string>> merge_capabilities(const std::vector<std::string>& base,
                                                                  const std::vector<std::string>& add,
                                                                  const std::vector<std::string>& drop);

struct CapabilityRequest {
  std::vector<std::string> defaults;  // containers.conf default_capabilities
  std::vector<std::string> add;       // --cap-add
  std::vector<std::string> drop;      // --cap-drop
  bool privileged = false;            // every capability, add/drop ignored
  // True when the process runs as root: no --user, or its user part is "root" or "0". Root gets
  // the merged set as bounding, effective and permitted. Another user gets it only as bounding,
  // and just the --cap-add ones as effective, permitted, inheritable and ambient (podman 4.3).
  bool root_user = true;
};

// The process.capabilities podman writes for a container.
[[nodiscard]] Result<Capabilities> resolve_capabilities(const CapabilityRequest& request);

}  // namespace nook::oci
