#include "lib/oci/seccomp_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "lib/image/json_adapter.h"
#include "lib/util/strings.h"

namespace nook::oci {
namespace {

// containers/common v0.50.1 pkg/seccomp/seccomp.json (Apache-2.0, derived from Docker's
// profile), re-indented: one rule per entry, content unchanged (a unit test checks the rule
// count and a few rules against podman 4.3's output).
constexpr std::string_view kDefaultProfile = R"json(
{
 "defaultAction": "SCMP_ACT_ERRNO",
 "defaultErrnoRet": 38,
 "defaultErrno": "ENOSYS",
 "archMap": [
  {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
  {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
  {"architecture": "SCMP_ARCH_MIPS64", "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"]},
  {"architecture": "SCMP_ARCH_MIPS64N32", "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"]},
  {"architecture": "SCMP_ARCH_MIPSEL64", "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"]},
  {"architecture": "SCMP_ARCH_MIPSEL64N32", "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"]},
  {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]}
 ],
 "syscalls": [
  {"names": [
    "bdflush", "io_pgetevents", "kexec_file_load", "kexec_load", "migrate_pages", "move_pages",
    "nfsservctl", "nice", "oldfstat", "oldlstat", "oldolduname", "oldstat", "olduname",
    "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "sgetmask", "ssetmask",
    "swapcontext", "swapoff", "swapon", "sysfs", "uselib", "userfaultfd", "ustat", "vm86",
    "vm86old", "vmsplice"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
    "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "clone", "clone3", "close", "close_range", "connect",
    "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
    "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
    "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
    "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
    "flock", "fork", "fremovexattr", "fsconfig", "fsetxattr", "fsmount", "fsopen", "fspick",
    "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64",
    "futex", "futex_time64", "futimesat", "get_mempolicy", "get_robust_list", "get_thread_area",
    "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32",
    "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid",
    "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32",
    "getresuid", "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt",
    "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch",
    "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy",
    "io_getevents", "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc",
    "keyctl", "kill", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
    "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
    "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "mbind", "membarrier",
    "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
    "mlock2", "mlockall", "mmap", "mmap2", "mount", "mount_setattr", "move_mount", "mprotect",
    "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
    "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
    "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
    "newfstatat", "open", "open_tree", "openat", "openat2", "pause", "pidfd_getfd", "pidfd_open",
    "pidfd_send_signal", "pipe", "pipe2", "pivot_root", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
    "prlimit64", "process_mrelease", "process_vm_readv", "process_vm_writev", "pselect6",
    "pselect6_time64", "ptrace", "pwrite64", "pwritev", "pwritev2", "read", "readahead",
    "readdir", "readlink", "readlinkat", "readv", "reboot", "recv", "recvfrom", "recvmmsg",
    "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
    "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
    "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
    "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
    "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
    "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_mempolicy",
    "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32",
    "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
    "setns", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
    "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt",
    "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
    "sigaction", "sigaltstack", "signal", "signalfd", "signalfd4", "sigpending", "sigprocmask",
    "sigreturn", "sigsuspend", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
    "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "syscall",
    "sysinfo", "syslog", "tee", "tgkill", "time", "timer_create", "timer_delete",
    "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
    "timerfd", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask",
    "umount", "umount2", "uname", "unlink", "unlinkat", "unshare", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "wait4", "waitid", "waitpid", "write", "writev"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {}, "excludes": {}},
  {"names": [
    "personality"],
   "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "valueTwo": 0, "op": "SCMP_CMP_EQ"}], "comment": "", "includes": {}, "excludes": {}},
  {"names": [
    "personality"],
   "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}], "comment": "", "includes": {}, "excludes": {}},
  {"names": [
    "personality"],
   "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 131072, "valueTwo": 0, "op": "SCMP_CMP_EQ"}], "comment": "", "includes": {}, "excludes": {}},
  {"names": [
    "personality"],
   "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 131080, "valueTwo": 0, "op": "SCMP_CMP_EQ"}], "comment": "", "includes": {}, "excludes": {}},
  {"names": [
    "personality"],
   "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4294967295, "valueTwo": 0, "op": "SCMP_CMP_EQ"}], "comment": "", "includes": {}, "excludes": {}},
  {"names": [
    "sync_file_range2"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"arches": ["ppc64le"]}, "excludes": {}},
  {"names": [
    "arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls",
    "sync_file_range2"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"arches": ["arm", "arm64"]}, "excludes": {}},
  {"names": [
    "arch_prctl"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"arches": ["amd64", "x32"]}, "excludes": {}},
  {"names": [
    "modify_ldt"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"arches": ["amd64", "x32", "x86"]}, "excludes": {}},
  {"names": [
    "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"arches": ["s390", "s390x"]}, "excludes": {}},
  {"names": [
    "open_by_handle_at"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_DAC_READ_SEARCH"]}, "excludes": {}},
  {"names": [
    "open_by_handle_at"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_DAC_READ_SEARCH"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "bpf", "fanotify_init", "lookup_dcookie", "perf_event_open", "quotactl", "setdomainname",
    "sethostname", "setns"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_SYS_ADMIN"]}, "excludes": {}},
  {"names": [
    "bpf", "fanotify_init", "lookup_dcookie", "perf_event_open", "quotactl", "setdomainname",
    "sethostname", "setns"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_SYS_ADMIN"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "chroot"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_SYS_CHROOT"]}, "excludes": {}},
  {"names": [
    "chroot"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_SYS_CHROOT"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "delete_module", "finit_module", "init_module", "query_module"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_SYS_MODULE"]}, "excludes": {}},
  {"names": [
    "delete_module", "finit_module", "init_module", "query_module"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_SYS_MODULE"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "acct"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_SYS_PACCT"]}, "excludes": {}},
  {"names": [
    "acct"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_SYS_PACCT"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "kcmp", "process_madvise"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_SYS_PTRACE"]}, "excludes": {}},
  {"names": [
    "kcmp", "process_madvise"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_SYS_PTRACE"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "ioperm", "iopl"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_SYS_RAWIO"]}, "excludes": {}},
  {"names": [
    "ioperm", "iopl"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_SYS_RAWIO"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "clock_settime", "clock_settime64", "settimeofday", "stime"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_SYS_TIME"]}, "excludes": {}},
  {"names": [
    "clock_settime", "clock_settime64", "settimeofday", "stime"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_SYS_TIME"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "vhangup"],
   "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {"caps": ["CAP_SYS_TTY_CONFIG"]}, "excludes": {}},
  {"names": [
    "vhangup"],
   "action": "SCMP_ACT_ERRNO", "args": [], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_SYS_TTY_CONFIG"]}, "errnoRet": 1, "errno": "EPERM"},
  {"names": [
    "socket"],
   "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 16, "valueTwo": 0, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 9, "valueTwo": 0, "op": "SCMP_CMP_EQ"}], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_AUDIT_WRITE"]}, "errnoRet": 22, "errno": "EINVAL"},
  {"names": [
    "socket"],
   "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 9, "valueTwo": 0, "op": "SCMP_CMP_NE"}], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_AUDIT_WRITE"]}},
  {"names": [
    "socket"],
   "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 16, "valueTwo": 0, "op": "SCMP_CMP_NE"}], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_AUDIT_WRITE"]}},
  {"names": [
    "socket"],
   "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 9, "valueTwo": 0, "op": "SCMP_CMP_NE"}], "comment": "", "includes": {}, "excludes": {"caps": ["CAP_AUDIT_WRITE"]}},
  {"names": [
    "socket"],
   "action": "SCMP_ACT_ALLOW", "args": null, "comment": "", "includes": {"caps": ["CAP_AUDIT_WRITE"]}, "excludes": {}}
 ]
})json";

constexpr std::array<std::string_view, 9> kActions = {"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                                      "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
                                                      "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
constexpr std::array<std::string_view, 7> kOperators = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
constexpr std::array<std::string_view, 20> kArches = {
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64", "SCMP_ARCH_X32",       "SCMP_ARCH_ARM",     "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",        "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",    "SCMP_ARCH_PPC64",     "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",       "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64"};
constexpr std::array<std::string_view, 3> kFlags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                                    "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};

// pkg/seccomp nativeToSeccomp: the archMap entry that applies to a native arch.
struct NativeArch {
  std::string_view go_name;
  std::string_view seccomp_name;
};
constexpr std::array<NativeArch, 7> kNativeToSeccomp = {{{"amd64", "SCMP_ARCH_X86_64"},
                                                         {"arm64", "SCMP_ARCH_AARCH64"},
                                                         {"mips64", "SCMP_ARCH_MIPS64"},
                                                         {"mips64n32", "SCMP_ARCH_MIPS64N32"},
                                                         {"mipsel64", "SCMP_ARCH_MIPSEL64"},
                                                         {"mipsel64n32", "SCMP_ARCH_MIPSEL64N32"},
                                                         {"s390x", "SCMP_ARCH_S390X"}}};

template <size_t N>
bool known(const std::array<std::string_view, N>& table, std::string_view value) {
  return std::find(table.begin(), table.end(), value) != table.end();
}

std::unexpected<Error> malformed(std::string_view problem) {
  return fail(ErrorKind::InvalidArgument, fmt::format("decoding seccomp profile failed: {}", problem));
}

std::string go_arch(std::string_view arch) {
  if (arch == "x86_64") return "amd64";
  if (arch == "aarch64") return "arm64";
  if (arch == "i386" || arch == "i686") return "386";
  return std::string(arch);
}

// "5.10.0-21-amd64" -> {5, 10}; nullopt when it does not start with "N.N".
std::optional<std::pair<int, int>> kernel_major_minor(std::string_view version) {
  int major = 0;
  int minor = 0;
  const char* end = version.data() + version.size();
  auto [p, ec] = std::from_chars(version.data(), end, major);
  if (ec != std::errc() || p == end || *p != '.') return std::nullopt;
  auto [q, ec2] = std::from_chars(p + 1, end, minor);
  if (ec2 != std::errc()) return std::nullopt;
  return std::pair{major, minor};
}

Result<std::vector<std::string>> string_list(const nlohmann::json& obj, const char* key, std::string_view where) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return malformed(fmt::format("{}{}: expected an array of strings", where, key));
  for (const nlohmann::json& item : *it) {
    if (!item.is_string()) return malformed(fmt::format("{}{}: expected an array of strings", where, key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::string> string_field(const nlohmann::json& obj, const char* key, std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return malformed(fmt::format("{}{}: expected a string", where, key));
  return it->get<std::string>();
}

Result<std::optional<uint64_t>> unsigned_field(const nlohmann::json& obj, const char* key, std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<uint64_t>();
  if (!it->is_number_unsigned()) return malformed(fmt::format("{}{}: expected an unsigned integer", where, key));
  return std::optional<uint64_t>(it->get<uint64_t>());
}

Result<std::optional<unsigned>> errno_field(const nlohmann::json& obj, const char* key, std::string_view where) {
  std::optional<uint64_t> value = NOOK_TRY(unsigned_field(obj, key, where));
  if (!value) return std::optional<unsigned>();
  if (*value > 4095) return malformed(fmt::format("{}{}: {} is not an errno value", where, key, *value));
  return std::optional<unsigned>(static_cast<unsigned>(*value));
}

Result<std::string> action_field(const nlohmann::json& obj, const char* key, std::string_view where) {
  std::string action = NOOK_TRY(string_field(obj, key, where));
  if (!action.empty() && !known(kActions, action)) {
    return malformed(fmt::format("{}{}: unknown action {:?}", where, key, action));
  }
  return action;
}

struct Filter {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::string min_kernel;
};

Result<Filter> filter_field(const nlohmann::json& rule, const char* key, std::string_view where) {
  Filter filter;
  auto it = rule.find(key);
  if (it == rule.end() || it->is_null()) return filter;
  if (!it->is_object()) return malformed(fmt::format("{}{}: expected an object", where, key));
  std::string inner = fmt::format("{}{}.", where, key);
  filter.caps = NOOK_TRY(string_list(*it, "caps", inner));
  filter.arches = NOOK_TRY(string_list(*it, "arches", inner));
  filter.min_kernel = NOOK_TRY(string_field(*it, "minKernel", inner));
  if (!filter.min_kernel.empty() && !kernel_major_minor(filter.min_kernel)) {
    return malformed(fmt::format("{}minKernel: invalid kernel version {:?}", inner, filter.min_kernel));
  }
  return filter;
}

Result<std::vector<SeccompArg>> args_field(const nlohmann::json& rule, std::string_view where) {
  std::vector<SeccompArg> args;
  auto it = rule.find("args");
  if (it == rule.end() || it->is_null()) return args;
  if (!it->is_array()) return malformed(fmt::format("{}args: expected an array", where));
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& item = (*it)[i];
    std::string inner = fmt::format("{}args[{}].", where, i);
    if (!item.is_object()) return malformed(fmt::format("{}args[{}]: expected an object", where, i));
    SeccompArg arg;
    std::optional<uint64_t> index = NOOK_TRY(unsigned_field(item, "index", inner));
    if (index.value_or(0) > 5)
      return malformed(fmt::format("{}index: {} is not a syscall argument (0-5)", inner, *index));
    arg.index = static_cast<unsigned>(index.value_or(0));
    arg.value = NOOK_TRY(unsigned_field(item, "value", inner)).value_or(0);
    arg.value_two = NOOK_TRY(unsigned_field(item, "valueTwo", inner)).value_or(0);
    arg.op = NOOK_TRY(string_field(item, "op", inner));
    if (!known(kOperators, arg.op)) return malformed(fmt::format("{}op: unknown operator {:?}", inner, arg.op));
    args.push_back(std::move(arg));
  }
  return args;
}

}  // namespace

std::string_view default_seccomp_profile_json() { return kDefaultProfile; }

Result<std::optional<Seccomp>> load_seccomp_profile(std::string_view json, const SeccompTarget& target) {
  auto parsed = image::parse_json(json, "seccomp profile");
  if (!parsed) return malformed(parsed.error().message());
  const nlohmann::json& doc = *parsed;
  if (!doc.is_object()) return malformed("expected a JSON object");

  const std::string native = go_arch(target.arch);
  const std::optional<std::pair<int, int>> kernel = kernel_major_minor(target.kernel_version);

  Seccomp out;
  out.default_action = NOOK_TRY(action_field(doc, "defaultAction", ""));
  out.default_errno_ret = NOOK_TRY(errno_field(doc, "defaultErrnoRet", ""));

  auto syscalls = doc.find("syscalls");
  const bool has_syscalls = syscalls != doc.end() && !syscalls->is_null();
  if (has_syscalls && !syscalls->is_array()) return malformed("syscalls: expected an array");
  if (out.default_action.empty() && (!has_syscalls || syscalls->empty())) return std::optional<Seccomp>();
  if (out.default_action.empty()) return malformed("defaultAction: missing");

  std::vector<std::string> architectures = NOOK_TRY(string_list(doc, "architectures", ""));
  auto arch_map = doc.find("archMap");
  const bool has_arch_map = arch_map != doc.end() && !arch_map->is_null() && !arch_map->empty();
  if (!architectures.empty() && has_arch_map) {
    return fail(ErrorKind::InvalidArgument,
                "'architectures' and 'archMap' were specified in the seccomp profile, use either "
                "'architectures' or 'archMap'");
  }
  for (const std::string& arch : architectures) {
    if (!known(kArches, arch)) return malformed(fmt::format("architectures: unknown architecture {:?}", arch));
  }
  out.architectures = architectures;
  if (has_arch_map) {
    if (!arch_map->is_array()) return malformed("archMap: expected an array");
    std::string_view native_seccomp;
    for (const NativeArch& entry : kNativeToSeccomp) {
      if (entry.go_name == native) native_seccomp = entry.seccomp_name;
    }
    for (size_t i = 0; i < arch_map->size(); ++i) {
      const nlohmann::json& entry = (*arch_map)[i];
      std::string where = fmt::format("archMap[{}].", i);
      if (!entry.is_object()) return malformed(fmt::format("archMap[{}]: expected an object", i));
      std::string arch = NOOK_TRY(string_field(entry, "architecture", where));
      std::vector<std::string> sub = NOOK_TRY(string_list(entry, "subArchitectures", where));
      if (!known(kArches, arch))
        return malformed(fmt::format("{}architecture: unknown architecture {:?}", where, arch));
      for (const std::string& s : sub) {
        if (!known(kArches, s))
          return malformed(fmt::format("{}subArchitectures: unknown architecture {:?}", where, s));
      }
      if (!native_seccomp.empty() && arch == native_seccomp && out.architectures.empty()) {
        out.architectures.push_back(arch);
        out.architectures.insert(out.architectures.end(), sub.begin(), sub.end());
      }
    }
  }

  out.flags = NOOK_TRY(string_list(doc, "flags", ""));
  for (const std::string& flag : out.flags) {
    if (!known(kFlags, flag)) return malformed(fmt::format("flags: unknown flag {:?}", flag));
  }

  if (!has_syscalls) return std::optional<Seccomp>(std::move(out));
  for (size_t i = 0; i < syscalls->size(); ++i) {
    const nlohmann::json& rule = (*syscalls)[i];
    std::string where = fmt::format("syscalls[{}].", i);
    if (!rule.is_object()) return malformed(fmt::format("syscalls[{}]: expected an object", i));
    // Parse everything first so that a malformed rule is an error even when it is filtered out.
    std::string name = NOOK_TRY(string_field(rule, "name", where));
    std::vector<std::string> names = NOOK_TRY(string_list(rule, "names", where));
    SeccompSyscall call;
    call.action = NOOK_TRY(action_field(rule, "action", where));
    call.errno_ret = NOOK_TRY(errno_field(rule, "errnoRet", where));
    call.args = NOOK_TRY(args_field(rule, where));
    Filter includes = NOOK_TRY(filter_field(rule, "includes", where));
    Filter excludes = NOOK_TRY(filter_field(rule, "excludes", where));
    if (!name.empty() && !names.empty()) {
      return fail(ErrorKind::InvalidArgument,
                  "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
    }
    if (name.empty() && names.empty()) return malformed(fmt::format("{}names: missing", where));
    if (call.action.empty()) return malformed(fmt::format("{}action: missing", where));

    if (strings::contains(excludes.arches, native)) continue;
    if (std::any_of(excludes.caps.begin(), excludes.caps.end(),
                    [&](const std::string& c) { return strings::contains(target.capabilities, c); })) {
      continue;
    }
    if (!excludes.min_kernel.empty() && kernel && *kernel >= *kernel_major_minor(excludes.min_kernel)) continue;
    if (!includes.arches.empty() && !strings::contains(includes.arches, native)) continue;
    if (!std::all_of(includes.caps.begin(), includes.caps.end(),
                     [&](const std::string& c) { return strings::contains(target.capabilities, c); })) {
      continue;
    }
    if (!includes.min_kernel.empty() && kernel && *kernel < *kernel_major_minor(includes.min_kernel)) continue;

    call.names = name.empty() ? std::move(names) : std::vector<std::string>{name};
    out.syscalls.push_back(std::move(call));
  }
  return std::optional<Seccomp>(std::move(out));
}

Result<Seccomp> default_seccomp(const SeccompTarget& target) {
  std::optional<Seccomp> profile = NOOK_TRY(load_seccomp_profile(default_seccomp_profile_json(), target));
  if (!profile) return fail(ErrorKind::Internal, "the default seccomp profile is empty");
  return std::move(*profile);
}

}  // namespace nook::oci
