#include "rootless/userns.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdint>
#include <limits>

#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "lib/util/strings.h"

namespace nook::rootless {

namespace {

// Writes `data` to a /proc file (uid_map, gid_map, setgroups) in one write(2), as the kernel
// requires for the maps.
Result<void> write_proc_file(const std::string& path, std::string_view data) {
  sys::UniqueFd fd = NOOK_TRY(sys::open_file(path, O_WRONLY));
  ssize_t n = ::write(fd.get(), data.data(), data.size());
  if (n < 0) return fail(Error::from_errno("write", path));
  if (static_cast<size_t>(n) != data.size()) {
    return fail(ErrorKind::System, fmt::format("write {:?}: short write", path));
  }
  return {};
}

// One id-mapping helper child: waits for its go byte on `go` (EOF = the parent gave up), then
// execs `argv` (newuidmap or newgidmap with the parent's pid and the mappings) with its stderr on
// `report`, so the parent reads the program's complaint, or ours when the exec itself fails. A
// fork of a single-threaded process; the program runs in place of the fork, with no second one.
[[noreturn]] void helper_child(const std::vector<std::string>& argv, int go, int report) {
  char byte = 0;
  ssize_t n;
  do {
    n = ::read(go, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) ::_exit(2);
  sigset_t none;
  sigemptyset(&none);
  (void)::sigprocmask(SIG_SETMASK, &none, nullptr);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd >= 0) {
    (void)::dup2(null_fd, STDIN_FILENO);
    (void)::dup2(null_fd, STDOUT_FILENO);
  }
  (void)::dup2(report, STDERR_FILENO);  // dup2 leaves the copy without FD_CLOEXEC
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  (void)sys::write_all(STDERR_FILENO, fmt::format("exec {:?}: {}", argv[0], std::strerror(errno)));
  ::_exit(127);
}

// A forked helper (killed and reaped when dropped early), the read end of its stderr, and the
// command line for messages.
struct MapHelper {
  sys::ChildProcess process;
  sys::UniqueFd report;
  std::string command;
};

Result<MapHelper> fork_helper(const std::string& program, std::span<const IdMapping> mappings, pid_t parent,
                              sys::Pipe& go) {
  std::vector<std::string> argv{program, std::to_string(parent)};
  for (std::string& arg : mapping_args(mappings)) argv.push_back(std::move(arg));
  sys::Pipe report = NOOK_TRY(sys::Pipe::create());
  pid_t pid = ::fork();
  if (pid < 0) return fail(Error::from_errno("fork", "the id-mapping helper"));
  if (pid == 0) {
    go.write.reset();
    report.read.reset();
    helper_child(argv, go.read.get(), report.write.get());
  }
  return MapHelper{sys::ChildProcess(pid, sys::UniqueFd()), std::move(report.read), strings::join(argv, " ")};
}

// The helper's error message, empty when it succeeded.
Result<std::string> finish_helper(MapHelper& helper) {
  std::string output = NOOK_TRY(sys::read_all(helper.report.get()));
  sys::ExitStatus status = NOOK_TRY(helper.process.wait());
  if (status.success()) return std::string();
  std::string err(strings::trim(output));
  if (err.empty()) err = fmt::format("exit status {}", status.shell_code());
  return fmt::format("{} failed: {}", helper.command, err);
}

// Becomes root in the namespace and detaches the mount tree from the host's propagation.
Result<void> become_root() {
  if (::setresgid(0, 0, 0) != 0) return fail(Error::from_errno("setresgid", "0"));
  if (::setresuid(0, 0, 0) != 0) return fail(Error::from_errno("setresuid", "0"));
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    return fail(Error::from_errno("mount", "\"/\" as rslave"));
  }
  return {};
}

Result<void> unshare_namespaces() {
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    Error error = Error::from_errno("unshare", "user and mount namespaces");
    if (error.sys_errno() == EINVAL) {
      return fail(Error(ErrorKind::Internal, error.message() + " (the process has threads)", EINVAL));
    }
    return fail(std::move(error));
  }
  return {};
}

// No subordinate ids: the process maps itself, which needs setgroups denied first.
Result<void> enter_single(const UsernsPlan& plan) {
  NOOK_TRY_VOID(unshare_namespaces());
  NOOK_TRY_VOID(write_proc_file("/proc/self/setgroups", "deny"));
  NOOK_TRY_VOID(write_proc_file("/proc/self/uid_map", fmt::format("0 {} 1\n", plan.uid)));
  NOOK_TRY_VOID(write_proc_file("/proc/self/gid_map", fmt::format("0 {} 1\n", plan.gid)));
  return become_root();
}

// Subordinate ids: two helpers forked before unshare(2) run newuidmap and newgidmap on us at the
// same time (each is a setuid exec of a few milliseconds).
Result<void> enter_with_helpers(const UsernsPlan& plan) {
  NOOK_TRY_VOID(check_newuidmap(plan.newuidmap));
  NOOK_TRY_VOID(check_newgidmap(plan.newgidmap));
  sys::Pipe go = NOOK_TRY(sys::Pipe::create());
  pid_t parent = ::getpid();
  // On every early return the helpers are killed and reaped, and go.write is closed: a helper
  // still waiting reads EOF and exits.
  MapHelper uid_helper = NOOK_TRY(fork_helper(plan.newuidmap, plan.uid_mappings, parent, go));
  MapHelper gid_helper = NOOK_TRY(fork_helper(plan.newgidmap, plan.gid_mappings, parent, go));
  go.read.reset();

  NOOK_TRY_VOID(unshare_namespaces());
  const char bytes[2] = {1, 1};  // one go byte for each helper
  if (auto woken = sys::write_all(go.write.get(), std::string_view(bytes, 2)); !woken) {
    return fail(woken.error().context("waking the id-mapping helpers"));
  }
  go.write.reset();

  std::string message = NOOK_TRY(finish_helper(uid_helper));
  std::string gid_message = NOOK_TRY(finish_helper(gid_helper));
  if (message.empty()) message = std::move(gid_message);
  if (!message.empty()) {
    return fail(ErrorKind::Permission,
                fmt::format("{}; check the lines for {:?} in /etc/subuid and /etc/subgid", message, plan.user_name));
  }
  return become_root();
}

}  // namespace

Result<std::vector<IdMapping>> build_mappings(uint32_t own_id, std::span<const IdRange> ranges) {
  std::vector<IdMapping> mappings{{.container_id = 0, .host_id = own_id, .size = 1}};
  uint64_t next = 1;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const IdRange& range = ranges[i];
    if (range.count == 0) {
      return fail(ErrorKind::InvalidArgument, fmt::format("subordinate range {} is empty", range.start));
    }
    if (range.contains(own_id)) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("subordinate range {}:{} contains the user's own id {}", range.start,
                              range.count, own_id));
    }
    for (size_t j = 0; j < i; ++j) {
      const IdRange& other = ranges[j];
      if (range.start < other.end() && other.start < range.end()) {
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("subordinate ranges {}:{} and {}:{} overlap", other.start, other.count,
                                range.start, range.count));
      }
    }
    // Container id 4294967295 is (uid_t)-1, which the kernel never maps.
    if (next + range.count > std::numeric_limits<uint32_t>::max()) {
      return fail(ErrorKind::InvalidArgument, "subordinate ranges exceed the 32-bit id space");
    }
    mappings.push_back({.container_id = static_cast<uint32_t>(next), .host_id = range.start, .size = range.count});
    next += range.count;
  }
  return mappings;
}

std::vector<std::string> mapping_args(std::span<const IdMapping> mappings) {
  std::vector<std::string> args;
  for (const IdMapping& m : mappings) {
    args.push_back(std::to_string(m.container_id));
    args.push_back(std::to_string(m.host_id));
    args.push_back(std::to_string(m.size));
  }
  return args;
}

std::string map_file_content(std::span<const IdMapping> mappings) {
  std::string out;
  for (const IdMapping& m : mappings) out += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
  return out;
}

std::string single_mapping_warning(std::string_view user_name) {
  return fmt::format(
      "no subordinate uid range for {0} in /etc/subuid: running with a single-uid mapping; add a line "
      "such as '{0}:100000:65536' to /etc/subuid and /etc/subgid",
      user_name);
}

Result<UsernsEntry> enter_user_namespace(const UsernsPlan& plan) {
  if (::geteuid() == 0) return UsernsEntry{};
  if (plan.uid_mappings.empty() || plan.gid_mappings.empty()) {
    return fail(ErrorKind::Internal, "user namespace plan without mappings");
  }
  NOOK_TRY_VOID(userns_allowed());
  UsernsEntry entry{.entered = true};
  bool single = plan.uid_mappings.size() == 1 && plan.gid_mappings.size() == 1;
  if (single) {
    NOOK_TRY_VOID(enter_single(plan));
  } else {
    NOOK_TRY_VOID(enter_with_helpers(plan));
  }
  if (plan.uid_mappings.size() == 1 || plan.gid_mappings.size() == 1) {
    entry.warning = single_mapping_warning(plan.user_name);
  }
  return entry;
}

Result<void> join_user_namespace(pid_t pid) {
  sys::UniqueFd ns = NOOK_TRY(sys::open_file(fmt::format("/proc/{}/ns/user", pid), O_RDONLY));
  if (::setns(ns.get(), CLONE_NEWUSER) != 0) {
    Error error = Error::from_errno("setns", fmt::format("the user namespace of process {}", pid));
    if (error.sys_errno() == EPERM) return fail(ErrorKind::Permission, error.message());
    return fail(std::move(error));
  }
  return {};
}

Result<void> enter_existing_user_namespace(pid_t pid) {
  if (::geteuid() == 0) return {};
  NOOK_TRY_VOID(join_user_namespace(pid));
  if (::unshare(CLONE_NEWNS) != 0) return fail(Error::from_errno("unshare", "a mount namespace"));
  return become_root();
}

}  // namespace nook::rootless
