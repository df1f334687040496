#include "lib/runtime/capabilities.h"

#include <fmt/format.h>
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "lib/oci/capabilities.h"
#include "lib/sys/file.h"
#include "lib/sys/syscall.h"
#include "lib/util/strings.h"

namespace nook::runtime {
namespace {

Result<uint64_t> mask_of(const std::vector<std::string>& names, std::string_view set) {
  uint64_t mask = 0;
  for (const std::string& name : names) {
    std::optional<int> number = oci::capability_number(name);
    if (!number) {
      return fail(ErrorKind::InvalidArgument, fmt::format("process.capabilities.{}: unknown capability {:?}", set, name));
    }
    mask |= uint64_t{1} << *number;
  }
  return mask;
}

}  // namespace

Result<CapSets> capability_sets(const std::optional<oci::Capabilities>& caps) {
  CapSets sets;
  if (!caps) return sets;
  sets.bounding = NOOK_TRY(mask_of(caps->bounding, "bounding"));
  sets.effective = NOOK_TRY(mask_of(caps->effective, "effective"));
  sets.permitted = NOOK_TRY(mask_of(caps->permitted, "permitted"));
  sets.inheritable = NOOK_TRY(mask_of(caps->inheritable, "inheritable"));
  sets.ambient = NOOK_TRY(mask_of(caps->ambient, "ambient"));
  return sets;
}

int kernel_last_capability() {
  auto text = sys::read_file("/proc/sys/kernel/cap_last_cap");
  if (!text) return oci::kLastCapability;
  int value = 0;
  for (char c : strings::trim(*text)) {
    if (c < '0' || c > '9') return oci::kLastCapability;
    value = value * 10 + (c - '0');
  }
  return value > 63 ? 63 : value;
}

bool apply_user_and_capabilities(const Plan& plan, int last_cap, SyncRecord& error) noexcept {
  uint64_t known = last_cap >= 63 ? ~uint64_t{0} : (uint64_t{1} << (last_cap + 1)) - 1;
  for (int cap = 0; cap <= last_cap; ++cap) {
    if ((plan.caps.bounding & (uint64_t{1} << cap)) != 0) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
      set_error(error, ErrorKind::System, errno, "dropping capability %d from the bounding set", cap);
      return false;
    }
  }
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
    set_error(error, ErrorKind::System, errno, "prctl(PR_SET_KEEPCAPS)");
    return false;
  }
  if (::setgroups(plan.additional_gids.size(), plan.additional_gids.data()) < 0) {
    // A user namespace with setgroups denied: fine as long as no groups were asked for.
    if (errno != EPERM || !plan.additional_gids.empty()) {
      set_error(error, ErrorKind::System, errno, "setgroups");
      return false;
    }
  }
  if (::setresgid(plan.gid, plan.gid, plan.gid) < 0) {
    set_error(error, ErrorKind::System, errno, "setresgid(%u)", static_cast<unsigned>(plan.gid));
    return false;
  }
  if (::setresuid(plan.uid, plan.uid, plan.uid) < 0) {
    set_error(error, ErrorKind::System, errno, "setresuid(%u)", static_cast<unsigned>(plan.uid));
    return false;
  }
  ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  int rc = sys::raw::capset(plan.caps.effective & known, plan.caps.permitted & known, plan.caps.inheritable & known);
  if (rc < 0) {
    set_error(error, ErrorKind::System, -rc, "capset");
    return false;
  }
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (int cap = 0; cap <= last_cap; ++cap) {
    if ((plan.caps.ambient & (uint64_t{1} << cap)) == 0) continue;
    // As crun: an ambient capability missing from inheritable/permitted is skipped.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EINVAL && errno != EPERM) {
      set_error(error, ErrorKind::System, errno, "raising ambient capability %d", cap);
      return false;
    }
  }
  return true;
}

}  // namespace nook::runtime
