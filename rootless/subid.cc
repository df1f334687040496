#include "rootless/subid.h"

#include <fmt/format.h>
#include <linux/capability.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <mutex>

#include "lib/sys/dynlib.h"
#include "lib/sys/file.h"

namespace nook::rootless {

namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  size_t last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

// A whole field of decimal digits, no sign, no spaces, fitting in T.
template <class T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

Result<std::vector<IdRange>> parse_subids(std::string_view content, std::string_view file_path,
                                          std::string_view user_name, uid_t uid) {
  std::vector<IdRange> ranges;
  size_t line_no = 0;
  while (!content.empty()) {
    size_t nl = content.find('\n');
    std::string_view raw = content.substr(0, nl);
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
    ++line_no;

    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto malformed = [&](std::string_view why) {
      return fail(ErrorKind::Corrupt,
                  fmt::format("{:?}: line {}: {}: {:?}", file_path, line_no, why, line));
    };

    size_t c1 = line.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos || line.find(':', c2 + 1) != std::string_view::npos) {
      return malformed("expected \"name:start:count\"");
    }
    std::string_view owner = line.substr(0, c1);
    std::string_view start_field = line.substr(c1 + 1, c2 - c1 - 1);
    std::string_view count_field = line.substr(c2 + 1);
    if (owner.empty()) return malformed("empty user name");
    IdRange range;
    if (!parse_number(start_field, range.start)) return malformed("bad start id");
    if (!parse_number(count_field, range.count)) return malformed("bad count");
    if (range.count == 0) return malformed("count is zero");
    if (range.end() > (uint64_t{1} << 32)) return malformed("range goes past id 4294967295");

    bool match = owner == user_name;
    uint32_t owner_uid = 0;
    if (!match && parse_number(owner, owner_uid)) match = owner_uid == uid;
    if (match) ranges.push_back(range);
  }
  return ranges;
}

Result<std::vector<IdRange>> find_subids(std::string_view file_path, std::string_view user_name,
                                         uid_t uid) {
  auto content = sys::read_file(file_path);
  if (!content) {
    if (content.error().sys_errno() == ENOENT) return std::vector<IdRange>{};
    return fail(content.error());
  }
  return parse_subids(*content, file_path, user_name, uid);
}

std::vector<SubidProblem> check_subid_ranges(std::span<const IdRange> ranges, uint32_t own_id,
                                             std::string_view file_path,
                                             std::string_view user_name) {
  using Severity = SubidProblem::Severity;
  bool uid_file = file_path.find("subuid") != std::string_view::npos;
  std::string_view flag = uid_file ? "--add-subuids" : "--add-subgids";
  std::vector<SubidProblem> problems;
  if (ranges.empty()) {
    problems.push_back(
        {Severity::Error,
         fmt::format("no subordinate ids for {:?} in {:?}: as root, run usermod {} 100000-165535 "
                     "{} (pick a range no other user has)",
                     user_name, file_path, flag, user_name)});
    return problems;
  }

  std::vector<IdRange> sorted(ranges.begin(), ranges.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const IdRange& a, const IdRange& b) { return a.start < b.start; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    const IdRange& a = sorted[i - 1];
    const IdRange& b = sorted[i];
    if (b.start < a.end()) {
      problems.push_back(
          {Severity::Error, fmt::format("{:?}: ranges {}:{} and {}:{} of {:?} overlap: remove or "
                                        "shrink one of them",
                                        file_path, a.start, a.count, b.start, b.count, user_name)});
    }
  }
  for (const IdRange& r : ranges) {
    if (r.contains(own_id)) {
      problems.push_back(
          {Severity::Error,
           fmt::format("{:?}: range {}:{} of {:?} contains the user's own id {}: use a range "
                       "outside it (the user's id is already mapped as root in the container)",
                       file_path, r.start, r.count, user_name, own_id)});
    }
  }
  uint64_t total = 0;
  for (const IdRange& r : ranges) total += r.count;
  if (total < kMinContainerIds) {
    problems.push_back(
        {Severity::Warning,
         fmt::format("{:?}: only {} subordinate ids for {:?}; images with files owned by ids up "
                     "to 65535 will fail to unpack: give the user at least {} (usermod {})",
                     file_path, total, user_name, kMinContainerIds, flag)});
  }
  return problems;
}

bool file_capability_grants(std::string_view xattr_value, int capability) {
  auto le32 = [&](size_t offset) -> uint32_t {
    const auto* p = reinterpret_cast<const unsigned char*>(xattr_value.data()) + offset;
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  };
  if (xattr_value.size() < XATTR_CAPS_SZ_1 || capability < 0 || capability >= 64) return false;
  uint32_t magic = le32(0);
  uint32_t revision = magic & VFS_CAP_REVISION_MASK;
  size_t words = 0;
  if (revision == VFS_CAP_REVISION_1 && xattr_value.size() >= XATTR_CAPS_SZ_1) {
    words = VFS_CAP_U32_1;
  } else if (revision == VFS_CAP_REVISION_2 && xattr_value.size() >= XATTR_CAPS_SZ_2) {
    words = VFS_CAP_U32_2;
  } else if (revision == VFS_CAP_REVISION_3 && xattr_value.size() >= XATTR_CAPS_SZ_3) {
    words = VFS_CAP_U32_3;
    // A namespaced capability applies only in the user namespace whose root is rootid.
    if (le32(4 + 8 * VFS_CAP_U32_3) != 0) return false;
  } else {
    return false;
  }
  if ((magic & VFS_CAP_FLAGS_EFFECTIVE) == 0) return false;  // newuidmap is not capability-aware
  size_t word = static_cast<size_t>(capability) / 32;
  if (word >= words) return false;
  uint32_t permitted = le32(4 + 8 * word);
  return (permitted & (uint32_t{1} << (capability % 32))) != 0;
}

namespace {

Result<void> check_id_helper(std::string_view path, std::string_view name, int capability,
                             std::string_view cap_name) {
  auto st = sys::stat_path(path);
  if (!st) {
    if (st.error().kind() == ErrorKind::NotFound) {
      return fail(ErrorKind::NotFound,
                  fmt::format("{} not found at {:?}: install the uidmap package (Debian/Ubuntu: "
                              "apt-get install uidmap; Fedora: dnf install shadow-utils)",
                              name, path),
                  ENOENT);
    }
    return fail(st.error().context(fmt::format("checking {}", name)));
  }
  if (!S_ISREG(st->st_mode)) {
    return fail(
        ErrorKind::Permission,
        fmt::format("{} at {:?} is not a regular file: reinstall the uidmap package", name, path));
  }
  if ((st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) {
    return fail(
        ErrorKind::Permission,
        fmt::format("{} at {:?} is not executable: run chmod 4755 {} as root", name, path, path));
  }
  if ((st->st_mode & S_ISUID) != 0 && st->st_uid == 0) return {};

  auto caps = sys::read_xattr(path, "security.capability");
  if (caps && *caps && file_capability_grants(**caps, capability)) return {};

  if ((st->st_mode & S_ISUID) != 0) {
    return fail(ErrorKind::Permission,
                fmt::format("{} at {:?} is setuid but owned by uid {}, not root: run chown root "
                            "{} as root, then chmod u+s {}",
                            name, path, st->st_uid, path, path));
  }
  return fail(ErrorKind::Permission,
              fmt::format("{} is not setuid root and lacks the {} file capability: run chmod u+s "
                          "{} as root (or setcap {}+ep {}), or reinstall the uidmap package",
                          name, cap_name, path, cap_name, path));
}

}  // namespace

Result<void> check_newuidmap(std::string_view path) {
  return check_id_helper(path, "newuidmap", CAP_SETUID, "cap_setuid");
}

Result<void> check_newgidmap(std::string_view path) {
  return check_id_helper(path, "newgidmap", CAP_SETGID, "cap_setgid");
}

namespace {

// The integer value of a sysctl file under `proc_root`, or nullopt if the knob does not exist.
Result<std::optional<int64_t>> read_sysctl(std::string_view proc_root, std::string_view relative) {
  std::string path = fmt::format("{}/sys/{}", proc_root, relative);
  auto content = sys::read_file(path);
  if (!content) {
    if (content.error().sys_errno() == ENOENT) return std::nullopt;
    return fail(content.error());
  }
  std::string_view value = trim(*content);
  int64_t number = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    return fail(ErrorKind::Corrupt, fmt::format("{:?}: expected a number, got {:?}", path, value));
  }
  return number;
}

}  // namespace

Result<void> userns_allowed(std::string_view proc_root) {
  auto clone = NOOK_TRY(read_sysctl(proc_root, "kernel/unprivileged_userns_clone"));
  if (clone && *clone == 0) {
    return fail(ErrorKind::Unsupported,
                "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0): "
                "as root, run sysctl -w kernel.unprivileged_userns_clone=1 and set it in "
                "/etc/sysctl.d/ to keep it");
  }
  auto max = NOOK_TRY(read_sysctl(proc_root, "user/max_user_namespaces"));
  if (max && *max == 0) {
    return fail(ErrorKind::Unsupported,
                "user namespaces are disabled (user.max_user_namespaces = 0): as root, run sysctl "
                "-w user.max_user_namespaces=15000 and set it in /etc/sysctl.d/ to keep it");
  }
  auto apparmor = NOOK_TRY(read_sysctl(proc_root, "kernel/apparmor_restrict_unprivileged_userns"));
  if (apparmor && *apparmor != 0) {
    return fail(ErrorKind::Unsupported,
                "AppArmor restricts unprivileged user namespaces "
                "(kernel.apparmor_restrict_unprivileged_userns = 1): install an AppArmor profile "
                "that allows \"userns\" for nook, or as root run sysctl -w "
                "kernel.apparmor_restrict_unprivileged_userns=0");
  }
  return {};
}

std::string nsswitch_subid_services(std::string_view nsswitch_conf) {
  while (!nsswitch_conf.empty()) {
    size_t end = nsswitch_conf.find('\n');
    std::string_view line = nsswitch_conf.substr(0, end);
    nsswitch_conf = end == std::string_view::npos ? std::string_view() : nsswitch_conf.substr(end + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.starts_with("subid:")) return std::string(trim(line.substr(6)));
  }
  return {};
}

bool subids_from_libsubid(std::string_view subid_services) {
  return !subid_services.empty() && subid_services != "files";
}

namespace {

// shadow 4.13's <subid.h>, which Debian ships only with libsubid-dev.
struct SubidRange {
  unsigned long start;
  unsigned long count;
};

struct LibsubidApi {
  int (*get_uid_ranges)(const char* owner, SubidRange** ranges) = nullptr;
  int (*get_gid_ranges)(const char* owner, SubidRange** ranges) = nullptr;
};

}  // namespace

Result<std::vector<IdRange>> libsubid_ranges(std::string_view user_name, bool gids) {
  static std::once_flag once;
  static Result<LibsubidApi> api = fail(ErrorKind::Internal, "libsubid not loaded");
  std::call_once(once, [] {
    api = sys::load_library_api<LibsubidApi>("libsubid.so.4", [](void* handle, LibsubidApi& out) {
      return sys::resolve_symbol(handle, "subid_get_uid_ranges", out.get_uid_ranges) &&
             sys::resolve_symbol(handle, "subid_get_gid_ranges", out.get_gid_ranges);
    });
  });
  if (!api) return fail(api.error());
  SubidRange* ranges = nullptr;
  std::string owner(user_name);
  int n = gids ? api->get_gid_ranges(owner.c_str(), &ranges) : api->get_uid_ranges(owner.c_str(), &ranges);
  if (n < 0) {
    return fail(ErrorKind::System, fmt::format("libsubid could not list the subordinate {} of {:?}",
                                               gids ? "gids" : "uids", user_name));
  }
  std::vector<IdRange> out;
  for (int i = 0; i < n; ++i) {
    if (ranges[i].start > UINT32_MAX || ranges[i].count > UINT32_MAX) continue;
    out.push_back({.start = static_cast<uint32_t>(ranges[i].start), .count = static_cast<uint32_t>(ranges[i].count)});
  }
  ::free(ranges);  // malloc'ed by libsubid
  return out;
}

}  // namespace nook::rootless
