#include "lib/sys/proc.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>

#include "lib/sys/file.h"

namespace nook::sys {
namespace {

using std::chrono::milliseconds;

std::vector<std::string> sh(std::string script) { return {"/bin/sh", "-c", std::move(script)}; }

ExitStatus run_status(const SpawnOptions& options) {
  auto child = spawn(options);
  EXPECT_TRUE(child.has_value()) << child.error().message();
  if (!child) return {};
  auto status = child->wait();
  EXPECT_TRUE(status.has_value());
  return status ? *status : ExitStatus{};
}

CaptureResult capture(SpawnOptions options) {
  auto result = run_capture(std::move(options), milliseconds(10000));
  EXPECT_TRUE(result.has_value()) << result.error().message();
  return result ? *result : CaptureResult{};
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) < 0 && errno == ESRCH; }

TEST(ExitStatus, FromWaitStatusAndShellCode) {
  ExitStatus ok = ExitStatus::from_wait_status(0);
  EXPECT_TRUE(ok.exited);
  EXPECT_TRUE(ok.success());
  EXPECT_EQ(ok.shell_code(), 0);
  ExitStatus three = ExitStatus::from_wait_status(3 << 8);
  EXPECT_EQ(three.code, 3);
  EXPECT_FALSE(three.success());
  EXPECT_EQ(three.shell_code(), 3);
  ExitStatus killed = ExitStatus::from_wait_status(SIGKILL);
  EXPECT_FALSE(killed.exited);
  EXPECT_EQ(killed.signal, SIGKILL);
  EXPECT_EQ(killed.shell_code(), 137);
}

TEST(Spawn, ExitCodes) {
  EXPECT_EQ(run_status({.argv = {"true"}}), (ExitStatus{true, 0, 0}));
  EXPECT_EQ(run_status({.argv = {"false"}}).code, 1);
  EXPECT_EQ(run_status({.argv = sh("exit 42")}).shell_code(), 42);
}

TEST(Spawn, KilledBySignalIs128PlusN) {
  ExitStatus status = run_status({.argv = sh("kill -TERM $$; sleep 5")});
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_EQ(status.shell_code(), 128 + SIGTERM);
}

TEST(Spawn, MissingProgramIsNotFound) {
  auto child = spawn({.argv = {"nook-no-such-program-xyz", "arg"}});
  ASSERT_FALSE(child.has_value());
  EXPECT_EQ(child.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(child.error().message(),
            "exec \"nook-no-such-program-xyz\": No such file or directory");

  auto absolute = spawn({.argv = {"/nonexistent/bin/tool"}});
  ASSERT_FALSE(absolute.has_value());
  EXPECT_EQ(absolute.error().kind(), ErrorKind::NotFound);
  EXPECT_NE(absolute.error().message().find("\"/nonexistent/bin/tool\""), std::string::npos);
}

TEST(Spawn, NonExecutableIsPermission) {
  auto dir = make_temp_dir(::testing::TempDir(), "nook-proc-");
  ASSERT_TRUE(dir.has_value());
  std::string script = dir->path() + "/script";
  ASSERT_TRUE(write_file_atomic(script, "#!/bin/sh\nexit 0\n", 0644).has_value());
  auto child = spawn({.argv = {script}});
  ASSERT_FALSE(child.has_value());
  EXPECT_EQ(child.error().kind(), ErrorKind::Permission);
  EXPECT_EQ(child.error().sys_errno(), EACCES);
  EXPECT_NE(child.error().message().find(script), std::string::npos);

  // Found through PATH but not executable: EACCES too, as with execvp.
  auto via_path =
      spawn({.argv = {"script"}, .env = std::vector<std::string>{"PATH=" + dir->path()}});
  ASSERT_FALSE(via_path.has_value());
  EXPECT_EQ(via_path.error().kind(), ErrorKind::Permission);
}

TEST(Spawn, UnsearchablePathDirectoryIsNotPermission) {
  // As execvp would say EACCES here; we say what the user needs to hear: not found.
  auto dir = make_temp_dir(::testing::TempDir(), "nook-proc-");
  ASSERT_TRUE(dir.has_value());
  ASSERT_TRUE(make_dirs(dir->path() + "/locked").has_value());
  ASSERT_EQ(::chmod((dir->path() + "/locked").c_str(), 0), 0);
  auto child = spawn({.argv = {"nook-no-such-program-xyz"},
                      .env = std::vector<std::string>{"PATH=" + dir->path() + "/locked:/usr/bin"}});
  ASSERT_FALSE(child.has_value());
  EXPECT_EQ(child.error().kind(), ErrorKind::NotFound) << child.error().message();
}

TEST(Spawn, InvalidOptions) {
  EXPECT_EQ(spawn({}).error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(spawn({.argv = {"true"}, .keep_fds = {{0, 1}}}).error().kind(),
            ErrorKind::InvalidArgument);
  EXPECT_EQ(spawn({.argv = {"true"}, .keep_fds = {{0, 5}, {1, 5}}}).error().kind(),
            ErrorKind::InvalidArgument);
}

TEST(Spawn, MissingCwdIsReported) {
  auto child = spawn({.argv = {"true"}, .cwd = "/nonexistent/dir"});
  ASSERT_FALSE(child.has_value());
  EXPECT_EQ(child.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(child.error().message(),
            "running \"true\": chdir \"/nonexistent/dir\": No such file or directory");
}

TEST(Spawn, EnvironmentAndCwd) {
  auto dir = make_temp_dir(::testing::TempDir(), "nook-proc-");
  ASSERT_TRUE(dir.has_value());
  CaptureResult r = capture({.argv = sh("echo \"$FOO|$HOME|$(pwd)\""),
                             .env = std::vector<std::string>{"FOO=bar"},
                             .cwd = dir->path()});
  EXPECT_EQ(r.stdout_data, "bar||" + dir->path() + "\n");

  ::setenv("NOOK_SPAWN_TEST", "inherited", 1);
  CaptureResult inherited = capture({.argv = sh("echo $NOOK_SPAWN_TEST")});
  ::unsetenv("NOOK_SPAWN_TEST");
  EXPECT_EQ(inherited.stdout_data, "inherited\n");
}

TEST(Spawn, ExecutableOverridesArgv0) {
  CaptureResult r = capture({.argv = {"custom-name", "-c", "echo $0"}, .executable = "/bin/sh"});
  EXPECT_EQ(r.stdout_data, "custom-name\n");
}

TEST(Spawn, RedirectsToFdsAndDevNull) {
  auto dir = make_temp_dir(::testing::TempDir(), "nook-proc-");
  ASSERT_TRUE(dir.has_value());
  auto out = open_file(dir->path() + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_TRUE(out.has_value());
  auto in = Pipe::create();
  ASSERT_TRUE(in.has_value());
  ASSERT_TRUE(write_all(in->write.get(), "from stdin\n").has_value());
  in->write.reset();

  ExitStatus status = run_status({.argv = sh("cat; echo to-stderr >&2"),
                                  .stdin_from = Redirect::to_fd(in->read.get()),
                                  .stdout_to = Redirect::to_fd(out->get()),
                                  .stderr_to = Redirect::to_fd(out->get())});
  EXPECT_TRUE(status.success());
  EXPECT_EQ(*read_file(dir->path() + "/out"), "from stdin\nto-stderr\n");

  CaptureResult null_in = capture({.argv = {"cat"}, .stdin_from = Redirect::null()});
  EXPECT_TRUE(null_in.status.success());
  EXPECT_EQ(null_in.stdout_data, "");
}

TEST(Spawn, KeepFdsAndNothingElseLeaks) {
  // Descriptors without FD_CLOEXEC (as a careless library would leave them) must not reach the
  // child, whether they lie below the highest kept fd (5) or above it (77).
  int leaky_low = ::open("/dev/null", O_RDONLY);  // the lowest free number, normally 3
  int leaky_high = ::fcntl(0, F_DUPFD, 77);
  ASSERT_GE(leaky_low, 3);
  ASSERT_EQ(leaky_high, 77);
  auto extra = Pipe::create();
  ASSERT_TRUE(extra.has_value());
  std::string low = std::to_string(leaky_low);
  CaptureResult r =
      capture({.argv = sh("echo via-five >&5; [ -e /proc/self/fd/77 ] && echo leak77; "
                          "[ -e /proc/self/fd/" +
                          low + " ] && echo leak" + low +
                          "; "
                          "[ -e /proc/self/fd/5 ] && echo has5"),
               .stdin_from = Redirect::null(),
               .keep_fds = {{extra->write.get(), 5}}});
  ::close(leaky_high);
  ::close(leaky_low);
  extra->write.reset();
  EXPECT_TRUE(r.status.success()) << r.stderr_data;
  if (leaky_low == 5) {
    EXPECT_EQ(r.stdout_data, "leak5\nhas5\n");  // 5 is the kept fd, not the leak
  } else {
    EXPECT_EQ(r.stdout_data, "has5\n");
  }
  auto via = read_all(extra->read.get());
  ASSERT_TRUE(via.has_value());
  EXPECT_EQ(*via, "via-five\n");
}

TEST(Spawn, KeepFdsPermutation) {
  // Parent fds 7 and 8 swap places in the child: each source is the other mapping's target.
  // (Single digits: dash cannot redirect to fd 10 and above.)
  auto a = Pipe::create();
  auto b = Pipe::create();
  ASSERT_TRUE(a.has_value() && b.has_value());
  // Keep the pipes clear of 7 and 8: with fds inherited from the test runner (ctest -j), the
  // lowest free numbers may be exactly those.
  for (UniqueFd* end : {&a->read, &a->write, &b->read, &b->write}) {
    auto high = dup_fd(end->get(), 20);
    ASSERT_TRUE(high.has_value());
    *end = std::move(*high);
  }
  for (int fd : {7, 8}) {
    if (::fcntl(fd, F_GETFD) >= 0) GTEST_SKIP() << "fd " << fd << " is already in use";
  }
  ASSERT_EQ(::dup3(a->write.get(), 7, O_CLOEXEC), 7);
  ASSERT_EQ(::dup3(b->write.get(), 8, O_CLOEXEC), 8);
  UniqueFd fd7(7), fd8(8);
  a->write.reset();
  b->write.reset();
  ExitStatus status =
      run_status({.argv = sh("echo to-a >&8; echo to-b >&7"), .keep_fds = {{7, 8}, {8, 7}}});
  fd7.reset();
  fd8.reset();
  EXPECT_TRUE(status.success());
  EXPECT_EQ(*read_all(a->read.get()), "to-a\n");
  EXPECT_EQ(*read_all(b->read.get()), "to-b\n");
}

TEST(Spawn, ChildGetsDefaultSignalStateEvenIfWeIgnoreSigpipe) {
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  CaptureResult r = capture({.argv = {"grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"}});
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(r.stdout_data, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(Spawn, NewSession) {
  auto child = spawn({.argv = {"sleep", "30"}, .new_session = true});
  ASSERT_TRUE(child.has_value());
  // setsid runs before exec, and exec has completed when spawn returns.
  EXPECT_EQ(::getsid(child->pid()), child->pid());
  auto plain = spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(::getsid(plain->pid()), ::getsid(0));
}

TEST(Spawn, ParentDeathSignal) {
  // An intermediate process spawns `sleep` with PR_SET_PDEATHSIG and exits; as subreaper we
  // inherit the orphan and must see it die of SIGKILL rather than finish its sleep.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  int report[2];
  ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
  pid_t middle = ::fork();
  if (middle == 0) {
    auto child = spawn({.argv = {"sleep", "5"}, .parent_death_signal = SIGKILL});
    pid_t pid = child ? child->release() : -1;
    (void)!::write(report[1], &pid, sizeof pid);
    ::_exit(0);
  }
  ::close(report[1]);
  pid_t grandchild = -1;
  ASSERT_EQ(::read(report[0], &grandchild, sizeof grandchild),
            static_cast<ssize_t>(sizeof grandchild));
  ::close(report[0]);
  ::waitpid(middle, nullptr, 0);
  int status = 0;
  pid_t reaped = grandchild > 0 ? ::waitpid(grandchild, &status, 0) : -1;
  ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  ASSERT_GT(grandchild, 0);
  ASSERT_EQ(reaped, grandchild);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST(ChildProcess, DestructorKillsAndReaps) {
  pid_t pid = -1;
  {
    auto child = spawn({.argv = {"sleep", "60"}});
    ASSERT_TRUE(child.has_value());
    pid = child->pid();
    EXPECT_GT(pid, 0);
    EXPECT_FALSE(process_gone(pid));
  }
  EXPECT_TRUE(process_gone(pid));  // killed and reaped: not even a zombie
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST(ChildProcess, MoveAssignmentKillsThePreviousChild) {
  auto first = spawn({.argv = {"sleep", "60"}});
  auto second = spawn({.argv = {"sleep", "60"}});
  ASSERT_TRUE(first.has_value() && second.has_value());
  pid_t first_pid = first->pid();
  pid_t second_pid = second->pid();
  *first = std::move(*second);
  EXPECT_TRUE(process_gone(first_pid));
  EXPECT_EQ(first->pid(), second_pid);
  EXPECT_FALSE(*second);
}

TEST(ChildProcess, ReleaseLeavesTheProcessAlone) {
  pid_t pid = -1;
  {
    auto child = spawn({.argv = {"sleep", "60"}});
    ASSERT_TRUE(child.has_value());
    pid = child->release();
    EXPECT_FALSE(*child);
  }
  EXPECT_FALSE(process_gone(pid));
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
}

TEST(ChildProcess, SignalWaitForAndTryWait) {
  auto child = spawn({.argv = {"sleep", "60"}});
  ASSERT_TRUE(child.has_value());
  auto running = child->try_wait();
  ASSERT_TRUE(running.has_value());
  EXPECT_FALSE(running->has_value());
  auto timed = child->wait_for(milliseconds(50));
  ASSERT_TRUE(timed.has_value());
  EXPECT_FALSE(timed->has_value());
  ASSERT_TRUE(child->signal(SIGTERM).has_value());
  auto done = child->wait_for(milliseconds(10000));
  ASSERT_TRUE(done.has_value());
  ASSERT_TRUE(done->has_value());
  EXPECT_EQ((*done)->signal, SIGTERM);
  EXPECT_FALSE(*child);
  EXPECT_EQ(child->pid(), -1);
  EXPECT_EQ(child->pidfd(), -1);
  EXPECT_EQ(child->signal(SIGTERM).error().kind(), ErrorKind::InvalidState);
  EXPECT_EQ(child->wait().error().kind(), ErrorKind::InvalidState);
}

TEST(ChildProcess, WorksWithoutPidfd) {
  // As on kernels before 5.3: signal() uses kill(2), wait_for() polls waitpid.
  auto spawned = spawn({.argv = {"sleep", "60"}});
  ASSERT_TRUE(spawned.has_value());
  ChildProcess child(spawned->release(), UniqueFd());
  EXPECT_EQ(child.pidfd(), -1);
  auto timed = child.wait_for(milliseconds(30));
  ASSERT_TRUE(timed.has_value());
  EXPECT_FALSE(timed->has_value());
  ASSERT_TRUE(child.signal(SIGINT).has_value());
  auto done = child.wait_for(milliseconds(10000));
  ASSERT_TRUE(done.has_value() && done->has_value());
  EXPECT_EQ((*done)->signal, SIGINT);
}

TEST(ChildProcess, HasPidfdWhenSupported) {
  auto child = spawn({.argv = {"true"}});
  ASSERT_TRUE(child.has_value());
  if (child->pidfd() < 0) GTEST_SKIP() << "no pidfd on this kernel";
  EXPECT_TRUE((::fcntl(child->pidfd(), F_GETFD) & FD_CLOEXEC) != 0);
  EXPECT_TRUE(child->wait()->success());
}

TEST(RunCapture, CollectsBothStreamsAndStatus) {
  auto r = run_capture(sh("echo out; echo err >&2; printf partial; exit 4"), milliseconds(10000));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->stdout_data, "out\npartial");
  EXPECT_EQ(r->stderr_data, "err\n");
  EXPECT_EQ(r->status.shell_code(), 4);
}

TEST(RunCapture, LargeOutput) {
  auto r = run_capture(sh("head -c 3000000 /dev/zero; head -c 200000 /dev/zero >&2"),
                       milliseconds(20000));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->stdout_data.size(), 3000000u);
  EXPECT_EQ(r->stderr_data.size(), 200000u);
}

TEST(RunCapture, TimeoutKillsTheChild) {
  auto start = std::chrono::steady_clock::now();
  auto r = run_capture(sh("echo started; exec sleep 30"), milliseconds(300));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind(), ErrorKind::System);
  EXPECT_EQ(r.error().sys_errno(), ETIMEDOUT);
  EXPECT_EQ(r.error().message(), "running \"/bin/sh\": did not finish within 300 ms, killed");
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(RunCapture, TimeoutWithClosedPipes) {
  // The child closes its output at once but keeps running: the wait, not the read, times out.
  auto r = run_capture(sh("exec sleep 30 >/dev/null 2>&1"), milliseconds(200));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().sys_errno(), ETIMEDOUT);
}

TEST(RunCapture, GrandchildHoldingThePipeDoesNotBlock) {
  // Become the subreaper for the orphaned grandchild so that we can reap it afterwards (our init
  // may not) instead of leaving a zombie behind.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  auto start = std::chrono::steady_clock::now();
  auto r = run_capture(sh("sleep 30 & echo $!"), milliseconds(10000));
  auto elapsed = std::chrono::steady_clock::now() - start;
  pid_t grandchild = r ? std::atoi(r->stdout_data.c_str()) : -1;
  if (grandchild > 0) {
    ::kill(grandchild, SIGKILL);
    ::waitpid(grandchild, nullptr, 0);
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_GT(grandchild, 0);
  EXPECT_TRUE(r->status.success());
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(RunCapture, MissingProgram) {
  auto r = run_capture({"nook-no-such-helper", "--version"}, milliseconds(1000));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind(), ErrorKind::NotFound);
}

}  // namespace
}  // namespace nook::sys

namespace nook::sys {
namespace {

TEST(ProcessStat, ReadsOurselvesAndAChild) {
  auto self = process_stat(::getpid());
  ASSERT_TRUE(self) << self.error().message();
  EXPECT_EQ(self->pid, ::getpid());
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_GT(self->start_time, 0u);
  auto child = spawn({.argv = {"sleep", "10"}});
  ASSERT_TRUE(child);
  auto stat = process_stat(child->pid());
  ASSERT_TRUE(stat) << stat.error().message();
  EXPECT_EQ(stat->ppid, ::getpid());
  EXPECT_GE(stat->start_time, self->start_time);
  pid_t pid = child->pid();
  ASSERT_TRUE(child->signal(SIGKILL));
  ASSERT_TRUE(child->wait());
  auto gone = process_stat(pid);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind(), ErrorKind::NotFound);
}

}  // namespace
}  // namespace nook::sys
