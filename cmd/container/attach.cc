// nook attach [options] CONTAINER: podman-attach(1), through the monitor's attach socket.
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/terminal.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_attach(CLI::App& app) {
  auto o = std::make_shared<engine::AttachClientOptions>();
  flag_optional_string(app, "--detach-keys", o->detach_keys,
                       "Select the key sequence for detaching a container. Format is a single character [a-Z] or a "
                       "comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, `@`, `^`, `[`, "
                       "`\\`, `]`, `^` or `_` (default \"ctrl-p,ctrl-q\")");
  flag_bool(app, "-l,--latest", o->latest, "Act on the latest container nook is aware of");
  flag_bool(app, "--no-stdin", o->no_stdin, "Do not attach STDIN. The default is false");
  app.add_option("--sig-proxy", o->sig_proxy, "Proxy received signals to the process (default true)")
      ->type_name("")->expected(0, 1)->default_str("true");
  return [o](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    engine::AttachClientOptions options = *o;
    if (options.latest && !args.empty()) return fail(ErrorKind::InvalidArgument, "--latest and containers cannot be used together");
    if (!options.latest && args.size() != 1) {
      return fail(ErrorKind::InvalidArgument, "attach requires the name or ID of one running container or the --latest flag");
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    RawTerminal terminal;
    options.on_terminal = [&terminal] { terminal.enable(); };
    return engine::attach_container(*settings, options.latest ? std::string() : args.front(), options);
  };
}

}  // namespace nook::cli
