#include "lib/oci/capabilities.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "lib/util/strings.h"

namespace nook::oci {

using strings::to_upper;
namespace {

// linux/capability.h, by number.
constexpr std::array<std::string_view, kLastCapability + 1> kNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

constexpr std::string_view kAll = "ALL";

Result<std::vector<std::string>> normalize_all(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  out.reserve(inputs.size());
  for (const std::string& input : inputs) out.push_back(NOOK_TRY(normalize_capability(input)));
  return out;
}

std::vector<std::string> sorted_unique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

std::string_view capability_name(int number) {
  if (number < 0 || number > kLastCapability) return {};
  return kNames[static_cast<size_t>(number)];
}

std::optional<int> capability_number(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::vector<std::string> all_capabilities() { return {kNames.begin(), kNames.end()}; }

Result<std::string> normalize_capability(std::string_view input) {
  std::string name = to_upper(input);
  if (name == kAll) return name;
  if (!name.starts_with("CAP_")) name = "CAP_" + name;
  if (!capability_number(name)) {
    return fail(ErrorKind::InvalidArgument, fmt::format("unknown capability {:?}", name));
  }
  return name;
}

Result<std::vector<std::string>> merge_capabilities(const std::vector<std::string>& base,
                                                    const std::vector<std::string>& add,
                                                    const std::vector<std::string>& drop) {
  std::vector<std::string> base_caps = NOOK_TRY(normalize_all(base));
  std::vector<std::string> add_caps = NOOK_TRY(normalize_all(add));
  std::vector<std::string> drop_caps = NOOK_TRY(normalize_all(drop));
  if (strings::contains(drop_caps, kAll)) {
    // Drop everything; what is added survives ("--cap-drop=all --cap-add=kill").
    if (strings::contains(add_caps, kAll)) return sorted_unique(all_capabilities());
    return sorted_unique(std::move(add_caps));
  }
  if (strings::contains(add_caps, kAll)) return sorted_unique(all_capabilities());
  if (strings::contains(base_caps, kAll)) base_caps = all_capabilities();
  for (const std::string& name : add_caps) {
    if (strings::contains(drop_caps, name)) {
      return fail(ErrorKind::InvalidArgument, fmt::format("capability {:?} cannot be dropped and added", name));
    }
  }
  std::vector<std::string> out;
  for (const std::string& name : base_caps) {
    if (!strings::contains(drop_caps, name)) out.push_back(name);
  }
  for (const std::string& name : add_caps) out.push_back(name);
  return sorted_unique(std::move(out));
}

Result<Capabilities> resolve_capabilities(const CapabilityRequest& request) {
  std::vector<std::string> bounding;
  if (request.privileged) {
    bounding = sorted_unique(all_capabilities());
  } else {
    bounding = NOOK_TRY(merge_capabilities(request.defaults, request.add, request.drop));
  }
  Capabilities caps;
  caps.bounding = bounding;
  if (request.root_user) {
    caps.effective = bounding;
    caps.permitted = bounding;
    return caps;
  }
  // A non-root process keeps no capability across execve unless it is ambient, so podman puts
  // only what the user asked for with --cap-add into the other sets.
  std::vector<std::string> user_caps = NOOK_TRY(merge_capabilities({}, request.add, {}));
  caps.effective = user_caps;
  caps.permitted = user_caps;
  caps.inheritable = user_caps;
  caps.ambient = user_caps;
  return caps;
}

}  // namespace nook::oci
