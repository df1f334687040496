#include "lib/runtime/seccomp.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "lib/sys/file.h"

namespace nook::runtime {
namespace {

TEST(CompileSeccomp, ErrnoRuleWorksInAChild) {
  oci::Seccomp profile;
  profile.default_action = "SCMP_ACT_ALLOW";
  profile.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  profile.syscalls = {{.names = {"getcwd", "no_such_syscall_xyz"}, .action = "SCMP_ACT_ERRNO", .errno_ret = 42, .args = {}},
                      {.names = {"getppid"}, .action = "SCMP_ACT_ALLOW", .errno_ret = std::nullopt, .args = {}}};
  auto program = compile_seccomp(profile);
  ASSERT_TRUE(program.has_value()) << program.error().message();
  ASSERT_FALSE(program->empty());
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    SyncRecord error{};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || !load_seccomp(*program, error)) ::_exit(2);
    char buf[256];
    bool denied = ::getcwd(buf, sizeof buf) == nullptr && errno == 42;
    ::_exit(denied && ::getppid() > 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(CompileSeccomp, ArgumentRulesAndFlags) {
  oci::Seccomp profile;
  profile.default_action = "SCMP_ACT_ERRNO";
  profile.flags = {"SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
  profile.syscalls = {{.names = {"personality"},
                       .action = "SCMP_ACT_ALLOW",
                       .errno_ret = std::nullopt,
                       .args = {{0, 0, 0, "SCMP_CMP_EQ"}}},
                      {.names = {"clone"},
                       .action = "SCMP_ACT_ALLOW",
                       .errno_ret = std::nullopt,
                       .args = {{0, 0x7E020000, 0, "SCMP_CMP_MASKED_EQ"}, {0, 1, 0, "SCMP_CMP_NE"}}}};
  auto program = compile_seccomp(profile);
  ASSERT_TRUE(program.has_value()) << program.error().message();
  EXPECT_NE(program->flags, 0u);
}

TEST(CompileSeccomp, Errors) {
  oci::Seccomp profile;
  profile.default_action = "SCMP_ACT_BOGUS";
  auto program = compile_seccomp(profile);
  ASSERT_FALSE(program.has_value());
  EXPECT_EQ(program.error().message(), "linux.seccomp.defaultAction: unsupported seccomp action \"SCMP_ACT_BOGUS\"");
  profile.default_action = "SCMP_ACT_ALLOW";
  profile.architectures = {"SCMP_ARCH_VAX"};
  EXPECT_FALSE(compile_seccomp(profile).has_value());
  profile.architectures.clear();
  profile.syscalls = {{.names = {"read"}, .action = "SCMP_ACT_ERRNO", .errno_ret = std::nullopt, .args = {{0, 1, 0, "SCMP_CMP_ABOUT"}}}};
  EXPECT_FALSE(compile_seccomp(profile).has_value());
}

}  // namespace
TEST(CompileSeccomp, CacheKeepsTheProgramPerProfile) {
  sys::TempPath dir = *sys::make_temp_dir("/tmp", "seccomp-cache-");
  std::string cache = dir.path() + "/cache";  // made on first use
  oci::Seccomp profile;
  profile.default_action = "SCMP_ACT_ALLOW";
  profile.architectures = {"SCMP_ARCH_X86_64"};
  profile.syscalls = {{.names = {"getcwd"}, .action = "SCMP_ACT_ERRNO", .errno_ret = 42, .args = {}}};
  auto direct = compile_seccomp(profile);
  ASSERT_TRUE(direct.has_value());
  auto first = compile_seccomp_cached(profile, cache);
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_EQ(first->bpf, direct->bpf);
  auto files = *sys::list_dir(cache);
  ASSERT_EQ(files.size(), 1u);
  std::string stored = *sys::read_file(cache + "/" + files[0]);
  EXPECT_NE(stored.find(seccomp_cache_key(profile)), std::string::npos);

  // A second compilation reads the file: a program planted there (same key) comes back.
  std::string planted = stored;
  planted.back() ^= 1;
  ASSERT_TRUE(sys::write_file_atomic(cache + "/" + files[0], planted, 0600).has_value());
  auto second = compile_seccomp_cached(profile, cache);
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(second->bpf, direct->bpf);
  EXPECT_EQ(second->bpf.size(), direct->bpf.size());

  // Another profile has another key: its own file, compiled afresh.
  profile.syscalls[0].errno_ret = 43;
  auto other = compile_seccomp_cached(profile, cache);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->bpf, compile_seccomp(profile)->bpf);
  EXPECT_EQ(sys::list_dir(cache)->size(), 2u);

  // A corrupt file is recompiled, not trusted; an unusable cache dir is not an error.
  ASSERT_TRUE(sys::write_file_atomic(cache + "/" + files[0], "garbage", 0600).has_value());
  profile.syscalls[0].errno_ret = 42;
  EXPECT_EQ(compile_seccomp_cached(profile, cache)->bpf, direct->bpf);
  EXPECT_EQ(compile_seccomp_cached(profile, "/proc/nonexistent/cache")->bpf, direct->bpf);
}

}  // namespace nook::runtime
