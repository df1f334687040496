// The runtime state of containers made through the OCI verbs: <state_root>/<id>/state.json
// (written atomically) and <state_root>/<id>/exec.fifo while the container waits for start.
// The status is not stored: it is derived from the init's liveness (pid + start time, so a
// reused pid is not mistaken for it) and the fifo's presence.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::runtime {

struct ContainerState {
  std::string id;
  pid_t pid = 0;
  uint64_t start_time = 0;  // field 22 of /proc/PID/stat
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339
  std::map<std::string, std::string> annotations;
};

// InvalidArgument unless `id` is [A-Za-z0-9_.-]+ and not "." or "..".
[[nodiscard]] Result<void> validate_id(std::string_view id);

std::string state_dir(std::string_view state_root, std::string_view id);
std::string fifo_path(std::string_view state_root, std::string_view id);

[[nodiscard]] Result<void> write_state(std::string_view state_root, const ContainerState& state);
// NotFound `container "ID" does not exist` when there is no state.
[[nodiscard]] Result<ContainerState> read_state(std::string_view state_root, std::string_view id);

// The start time of a process (clock ticks since boot), nullopt when it does not exist.
std::optional<uint64_t> process_start_time(pid_t pid);

// "created", "running" or "stopped".
std::string container_status(std::string_view state_root, const ContainerState& state);

// The runtime-spec state object.
nlohmann::json state_json(const ContainerState& state, std::string_view status);

// The current time as RFC 3339 with nanoseconds, UTC ("2024-05-01T10:11:12.123456789Z").
std::string now_rfc3339();

}  // namespace nook::runtime
