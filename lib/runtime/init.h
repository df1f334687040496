// The container's init: the child side of create(). It runs the plan (namespaces, mounts,
// devices, pivot_root, attributes, user, capabilities, seccomp), reports each failure on the sync
// socket, and ends in execve() or _exit(): it never returns into the caller's frames, never
// throws and never logs. Everything it needs is prepared by the parent before the fork.
#pragma once

#include <vector>

#include "lib/runtime/plan.h"
#include "lib/runtime/seccomp.h"

namespace nook::runtime {

struct InitContext {
  const Plan* plan = nullptr;
  const SeccompProgram* seccomp = nullptr;
  int sync_fd = -1;     // our end of the SOCK_SEQPACKET pair
  int fifo_fd = -1;     // O_PATH of <state>/exec.fifo when waiting for start, else -1
  int console_fd = -1;  // plan->terminal: the console socket the pty master is sent on (terminal.h)
  // The fds that become 0, 1, 2, 3, ... in the container (stdio, then preserve_fds); borrowed.
  std::vector<int> target_fds;
  // Every fd of ours is >= fd_floor (= target_fds.size()), so placing targets never clobbers them.
  int fd_floor = 3;
  std::vector<int> join_fds;  // for plan->joins, in order
  int last_cap = 40;
  bool wait_for_start = false;
  bool report_namespaces = false;  // send NamespacesReady once the namespaces exist
  bool wait_for_go = false;        // after Ready, wait for the parent's Go before exec
  bool parent_death_kill = true;  // PR_SET_PDEATHSIG(SIGKILL) while the parent sets us up
  // exec(): false for a detached process (exec -d): it keeps running when the caller exits, in a
  // session of its own.
  bool exec_dies_with_parent = true;
  std::vector<char*> argv;  // null-terminated, pointing into plan->args
  std::vector<char*> envp;  // null-terminated, pointing into plan->env
};

// Never returns.
[[noreturn]] void run_init(const InitContext& context) noexcept;

// exec(): joins plan->joins (setns, user first), creates the process with CLONE_PARENT (so it is
// the caller's child, inside the joined pid namespace), reports its pid as ExecPid and exits.
// The process applies the process part of the plan and execs.
[[noreturn]] void run_exec_joiner(const InitContext& context) noexcept;

// The exec step alone, shared with exec(): tries plan.exec_candidates with execve; on failure
// fills `error` (CommandNotFound / NotExecutable / System) and returns the exit code to use.
int exec_program(const InitContext& context, SyncRecord& error) noexcept;

}  // namespace nook::runtime
