// nook oci create|start|state|kill|delete|run: the OCI runtime command line (runc's and crun's
// verbs and flags) over nook's built-in runtime (lib/runtime), so a bundle can be run by nook
// exactly as by crun. State lives in <run_root>/runtime.
#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"
#include "lib/runtime/runtime.h"

namespace nook::cli {
namespace {

struct OciCreateFlags {
  std::string bundle = ".";
  std::string pid_file;
  int preserve_fds = 0;
};

Result<std::string> state_root(Context& ctx) {
  const engine::Settings* settings = NOOK_TRY(ctx.settings());
  return fmt::format("{}/runtime", settings->config.run_root);
}

Result<std::string> absolute(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    return fail(Error::from_errno("realpath", fmt::format("{:?}", path)).context("resolving the bundle"));
  }
  return std::string(resolved);
}

void add_create_flags(CLI::App& app, OciCreateFlags& flags) {
  flag_string(app, "-b,--bundle", flags.bundle, "Path to the root of the bundle directory")->default_str(".");
  flag_string(app, "--pid-file", flags.pid_file, "File to write the process id to");
  app.add_option("--preserve-fds", flags.preserve_fds, "Pass N additional file descriptors to the container (3 and up)");
}

Result<runtime::CreateOptions> create_options(Context& ctx, const OciCreateFlags& flags, const std::string& id) {
  runtime::CreateOptions options;
  options.id = id;
  options.bundle = NOOK_TRY(absolute(flags.bundle));
  options.state_root = NOOK_TRY(state_root(ctx));
  options.stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
  if (!flags.pid_file.empty()) {
    // Relative to where the user is, not the bundle.
    options.pid_file = flags.pid_file[0] == '/' ? flags.pid_file : fmt::format("{}/{}", NOOK_TRY(absolute(".")), flags.pid_file);
  }
  if (flags.preserve_fds < 0) return fail(ErrorKind::InvalidArgument, "--preserve-fds must not be negative");
  for (int i = 0; i < flags.preserve_fds; ++i) options.preserve_fds.push_back(3 + i);
  return options;
}

// "KILL", "SIGKILL", "kill" or "9".
Result<int> parse_signal(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    int n = std::atoi(text.c_str());
    if (n >= 0 && n < NSIG) return n;  // 0: only check that the process exists
  }
  std::string name;
  for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.starts_with("SIG")) name = name.substr(3);
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) return sig;
  }
  return fail(ErrorKind::InvalidArgument, fmt::format("unknown signal {:?}", text));
}

}  // namespace

Runner setup_oci_create(CLI::App& app) {
  auto flags = std::make_shared<OciCreateFlags>();
  add_create_flags(app, *flags);
  return [flags](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    runtime::CreateOptions options = NOOK_TRY(create_options(ctx, *flags, args.at(0)));
    options.wait_for_start = true;
    sys::ChildProcess child = NOOK_TRY(runtime::create(options));
    // The container outlives this command; start/kill/delete reach it through its state.
    (void)child.release();
    return 0;
  };
}

Runner setup_oci_run(CLI::App& app) {
  auto flags = std::make_shared<OciCreateFlags>();
  add_create_flags(app, *flags);
  return [flags](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    runtime::CreateOptions options = NOOK_TRY(create_options(ctx, *flags, args.at(0)));
    std::fflush(stdout);
    sys::ChildProcess child = NOOK_TRY(runtime::create(options));
    auto status = child.wait();
    auto removed = runtime::remove(options.state_root, options.id, true);
    sys::ExitStatus exit = NOOK_TRY(std::move(status));
    NOOK_TRY_VOID(std::move(removed));
    return exit.shell_code();
  };
}

Runner setup_oci_start(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    NOOK_TRY_VOID(runtime::start(NOOK_TRY(state_root(ctx)), args.at(0)));
    return 0;
  };
}

Runner setup_oci_state(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    nlohmann::json state = NOOK_TRY(runtime::state(NOOK_TRY(state_root(ctx)), args.at(0)));
    fmt::print("{}\n", state.dump(2));
    return 0;
  };
}

Runner setup_oci_kill(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() > 2) return fail(ErrorKind::InvalidArgument, "accepts at most 2 arg(s): ID [SIGNAL]");
    int signal = args.size() == 2 ? NOOK_TRY(parse_signal(args[1])) : SIGTERM;
    NOOK_TRY_VOID(runtime::kill(NOOK_TRY(state_root(ctx)), args.at(0), signal));
    return 0;
  };
}

Runner setup_oci_delete(CLI::App& app) {
  auto force = std::make_shared<bool>(false);
  flag_bool(app, "-f,--force", *force, "Forcibly delete the container if it is still running (uses SIGKILL)");
  return [force](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    NOOK_TRY_VOID(runtime::remove(NOOK_TRY(state_root(ctx)), args.at(0), *force));
    return 0;
  };
}

}  // namespace nook::cli
