// Image config + the flags of `nook run`/`create` -> an OCI runtime spec (lib/oci/spec.h), as
// podman builds it (pkg/specgen/generate): the same args, env, mounts, capabilities, masked and
// read-only paths, rlimits and seccomp profile, so a bundle nook writes runs unchanged under
// crun and runc. Pure: no file is read here except through the inputs given.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/image/manifest.h"
#include "lib/oci/spec.h"
#include "lib/util/error.h"

namespace nook::oci {

// The flags that shape the spec. Lists are as given on the command line (repeatable flags in
// order); "unset" is an empty string / nullopt. Facts about the host that podman reads itself
// (current rlimits, cgroup version, architecture) are inputs here, so building stays pure.
struct SpecOptions {
  std::vector<std::string> command;                    // after the image name
  std::optional<std::vector<std::string>> entrypoint;  // --entrypoint, already split (JSON array or [string])
  std::vector<std::string> env;                        // -e, --env-file lines, already expanded
  std::vector<std::string> default_env;                // containers.conf [containers] env
  std::string workdir;                                 // -w
  User user;                                           // resolved by resolve_user() (user.h); umask is ignored
  bool root_user = true;                               // ResolvedUser::root_user: full capability sets
  std::optional<std::string> user_home;                // ResolvedUser::home: HOME unless env sets it
  bool terminal = false;                               // -t
  std::string hostname;                                // --hostname, else the short id
  std::map<std::string, std::string> annotations;      // --annotation
  std::vector<std::string> default_capabilities;       // containers.conf (names without CAP_)
  std::vector<std::string> cap_add;                    // --cap-add (any case, with or without CAP_, "ALL")
  std::vector<std::string> cap_drop;                   // --cap-drop
  bool privileged = false;
  bool no_new_privileges = false;    // --security-opt no-new-privileges
  bool read_only = false;            // --read-only
  bool read_only_tmpfs = true;       // --read-only-tmpfs (only with --read-only)
  std::vector<std::string> ulimits;  // --ulimit name=soft[:hard] or "host"; containers.conf default_ulimits first
  // The current RLIMIT_NOFILE / RLIMIT_NPROC of the engine (after raising its soft NOFILE to the
  // hard limit, as podman does at start). Rootless, podman caps its defaults (1048576) at these.
  std::optional<Rlimit> host_nofile;
  std::optional<Rlimit> host_nproc;
  bool can_raise_rlimits = true;  // the engine has CAP_SYS_RESOURCE (else the host limits cap the defaults)
  std::optional<int> oom_score_adj;  // --oom-score-adj
  std::vector<std::string> sysctls;  // containers.conf default_sysctls, then --sysctl ("name=value")
  std::string shm_size = "65536k";   // --shm-size
  // Seccomp, decided as podman does: `seccomp_unconfined` (seccomp=unconfined) gives none; else
  // `seccomp` verbatim when set; else `seccomp_profile_json` (the text of seccomp=FILE) evaluated
  // for the container's bounding set; else none when privileged; else the default profile.
  bool seccomp_unconfined = false;
  std::optional<Seccomp> seccomp;
  std::optional<std::string> seccomp_profile_json;
  std::string arch = "amd64";         // native architecture for the profile's archMap (Go name)
  std::string kernel_version;         // uname -r, for minKernel in profiles
  std::vector<Mount> extra_mounts;    // volumes, binds, tmpfs, /etc/hosts ... resolved by the engine
  std::string network_mode = "none";  // "none", "host", "private"/"slirp4netns", or "ns:/proc/.."
  bool rootless = true;               // sysfs/cgroup mounts and rlimit defaults as podman does rootless
  bool cgroupns_private = false;      // --cgroupns private (podman's default on cgroup v2 only)
  bool gid5_available = true;         // gid 5 (tty) is mapped: devpts gets gid=5
  std::string umask = "0022";         // --umask
  std::string tz;                     // --tz (handled by the engine's /etc/localtime mount)
  std::string rootfs;                 // root.path (absolute)
  std::string cgroups_path;           // linux.cgroupsPath; empty = none
  int64_t pids_limit = 0;             // 0 = unlimited (the engine drops it on rootless cgroup v1)
};

// Builds the spec. Args: --entrypoint replaces the image's Entrypoint (and drops its Cmd unless a
// command is given; an entrypoint of [""] means none), a command replaces Cmd; empty args is
// InvalidArgument ("no command or entrypoint provided, and no CMD or ENTRYPOINT from image").
// Env (later wins, first position kept): PATH and container=podman, default_env, the image's,
// env; then HOSTNAME, TERM=xterm with -t and HOME from user_home when not set. Working dir: -w,
// else the image's, else "/". Mounts: podman's defaults, each replaced by an extra mount with the
// same destination (a /dev mount also drops the defaults below /dev), extra mounts first, then
// stably sorted by path depth as libpod does. Bad ulimits, umask, sysctls, shm size, capability
// names or seccomp profiles are InvalidArgument.
[[nodiscard]] Result<Spec> build_spec(const image::ContainerConfig& image, const SpecOptions& options);

// podman's --ulimit parsing (go-units ParseUlimit with -1 = unlimited): "nofile=100:200" ->
// {RLIMIT_NOFILE, hard 200, soft 100}. InvalidArgument `ulimit option "X" requires
// name=SOFT:HARD, failed to be parsed: ...`.
[[nodiscard]] Result<Rlimit> parse_ulimit(std::string_view text);

// The masked and read-only paths podman 4.3 gives an unprivileged container.
const std::vector<std::string>& default_masked_paths();
const std::vector<std::string>& default_readonly_paths();

}  // namespace nook::oci
