// `nook unshare`: enter the rootless user namespace as every writing command does, then run a
// command in it (podman unshare), so users can inspect or clean the store with the store's ids.
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

#include "lib/engine/engine.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "rootless/subid.h"
#include "rootless/userns.h"

namespace nook::engine {

namespace {

// The plan for the user settings.env describes: container 0 = the user, 1..N = the ranges of
// /etc/subuid and /etc/subgid (under env.system_root, for tests).
Result<rootless::UsernsPlan> plan_for(const config::Environment& env) {
  rootless::UsernsPlan plan{.uid = env.uid, .gid = ::getgid(), .user_name = env.user_name};
  std::string subuid = env.system_path("/etc/subuid");
  std::string subgid = env.system_path("/etc/subgid");
  std::vector<rootless::IdRange> uids, gids;
  // Ranges served by an nsswitch "subid:" service (SSSD, LDAP) come through shadow's libsubid,
  // as newuidmap gets them; with the files alone nook reads them itself, without the library.
  auto nsswitch = sys::read_file(env.system_path("/etc/nsswitch.conf"));
  std::string services = nsswitch ? rootless::nsswitch_subid_services(*nsswitch) : std::string();
  if (rootless::subids_from_libsubid(services)) {
    uids = NOOK_TRY(rootless::libsubid_ranges(env.user_name, false));
    gids = NOOK_TRY(rootless::libsubid_ranges(env.user_name, true));
    subuid = fmt::format("the subid service {:?} of /etc/nsswitch.conf", services);
    subgid = subuid;
  } else {
    uids = NOOK_TRY(rootless::find_subids(subuid, env.user_name, env.uid));
    gids = NOOK_TRY(rootless::find_subids(subgid, env.user_name, env.uid));
  }
  auto uid_mappings = rootless::build_mappings(env.uid, uids);
  if (!uid_mappings) return fail(uid_mappings.error().context(fmt::format("{:?}", subuid)));
  auto gid_mappings = rootless::build_mappings(plan.gid, gids);
  if (!gid_mappings) return fail(gid_mappings.error().context(fmt::format("{:?}", subgid)));
  plan.uid_mappings = std::move(*uid_mappings);
  plan.gid_mappings = std::move(*gid_mappings);
  return plan;
}

std::vector<std::string> command_env(const Settings& settings) {
  std::vector<std::string> env;
  for (const auto& [name, value] : settings.env.vars) {
    if (name == "CONTAINERS_GRAPHROOT" || name == "CONTAINERS_RUNROOT") continue;
    if (name == "NOOK_ROOT" || name == "NOOK_RUNROOT" || name == "_NOOK_ROOTLESS_UID") continue;
    env.push_back(name + "=" + value);
  }
  env.push_back("CONTAINERS_GRAPHROOT=" + settings.config.graph_root);
  env.push_back("CONTAINERS_RUNROOT=" + settings.config.run_root);
  // A nook run inside (`nook mount`) stays rootless and uses the same store (config::Environment).
  if (settings.env.rootless()) {
    env.push_back("NOOK_ROOT=" + settings.config.graph_root);
    env.push_back("NOOK_RUNROOT=" + settings.config.run_root);
    env.push_back(fmt::format("_NOOK_ROOTLESS_UID={}", settings.env.uid));
  }
  return env;
}

// Ignores SIGINT and SIGQUIT while the command runs (as a shell does for its foreground job), so
// ^C reaches the command and nook stays to report its status; restores them on destruction.
class IgnoreTerminalSignals {
 public:
  IgnoreTerminalSignals() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGINT, &ignore, &old_int_);
    ::sigaction(SIGQUIT, &ignore, &old_quit_);
  }
  ~IgnoreTerminalSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGQUIT, &old_quit_, nullptr);
  }
  IgnoreTerminalSignals(const IgnoreTerminalSignals&) = delete;
  IgnoreTerminalSignals& operator=(const IgnoreTerminalSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_quit_ {};
};

}  // namespace

Result<void> enter_userns(const Settings& settings, const std::function<void(const std::string&)>& on_warning,
                          pid_t share_with) {
  if (!settings.env.rootless()) return {};
  if (share_with > 0) return rootless::enter_existing_user_namespace(share_with);
  rootless::UsernsPlan plan = NOOK_TRY(plan_for(settings.env));
  rootless::UsernsEntry entry = NOOK_TRY(rootless::enter_user_namespace(plan));
  if (entry.warning && on_warning) on_warning(*entry.warning);
  return {};
}

Result<int> unshare_run(const Settings& settings, const std::vector<std::string>& command,
                        const std::function<void(const std::string&)>& on_warning) {
  if (settings.env.rootless() && ::getuid() != 0) NOOK_TRY_VOID(enter_userns(settings, on_warning));
  std::vector<std::string> argv = command;
  if (argv.empty()) argv.push_back(settings.env.get_nonempty("SHELL").value_or("/bin/sh"));

  auto child = sys::spawn({.argv = argv, .env = command_env(settings)});
  if (!child) {
    const Error& error = child.error();
    if (error.kind() == ErrorKind::NotFound) {
      return fail(ErrorKind::CommandNotFound,
                  fmt::format("exec: {:?}: executable file not found in $PATH", argv[0]));
    }
    if (error.kind() == ErrorKind::Permission) {
      return fail(ErrorKind::NotExecutable, fmt::format("exec: {:?}: permission denied", argv[0]));
    }
    return fail(error);
  }
  IgnoreTerminalSignals ignore;
  sys::ExitStatus status = NOOK_TRY(child->wait());
  return status.shell_code();
}

}  // namespace nook::engine
