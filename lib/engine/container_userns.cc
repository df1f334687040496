#include "lib/engine/container_userns.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "lib/util/strings.h"

namespace nook::engine {
namespace {

// Go's strconv.ParseUint(text, 10, 32) and its message.
Result<uint32_t> parse_uint32(std::string_view text) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size()) {
    return fail(ErrorKind::InvalidArgument, fmt::format("strconv.ParseUint: parsing {:?}: invalid syntax", text));
  }
  if (ec == std::errc::result_out_of_range) {
    return fail(ErrorKind::InvalidArgument, fmt::format("strconv.ParseUint: parsing {:?}: value out of range", text));
  }
  return value;
}

// One /proc/PID/{uid,gid}_map line: "inside outside count".
struct MapLine {
  uint64_t inside = 0, outside = 0, count = 0;
};

std::vector<MapLine> parse_map(std::string_view text) {
  std::vector<MapLine> out;
  for (std::string_view line : strings::split(text, '\n')) {
    std::vector<uint64_t> numbers;
    for (std::string_view field : strings::split(line, ' ')) {
      if (field.empty()) continue;
      uint64_t value = 0;
      auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (ec != std::errc() || end != field.data() + field.size()) break;
      numbers.push_back(value);
    }
    if (numbers.size() == 3) out.push_back({numbers[0], numbers[1], numbers[2]});
  }
  return out;
}

// Whether a passwd/group file has an entry whose field 0 is `name` or field `id_field` is `id`.
bool has_entry(std::string_view file, std::string_view name, size_t id_field, uint32_t id) {
  std::string id_text = std::to_string(id);
  for (std::string_view line : strings::split(file, '\n')) {
    std::vector<std::string> fields = strings::split(line, ':');
    if (fields.empty() || fields[0].empty()) continue;
    if (!name.empty() && fields[0] == name) return true;
    if (fields.size() > id_field && fields[id_field] == id_text) return true;
  }
  return false;
}

}  // namespace

Result<UsernsMode> parse_userns_mode(std::string_view text) {
  UsernsMode mode;
  if (text.empty() || text == "host") return mode;
  std::string_view name = text.substr(0, text.find(':'));
  std::string_view options = name.size() < text.size() ? text.substr(name.size() + 1) : std::string_view();
  if (name == "keep-id" || name == "auto") {
    mode.kind = name == "keep-id" ? UsernsMode::Kind::KeepId : UsernsMode::Kind::Auto;
    if (options.empty()) return mode;
    for (std::string_view option : strings::split(options, ',')) {
      std::string_view key = option.substr(0, option.find('='));
      std::string_view value = key.size() < option.size() ? option.substr(key.size() + 1) : std::string_view();
      if (mode.kind == UsernsMode::Kind::KeepId && key == "uid") {
        mode.uid = NOOK_TRY(parse_uint32(value));
      } else if (mode.kind == UsernsMode::Kind::KeepId && key == "gid") {
        mode.gid = NOOK_TRY(parse_uint32(value));
      } else if (mode.kind == UsernsMode::Kind::Auto && key == "size") {
        mode.size = NOOK_TRY(parse_uint32(value));
      } else if (mode.kind == UsernsMode::Kind::Auto && (key == "uidmapping" || key == "gidmapping")) {
        return fail(ErrorKind::Unsupported, fmt::format("--userns=auto: option {:?} is not supported yet", key));
      } else {
        return fail(ErrorKind::InvalidArgument, fmt::format("unknown option specified: {:?}", option));
      }
    }
    return mode;
  }
  if (name == "nomap" || name == "private" || name == "ns" || name == "container") {
    return fail(ErrorKind::Unsupported, fmt::format("--userns={} is not supported yet: use host, keep-id or auto", text));
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("unrecognized namespace mode {} passed", text));
}

NookIds parse_nook_ids(std::string_view uid_map, std::string_view gid_map) {
  NookIds ids;
  std::vector<MapLine> uids = parse_map(uid_map);
  std::vector<MapLine> gids = parse_map(gid_map);
  for (const MapLine& line : uids) {
    if (line.inside == 0) {
      ids.user_uid = static_cast<uid_t>(line.outside);
      ids.rootless = line.outside != 0;
    } else {
      ids.subordinate_uids += static_cast<uint32_t>(line.count);
    }
  }
  for (const MapLine& line : gids) {
    if (line.inside == 0) {
      ids.user_gid = static_cast<gid_t>(line.outside);
    } else {
      ids.subordinate_gids += static_cast<uint32_t>(line.count);
    }
  }
  return ids;
}

std::vector<oci::IdMapping> keep_id_mapping(uint32_t id, uint32_t subordinate) {
  std::vector<oci::IdMapping> out;
  if (subordinate > 0) out.push_back({.container_id = 0, .host_id = 1, .size = std::min(id, subordinate)});
  out.push_back({.container_id = id, .host_id = 0, .size = 1});
  if (subordinate > id) out.push_back({.container_id = id + 1, .host_id = id + 1, .size = subordinate - id});
  // A zero-sized line (keep-id:uid=0) is refused by the kernel: drop it.
  std::erase_if(out, [](const oci::IdMapping& m) { return m.size == 0; });
  return out;
}

Result<uint32_t> choose_auto_range(uint32_t size, uint32_t first, uint32_t count,
                                   const std::vector<oci::IdMapping>& used) {
  std::vector<std::pair<uint64_t, uint64_t>> taken;  // [start, end)
  for (const oci::IdMapping& m : used) taken.emplace_back(m.host_id, uint64_t{m.host_id} + m.size);
  std::sort(taken.begin(), taken.end());
  const uint64_t limit = uint64_t{first} + count;
  uint64_t start = first;
  for (const auto& [begin, end] : taken) {
    if (begin >= start + size) break;
    start = std::max(start, end);
  }
  if (size == 0 || start + size > limit) {
    return fail(ErrorKind::InvalidArgument, "creating container storage: could not find enough available IDs");
  }
  return static_cast<uint32_t>(start);
}

std::vector<std::string> mapping_strings(const std::vector<oci::IdMapping>& mappings) {
  std::vector<std::string> out;
  for (const oci::IdMapping& m : mappings) out.push_back(fmt::format("{}:{}:{}", m.container_id, m.host_id, m.size));
  return out;
}

Result<std::vector<oci::IdMapping>> parse_mapping_strings(const std::vector<std::string>& strings) {
  std::vector<oci::IdMapping> out;
  for (const std::string& text : strings) {
    std::vector<std::string> parts = strings::split(text, ':');
    std::vector<uint32_t> numbers;
    for (const std::string& part : parts) {
      auto value = parse_uint32(part);
      if (!value) break;
      numbers.push_back(*value);
    }
    if (parts.size() != 3 || numbers.size() != 3) {
      return fail(ErrorKind::Corrupt, fmt::format("invalid id mapping {:?} in the container record", text));
    }
    out.push_back({.container_id = numbers[0], .host_id = numbers[1], .size = numbers[2]});
  }
  return out;
}

std::optional<uint32_t> map_to_host(const std::vector<oci::IdMapping>& mappings, uint32_t id) {
  for (const oci::IdMapping& m : mappings) {
    if (id >= m.container_id && uint64_t{id} < uint64_t{m.container_id} + m.size) return m.host_id + (id - m.container_id);
  }
  return std::nullopt;
}

std::string fuse_mapping_options(const std::vector<oci::IdMapping>& uid_map, const std::vector<oci::IdMapping>& gid_map) {
  auto joined = [](const std::vector<oci::IdMapping>& map) {
    std::vector<std::string> parts;
    for (const oci::IdMapping& m : map) parts.push_back(fmt::format("{}:{}:{}", m.container_id, m.host_id, m.size));
    return strings::join(parts, ":");
  };
  return fmt::format("uidmapping={},gidmapping={}", joined(uid_map), joined(gid_map));
}

std::string keep_id_passwd_line(std::string_view passwd, std::string_view name, uid_t uid, gid_t gid,
                                std::string_view home) {
  if (has_entry(passwd, name, 2, uid)) return "";
  return fmt::format("{}:*:{}:{}::{}:/bin/sh\n", name.empty() ? std::to_string(uid) : std::string(name), uid, gid, home);
}

std::string keep_id_group_line(std::string_view group, std::string_view name, gid_t gid) {
  if (has_entry(group, name, 2, gid)) return "";
  std::string group_name = name.empty() ? std::to_string(gid) : std::string(name);
  return fmt::format("{}:x:{}:{}\n", group_name, gid, group_name);
}

}  // namespace nook::engine
