#include "lib/oci/user.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "lib/sys/file.h"
#include "lib/sys/syscall.h"
#include "lib/util/strings.h"

namespace nook::oci {

using strings::split;
using strings::trim;
namespace {

constexpr int64_t kMaxId = 2147483647;  // runc's range check: ids are int32 on the wire

struct PasswdEntry {
  std::string name;
  int64_t uid = 0;
  int64_t gid = 0;
  std::string home;
};

struct GroupEntry {
  std::string name;
  int64_t gid = 0;
  std::vector<std::string> members;
};

// strconv.Atoi: optional sign, decimal digits, nothing else.
std::optional<int64_t> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string_view digits = text;
  bool negative = false;
  if (digits.front() == '+' || digits.front() == '-') {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  int64_t value = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  return negative ? -value : value;
}

// Lines of a colon-separated database: blank lines and '#' comments are skipped (runc parseLine).
std::vector<std::vector<std::string>> records(std::string_view text) {
  std::vector<std::vector<std::string>> out;
  for (const std::string& raw : split(text, '\n')) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    out.push_back(split(line, ':'));
  }
  return out;
}

std::string field(const std::vector<std::string>& parts, size_t i) { return i < parts.size() ? parts[i] : ""; }

std::vector<PasswdEntry> parse_passwd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for (const auto& parts : records(text)) {
    PasswdEntry e;
    e.name = field(parts, 0);
    e.uid = parse_number(field(parts, 2)).value_or(0);
    e.gid = parse_number(field(parts, 3)).value_or(0);
    e.home = field(parts, 5);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<GroupEntry> parse_group(std::string_view text) {
  std::vector<GroupEntry> out;
  for (const auto& parts : records(text)) {
    GroupEntry e;
    e.name = field(parts, 0);
    e.gid = parse_number(field(parts, 2)).value_or(0);
    for (const std::string& member : split(field(parts, 3), ',')) {
      if (!member.empty()) e.members.push_back(member);
    }
    out.push_back(std::move(e));
  }
  return out;
}

Result<int64_t> in_range(int64_t id) {
  if (id < 0 || id > kMaxId) {
    return fail(ErrorKind::InvalidArgument, fmt::format("uids and gids must be in range 0-{}", kMaxId));
  }
  return id;
}

Result<gid_t> lookup_group(const std::vector<GroupEntry>& groups, std::string_view spec) {
  if (std::optional<int64_t> gid = parse_number(spec)) return static_cast<gid_t>(NOOK_TRY(in_range(*gid)));
  for (const GroupEntry& g : groups) {
    if (g.name == spec) return static_cast<gid_t>(NOOK_TRY(in_range(g.gid)));
  }
  return fail(ErrorKind::InvalidArgument,
              fmt::format("unable to find group {}: no matching entries in group file", spec));
}

void add_unique(std::vector<gid_t>& list, gid_t gid) {
  if (std::find(list.begin(), list.end(), gid) == list.end()) list.push_back(gid);
}

}  // namespace

Result<std::string> read_in_root(int rootfs_fd, std::string_view path) {
  auto fd = sys::openat2(rootfs_fd, path, O_RDONLY, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (!fd && fd.error().kind() == ErrorKind::Unsupported) {
    // Linux < 5.6: a plain lookup below the rootfs (the image is ours, the path is fixed).
    fd = sys::openat_file(rootfs_fd, path, O_RDONLY);
  }
  if (!fd) {
    if (fd.error().sys_errno() == ENOENT || fd.error().sys_errno() == ENOTDIR) return std::string();
    return fail(fd.error().context(fmt::format("opening {:?} in the container", "/" + std::string(path))));
  }
  return sys::read_all(fd->get());
}

Result<ResolvedUser> resolve_user_from_files(std::string_view user, const std::vector<std::string>& group_add,
                                             std::string_view passwd, std::string_view group) {
  std::vector<std::string> parts = split(user, ':');
  if (user.empty()) parts.clear();
  if (parts.size() > 2) return fail(ErrorKind::InvalidArgument, fmt::format("invalid user {:?}", user));
  const std::string user_arg = parts.empty() ? "" : parts[0];
  const bool has_group = parts.size() == 2;
  const std::string group_arg = has_group ? parts[1] : "";

  const std::vector<PasswdEntry> users = parse_passwd(passwd);
  const std::vector<GroupEntry> groups = parse_group(group);

  ResolvedUser out;
  out.root_user = user_arg.empty() || user_arg == "root" || user_arg == "0";
  const std::optional<int64_t> uid_arg = parse_number(user_arg);
  const PasswdEntry* match = nullptr;
  for (const PasswdEntry& e : users) {
    bool hit = user_arg.empty() ? e.uid == 0 : uid_arg ? e.uid == *uid_arg : e.name == user_arg;
    if (hit) {
      match = &e;
      break;
    }
  }
  if (match != nullptr) {
    out.uid = static_cast<uid_t>(NOOK_TRY(in_range(match->uid)));
    out.gid = static_cast<gid_t>(NOOK_TRY(in_range(match->gid)));
    out.home = match->home;
    out.name = match->name;
  } else if (!user_arg.empty()) {
    if (!uid_arg) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("unable to find user {}: no matching entries in passwd file", user_arg));
    }
    out.uid = static_cast<uid_t>(NOOK_TRY(in_range(*uid_arg)));
  }

  if (has_group) {
    out.gid = NOOK_TRY(lookup_group(groups, group_arg));
  }
  if (!user_arg.empty() || has_group) add_unique(out.additional_gids, out.gid);
  if (!has_group && !out.name.empty()) {
    for (const GroupEntry& g : groups) {
      if (std::find(g.members.begin(), g.members.end(), out.name) != g.members.end()) {
        add_unique(out.additional_gids, static_cast<gid_t>(NOOK_TRY(in_range(g.gid))));
      }
    }
  }
  for (const std::string& extra : group_add) {
    if (extra == "keep-groups") {
      return fail(ErrorKind::InvalidArgument, "the --group-add keep-groups option is not supported");
    }
    add_unique(out.additional_gids, NOOK_TRY(lookup_group(groups, extra)));
  }
  return out;
}

Result<ResolvedUser> resolve_user(int rootfs_fd, std::string_view user, const std::vector<std::string>& group_add) {
  std::string passwd = NOOK_TRY(read_in_root(rootfs_fd, "etc/passwd"));
  std::string group = NOOK_TRY(read_in_root(rootfs_fd, "etc/group"));
  return resolve_user_from_files(user, group_add, passwd, group);
}

}  // namespace nook::oci
