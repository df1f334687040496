#include "lib/runtime/seccomp.h"

#include <fmt/format.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <functional>
#include <optional>
#include <memory>

#include "lib/sys/fd.h"
#include "lib/sys/file.h"
#include "lib/sys/syscall.h"
#include "lib/util/log.h"

namespace nook::runtime {
namespace {

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

Result<uint32_t> action_of(std::string_view name, std::optional<unsigned> errno_ret, std::string_view key) {
  unsigned err = errno_ret.value_or(EPERM);
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(err);
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(err);
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  return fail(ErrorKind::InvalidArgument, fmt::format("{}: unsupported seccomp action {:?}", key, name));
}

Result<scmp_compare> operator_of(std::string_view op) {
  constexpr std::array<std::pair<std::string_view, scmp_compare>, 7> kOps = {{
      {"SCMP_CMP_NE", SCMP_CMP_NE},
      {"SCMP_CMP_LT", SCMP_CMP_LT},
      {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ},
      {"SCMP_CMP_GE", SCMP_CMP_GE},
      {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  }};
  for (const auto& [name, value] : kOps) {
    if (name == op) return value;
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("linux.seccomp: unknown operator {:?}", op));
}

Result<unsigned> flag_of(std::string_view flag) {
  if (flag == "SECCOMP_FILTER_FLAG_TSYNC") return SECCOMP_FILTER_FLAG_TSYNC;
  if (flag == "SECCOMP_FILTER_FLAG_LOG") return SECCOMP_FILTER_FLAG_LOG;
  if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") return SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  return fail(ErrorKind::InvalidArgument, fmt::format("linux.seccomp.flags: unknown flag {:?}", flag));
}

Result<void> add_rule(void* ctx, uint32_t action, int nr, const std::vector<scmp_arg_cmp>& args) {
  int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(args.size()), args.data());
  // podman's default profile names some syscalls in more than one rule (socket: allowed in the
  // big list and again with conditions); libseccomp refuses the repeat with EEXIST and keeps
  // the first, which is what crun and runc end up with too.
  if (rc == -EEXIST) return {};
  if (rc < 0) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    std::string text = name != nullptr ? name : std::to_string(nr);
    std::free(name);
    return fail(Error::from_errno_value(-rc, "seccomp_rule_add", text));
  }
  return {};
}

}  // namespace

Result<SeccompProgram> compile_seccomp(const oci::Seccomp& seccomp) {
  SeccompProgram program;
  uint32_t default_action =
      NOOK_TRY(action_of(seccomp.default_action, seccomp.default_errno_ret, "linux.seccomp.defaultAction"));
  Ctx ctx(seccomp_init(default_action));
  if (!ctx) return fail(ErrorKind::System, "seccomp_init failed");
  // The filter must not stop the process on other syscall ABIs.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  for (const std::string& arch : seccomp.architectures) {
    std::string name = arch.starts_with("SCMP_ARCH_") ? arch.substr(10) : arch;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint32_t token = seccomp_arch_resolve_name(name.c_str());
    if (token == 0) {
      return fail(ErrorKind::InvalidArgument, fmt::format("linux.seccomp.architectures: unknown architecture {:?}", arch));
    }
    int rc = seccomp_arch_add(ctx.get(), token);
    if (rc < 0 && rc != -EEXIST) return fail(Error::from_errno_value(-rc, "seccomp_arch_add", arch));
  }
  for (const std::string& flag : seccomp.flags) program.flags |= NOOK_TRY(flag_of(flag));

  for (size_t i = 0; i < seccomp.syscalls.size(); ++i) {
    const oci::SeccompSyscall& rule = seccomp.syscalls[i];
    std::string key = fmt::format("linux.seccomp.syscalls[{}]", i);
    uint32_t action = NOOK_TRY(action_of(rule.action, rule.errno_ret, key));
    if (action == default_action) continue;  // libseccomp refuses a rule equal to the default
    std::vector<scmp_arg_cmp> args;
    bool repeated_index = false;
    for (const oci::SeccompArg& a : rule.args) {
      for (const scmp_arg_cmp& seen : args) repeated_index = repeated_index || seen.arg == a.index;
      args.push_back({a.index, NOOK_TRY(operator_of(a.op)), a.value, a.value_two});
    }
    for (const std::string& name : rule.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr < 0) {  // unknown to this libseccomp
        NOOK_DEBUG(Seccomp, "skipping unknown syscall {:?}", name);
        continue;
      }
      if (repeated_index) {
        // libseccomp takes one comparison per argument in a rule: one rule per comparison.
        for (const scmp_arg_cmp& arg : args) NOOK_TRY_VOID(add_rule(ctx.get(), action, nr, {arg}));
      } else {
        NOOK_TRY_VOID(add_rule(ctx.get(), action, nr, args));
      }
    }
  }

  int memfd = ::memfd_create("nook-seccomp", MFD_CLOEXEC);
  if (memfd < 0) return fail(Error::from_errno("memfd_create", "nook-seccomp"));
  sys::UniqueFd fd(memfd);
  int rc = seccomp_export_bpf(ctx.get(), fd.get());
  if (rc < 0) return fail(Error::from_errno_value(-rc, "seccomp_export_bpf"));
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) return fail(Error::from_errno("lseek", "nook-seccomp"));
  program.bpf = NOOK_TRY(sys::read_all(fd.get()));
  NOOK_DEBUG(Seccomp, "compiled {} rules into {} BPF instructions", seccomp.syscalls.size(),
             program.bpf.size() / sizeof(sock_filter));
  return program;
}

std::string seccomp_cache_key(const oci::Seccomp& seccomp) {
  const scmp_version* version = seccomp_version();
  std::string key = fmt::format("libseccomp {}.{}.{}\ndefault {} {}\narch", version->major, version->minor,
                                version->micro, seccomp.default_action, seccomp.default_errno_ret.value_or(~0u));
  for (const std::string& arch : seccomp.architectures) key += " " + arch;
  key += "\nflags";
  for (const std::string& flag : seccomp.flags) key += " " + flag;
  for (const oci::SeccompSyscall& rule : seccomp.syscalls) {
    key += fmt::format("\n{} {}", rule.action, rule.errno_ret.value_or(~0u));
    for (const std::string& name : rule.names) key += " " + name;
    for (const oci::SeccompArg& a : rule.args) key += fmt::format(" [{} {} {} {}]", a.index, a.op, a.value, a.value_two);
  }
  return key;
}

namespace {

// A cache file: "<key size> <flags>\n", the key, then the BPF program.
std::string encode_cached(const std::string& key, const SeccompProgram& program) {
  return fmt::format("{} {}\n", key.size(), program.flags) + key + program.bpf;
}

std::optional<SeccompProgram> decode_cached(std::string_view data, std::string_view key) {
  size_t newline = data.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  size_t key_size = 0;
  unsigned flags = 0;
  std::string_view header = data.substr(0, newline);
  size_t space = header.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto [p1, e1] = std::from_chars(header.data(), header.data() + space, key_size);
  auto [p2, e2] = std::from_chars(header.data() + space + 1, header.data() + header.size(), flags);
  if (e1 != std::errc() || e2 != std::errc()) return std::nullopt;
  data.remove_prefix(newline + 1);
  if (key_size != key.size() || data.size() < key_size || data.substr(0, key_size) != key) return std::nullopt;
  data.remove_prefix(key_size);
  if (data.empty() || data.size() % sizeof(sock_filter) != 0) return std::nullopt;
  return SeccompProgram{std::string(data), flags};
}

}  // namespace

Result<SeccompProgram> compile_seccomp_cached(const oci::Seccomp& seccomp, const std::string& cache_dir) {
  if (cache_dir.empty()) return compile_seccomp(seccomp);
  std::string key = seccomp_cache_key(seccomp);
  std::string path = fmt::format("{}/{:016x}.bpf", cache_dir, std::hash<std::string>{}(key));
  if (auto cached = sys::read_file(path)) {
    if (auto program = decode_cached(*cached, key)) return *program;
  }
  SeccompProgram program = NOOK_TRY(compile_seccomp(seccomp));
  auto stored = sys::make_dirs(cache_dir, 0700);
  if (stored) stored = sys::write_file_atomic(path, encode_cached(key, program), 0600, sys::Durability::AtomicOnly);
  if (!stored) NOOK_DEBUG(Seccomp, "not caching the compiled filter: {}", stored.error().message());
  return program;
}

bool load_seccomp(const SeccompProgram& program, SyncRecord& error) noexcept {
  if (program.empty()) return true;
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.bpf.size() / sizeof(sock_filter));
  prog.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(program.bpf.data()));
  int rc = 0;
  if (program.flags != 0) {
    rc = sys::raw::seccomp_set_mode_filter(program.flags, &prog);
  } else if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
    rc = -errno;
  }
  if (rc < 0) {
    set_error(error, ErrorKind::System, -rc, "loading the seccomp filter");
    return false;
  }
  return true;
}

}  // namespace nook::runtime
