// nook exec [options] CONTAINER COMMAND [ARG...]: podman-exec(1). Runs from the host side (no
// user namespace of its own: needs_userns = false), so that it can join the container's.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/terminal.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_exec(CLI::App& app) {
  auto o = std::make_shared<engine::ExecOptions>();
  auto preserve_fds = std::make_shared<unsigned>(0);
  app.prefix_command();  // everything after CONTAINER COMMAND belongs to the command
  flag_bool(app, "-d,--detach", o->detach, "Run the exec session in detached mode (backgrounded)");
  flag_optional_string(app, "--detach-keys", o->detach_keys,
                       "Select the key sequence for detaching a container. Format is a single character [a-Z] or "
                       "ctrl-<value> where <value> is one of: a-z, @, ^, [, , or _ (default \"ctrl-p,ctrl-q\")");
  flag_strings(app, "-e,--env", o->env, "Set environment variables");
  flag_strings(app, "--env-file", o->env_files, "Read in a file of environment variables");
  flag_bool(app, "-i,--interactive", o->interactive, "Keep STDIN open even if not attached");
  flag_bool(app, "-l,--latest", o->latest, "Act on the latest container nook is aware of");
  flag_bool(app, "--privileged", o->privileged,
            "Give the process extended Linux capabilities inside the container.  The default is false");
  flag_bool(app, "-t,--tty", o->tty, "Allocate a pseudo-TTY. The default is false");
  flag_string(app, "-u,--user", o->user,
              "Sets the username or UID used and optionally the groupname or GID for the specified command");
  flag_string(app, "-w,--workdir", o->workdir, "Working directory inside the container");
  return [o](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    engine::ExecOptions options = *o;
    std::string key;
    std::vector<std::string> command = args;
    if (!options.latest) {
      if (command.empty()) return fail(ErrorKind::InvalidArgument, "exec requires the name or ID of a container or the --latest flag");
      key = command.front();
      command.erase(command.begin());
    }
    options.command = std::move(command);
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    RawTerminal terminal;
    options.on_terminal = [&terminal] { terminal.enable(); };
    engine::ExecResult result = NOOK_TRY(engine::exec_container(*settings, key, options));
    terminal.restore();
    if (result.session_error) {
      ErrorKind kind = result.session_error->kind();
      if (kind == ErrorKind::CommandNotFound || kind == ErrorKind::NotExecutable) return fail(*result.session_error);
      fmt::print(stderr, "Error: {}\n", result.session_error->message());
      return 255;
    }
    if (options.detach) {
      fmt::print("{}\n", result.session_id);
      std::fflush(stdout);
    }
    return result.exit_code;
  };
}

}  // namespace nook::cli
