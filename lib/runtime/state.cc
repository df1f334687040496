#include "lib/runtime/state.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <ctime>

#include "lib/oci/spec.h"
#include "lib/sys/file.h"

namespace nook::runtime {

Result<void> validate_id(std::string_view id) {
  bool ok = !id.empty() && id != "." && id != ".." && id.size() <= 1024;
  for (char c : id) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    ok = ok && allowed;
  }
  if (!ok) return fail(ErrorKind::InvalidArgument, fmt::format("invalid container id {:?}", id));
  return {};
}

std::string state_dir(std::string_view state_root, std::string_view id) { return fmt::format("{}/{}", state_root, id); }
std::string fifo_path(std::string_view state_root, std::string_view id) {
  return fmt::format("{}/{}/exec.fifo", state_root, id);
}

Result<void> write_state(std::string_view state_root, const ContainerState& state) {
  nlohmann::json j = {{"id", state.id},           {"pid", state.pid},         {"startTime", state.start_time},
                      {"bundle", state.bundle},   {"rootfs", state.rootfs},   {"created", state.created},
                      {"annotations", state.annotations}};
  return sys::write_file_atomic(fmt::format("{}/state.json", state_dir(state_root, state.id)), j.dump(), 0600,
                                sys::Durability::AtomicOnly);
}

Result<ContainerState> read_state(std::string_view state_root, std::string_view id) {
  NOOK_TRY_VOID(validate_id(id));
  std::string path = fmt::format("{}/state.json", state_dir(state_root, id));
  auto text = sys::read_file(path);
  if (!text) {
    if (text.error().sys_errno() == ENOENT) return fail(ErrorKind::NotFound, fmt::format("container {:?} does not exist", id));
    return fail(text.error());
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  auto corrupt = [&] { return fail(ErrorKind::Corrupt, fmt::format("{:?}: malformed state file", path)); };
  if (!j.is_object()) return corrupt();
  ContainerState state;
  state.id = std::string(id);
  auto get_string = [&](const char* key, std::string& out) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  auto pid = j.find("pid");
  auto start = j.find("startTime");
  if (pid == j.end() || !pid->is_number_integer() || start == j.end() || !start->is_number_unsigned()) return corrupt();
  state.pid = pid->get<pid_t>();
  state.start_time = start->get<uint64_t>();
  get_string("bundle", state.bundle);
  get_string("rootfs", state.rootfs);
  get_string("created", state.created);
  auto ann = j.find("annotations");
  if (ann != j.end() && ann->is_object()) {
    for (auto it = ann->begin(); it != ann->end(); ++it) {
      if (it.value().is_string()) state.annotations[it.key()] = it.value().get<std::string>();
    }
  }
  return state;
}

std::optional<uint64_t> process_start_time(pid_t pid) {
  auto text = sys::read_file(fmt::format("/proc/{}/stat", pid));
  if (!text) return std::nullopt;
  // "pid (comm) state ..." — comm may hold spaces and parentheses: parse after the last ')'.
  size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::string_view rest = std::string_view(*text).substr(close + 2);
  // After comm: field 3 (state) ... field 22 (starttime) is the 20th token.
  int field = 3;
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t end = rest.find(' ', pos);
    if (end == std::string_view::npos) end = rest.size();
    if (field == 22) {
      uint64_t value = 0;
      for (char c : rest.substr(pos, end - pos)) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(c - '0');
      }
      // A zombie still has its stat; it is not running.
      if (rest[0] == 'Z' || rest[0] == 'X') return std::nullopt;
      return value;
    }
    ++field;
    pos = end + 1;
  }
  return std::nullopt;
}

std::string container_status(std::string_view state_root, const ContainerState& state) {
  std::optional<uint64_t> start = process_start_time(state.pid);
  if (!start || *start != state.start_time) return "stopped";
  auto fifo = sys::path_exists(fifo_path(state_root, state.id));
  return fifo && *fifo ? "created" : "running";
}

nlohmann::json state_json(const ContainerState& state, std::string_view status) {
  return {{"ociVersion", oci::kSpecVersion},
          {"id", state.id},
          {"pid", status == "stopped" ? 0 : state.pid},
          {"status", status},
          {"bundle", state.bundle},
          {"rootfs", state.rootfs},
          {"created", state.created},
          {"annotations", state.annotations}};
}

std::string now_rfc3339() {
  struct timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm{};
  ::gmtime_r(&ts.tv_sec, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

}  // namespace nook::runtime
