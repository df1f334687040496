// The runtime's plan: an oci::Spec turned, in the parent, into plain operations the container's
// init executes (bubblewrap's SetupOp list). make_plan() is pure (no file system access) and
// unit-tested without privilege; everything the child needs is computed here, so the child only
// walks vectors and passes c_str()s to system calls.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/oci/spec.h"
#include "lib/util/error.h"

namespace nook::runtime {

// One entry of spec.mounts, resolved.
struct MountStep {
  std::string source;       // bind: absolute host path; else the fs source ("proc", "tmpfs")
  std::string destination;  // inside the container, absolute and normalized ("/dev/pts")
  std::string fstype;       // empty for binds
  std::string data;         // options that are not flags ("mode=755,size=65536k")
  unsigned long flags = 0;  // MS_RDONLY, MS_NOSUID, ... (never MS_BIND/MS_REC)
  unsigned long clear_flags = 0;   // flags asked off explicitly ("rw", "suid", "dev", "exec")
  unsigned long propagation = 0;   // MS_PRIVATE, MS_SLAVE, ... possibly | MS_REC
  bool bind = false;
  bool recursive = false;  // rbind
  bool file = false;       // bind of a non-directory: the target is created as a file (runtime sets it)
  bool copy_up = false;    // tmpfs with "tmpcopyup": starts with the image's content there (copyup.h)
  friend bool operator==(const MountStep&, const MountStep&) = default;
};

struct DeviceStep {
  std::string path;  // absolute inside the container ("/dev/null")
  char type = 'c';   // 'c', 'b', 'p'
  unsigned major = 0;
  unsigned minor = 0;
  mode_t mode = 0666;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct RlimitStep {
  int resource = 0;
  rlim_t soft = 0;
  rlim_t hard = 0;
};

struct CapSets {  // bit N = capability N
  uint64_t bounding = 0;
  uint64_t effective = 0;
  uint64_t permitted = 0;
  uint64_t inheritable = 0;
  uint64_t ambient = 0;
};

struct Plan {
  // Namespaces: CLONE_NEWUSER/CLONE_NEWPID go to clone(); the others are unshare()d by the child
  // after it has joined those given by path (user first).
  unsigned long clone_flags = 0;
  unsigned long unshare_flags = 0;
  std::vector<std::pair<int, std::string>> joins;  // (CLONE_NEW*, path), user first, without pid
  std::string join_pid;                             // a pid namespace to join: done by the parent
  std::string uid_map;  // "/proc/PID/uid_map" content for a new user namespace; empty: none
  std::string gid_map;

  std::string rootfs;  // absolute
  unsigned long root_propagation = 0;  // rootfsPropagation (MS_PRIVATE|MS_REC unless set)
  bool readonly_root = false;
  std::vector<MountStep> mounts;
  bool dev_is_tmpfs = false;           // a mount at /dev: create the default devices and links
  std::vector<DeviceStep> devices;     // default devices (when dev_is_tmpfs) + linux.devices
  std::vector<std::pair<std::string, std::string>> symlinks;  // (target, link path)
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::vector<std::pair<std::string, std::string>> sysctls;  // ("/proc/sys/net/...", value)

  std::string hostname;
  std::string domainname;
  std::optional<int> oom_score_adj;
  std::vector<RlimitStep> rlimits;

  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> additional_gids;
  std::optional<mode_t> umask;
  CapSets caps;
  bool no_new_privs = false;
  bool terminal = false;
  std::optional<oci::ConsoleSize> console_size;  // process.consoleSize, applied to the pty

  std::string cwd = "/";
  std::vector<std::string> args;
  std::vector<std::string> env;
  // Paths execve() tries in order: args[0] itself when it holds a '/', else args[0] in each
  // directory of the container's PATH (the default PATH when the env has none).
  std::vector<std::string> exec_candidates;
  bool searched_path = false;
};

// Spec + bundle directory -> Plan. InvalidArgument for what the runtime cannot run (no args, no
// mount namespace, a hostname without a uts namespace, an unknown namespace, capability or
// rlimit name), naming the key.
[[nodiscard]] Result<Plan> make_plan(const oci::Spec& spec, std::string_view bundle);

// Only the process part of a plan (args, env, cwd, exec candidates, user, capabilities, rlimits,
// no_new_privs), for exec() into a running container.
[[nodiscard]] Result<Plan> make_process_plan(const oci::Process& process);

// "/a//b/../c/" -> "/a/c" (lexically; ".." never climbs above "/").
std::string clean_path(std::string_view path);

}  // namespace nook::runtime
