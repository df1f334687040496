// The OCI runtime-spec `config.json` (runtime-spec 1.0-1.2, Linux), as plain structs.
//
// This is the contract between the engine, which builds a spec from an image config and the
// flags (lib/oci/spec_builder.h), and the runtimes that run it: nook's own (lib/runtime) and an
// external one (crun, runc) given the same bundle. Field names follow the spec's JSON keys in
// snake_case; "unset" is std::optional or an empty container, and an unset field is left out of
// the JSON, as crun and runc leave it.
//
// Parsing (lib/oci/spec.cc) accepts what `crun spec`, `runc spec` and podman write; unknown keys
// are ignored (the spec says runtimes must ignore them), wrong types are errors naming the key.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::oci {

inline constexpr std::string_view kSpecVersion = "1.0.2-dev";

struct User {
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<mode_t> umask;
  std::vector<gid_t> additional_gids;
};

struct Capabilities {  // names as "CAP_CHOWN"
  std::vector<std::string> bounding;
  std::vector<std::string> effective;
  std::vector<std::string> inheritable;
  std::vector<std::string> permitted;
  std::vector<std::string> ambient;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct ConsoleSize {
  unsigned height = 0;
  unsigned width = 0;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;  // "NAME=value"
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
  std::string apparmor_profile;
  std::string selinux_label;
};

struct Root {
  std::string path = "rootfs";  // relative to the bundle, or absolute
  bool readonly = false;
};

struct Mount {
  std::string destination;
  std::string type;  // "bind", "proc", "tmpfs", ... (empty: a bind when options say so)
  std::string source;
  std::vector<std::string> options;  // "nosuid", "rbind", "ro", "mode=755", "size=65536k", ...
  friend bool operator==(const Mount&, const Mount&) = default;
};

struct Namespace {
  std::string type;  // "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"
  std::string path;  // empty: a new namespace; else join this one (/proc/PID/ns/net)
  friend bool operator==(const Namespace&, const Namespace&) = default;
};

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
  friend bool operator==(const IdMapping&, const IdMapping&) = default;
};

struct Device {  // linux.devices: nodes to create in /dev
  std::string type;  // "c", "b", "u", "p"
  std::string path;
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<mode_t> file_mode;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
};

struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // "SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ", ...
  friend bool operator==(const SeccompArg&, const SeccompArg&) = default;
};

struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action;  // "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", ...
  std::optional<unsigned> errno_ret;
  std::vector<SeccompArg> args;
  friend bool operator==(const SeccompSyscall&, const SeccompSyscall&) = default;
};

struct Seccomp {
  std::string default_action;  // "SCMP_ACT_ERRNO"
  std::optional<unsigned> default_errno_ret;
  std::vector<std::string> architectures;  // "SCMP_ARCH_X86_64", ...
  std::vector<std::string> flags;          // "SECCOMP_FILTER_FLAG_SPEC_ALLOW", ...
  std::vector<SeccompSyscall> syscalls;
};

// linux.resources, kept as the JSON object it is (limits, devices rules, hugepage limits, ...).
// lib/cgroup reads the limits out of it (cgroup::parse_resources, which also checks their types)
// and writes them into it (cgroup::merge_into): one typed view, not two.
struct Resources {
  nlohmann::json raw = nlohmann::json::object();
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::vector<Device> devices;
  std::optional<Resources> resources;
  std::string cgroups_path;
  std::map<std::string, std::string> sysctl;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::optional<Seccomp> seccomp;
  std::string rootfs_propagation;  // "", "private", "rprivate", "slave", "rslave", "shared", ...
  std::string mount_label;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;
};

struct Hooks {
  std::vector<Hook> prestart;
  std::vector<Hook> create_runtime;
  std::vector<Hook> create_container;
  std::vector<Hook> start_container;
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

struct Spec {
  std::string oci_version = std::string(kSpecVersion);
  Process process;
  Root root;
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  std::optional<Hooks> hooks;
  std::map<std::string, std::string> annotations;
  Linux linux_;  // "linux" is a predefined macro under GNU extensions
};

// config.json -> Spec. Errors: kind InvalidArgument naming the key ("process.args: expected an
// array of strings"); a missing "ociVersion", "root" or "process" is an error, as in crun.
[[nodiscard]] Result<Spec> parse_spec(const nlohmann::json& json);
// Reads and parses `<bundle>/config.json`; the path is in the message.
[[nodiscard]] Result<Spec> load_spec(std::string_view bundle_dir);

// Spec -> config.json, keys in the spec's camelCase; unset fields are omitted.
nlohmann::json to_json(const Spec& spec);

}  // namespace nook::oci
