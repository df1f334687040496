// Seccomp profiles in the podman/docker JSON format -> the linux.seccomp of an OCI spec
// (containers/common pkg/seccomp: LoadProfile / setupSeccomp).
//
// A profile file has defaultAction, defaultErrnoRet, archMap (or architectures), flags and
// syscalls[] of {names (or name), action, errnoRet, args[], includes, excludes}. includes and
// excludes hold caps, arches (Go names: "amd64", "arm64", ...) and minKernel ("4.8"). A rule is
// kept when no excluded arch is the native one, no excluded capability is in the bounding set,
// the native arch is among the included ones (if any), every included capability is in the
// bounding set and the kernel is at least minKernel. The architectures of the result are those
// of the archMap entry for the native arch (SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 on
// x86_64), or the `architectures` list as written.
//
// Pure: files are read by the caller (the engine reads `--security-opt seccomp=FILE`).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/oci/spec.h"
#include "lib/util/error.h"

namespace nook::oci {

struct SeccompTarget {
  // The bounding capability set of the container process ("CAP_SYS_ADMIN", ...).
  std::vector<std::string> capabilities;
  // The native architecture as Go names it ("amd64", "arm64", "s390x", ...); "x86_64" and
  // "aarch64" are accepted too.
  std::string arch = "amd64";
  // The running kernel's "major.minor" (from uname -r); empty: minKernel conditions hold.
  std::string kernel_version;
};

// The default profile podman 4.3 ships (containers/common 0.50 pkg/seccomp/seccomp.json, the
// /usr/share/containers/seccomp.json of Debian's golang-github-containers-common), as JSON text.
std::string_view default_seccomp_profile_json();

// Evaluates a profile for `target`. InvalidArgument naming the problem for a malformed profile:
// "decoding seccomp profile failed: ...", "'architectures' and 'archMap' were specified in the
// seccomp profile, use either 'architectures' or 'archMap'", "'name' and 'names' were specified
// in the seccomp profile, use either 'name' or 'names'", an unknown action, operator, architecture
// or flag, a syscall rule without a name. A profile with neither a defaultAction nor a syscall
// means "no seccomp": nullopt, as in podman.
[[nodiscard]] Result<std::optional<Seccomp>> load_seccomp_profile(std::string_view json, const SeccompTarget& target);

// load_seccomp_profile(default_seccomp_profile_json(), target); always a profile.
[[nodiscard]] Result<Seccomp> default_seccomp(const SeccompTarget& target);

}  // namespace nook::oci
