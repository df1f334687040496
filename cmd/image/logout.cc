// nook logout [options] [REGISTRY]: podman-logout(1).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_logout(CLI::App& app) {
  auto options = std::make_shared<engine::LogoutOptions>();
  flag_bool(app, "-a,--all", options->all, "Remove the cached credentials for all registries in the auth file");
  flag_string(app, "--authfile", options->authfile,
              "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override");
  flag_string(app, "--compat-auth-file", options->compat_auth_file,
              "path of a Docker-compatible config file to update instead");
  return [options](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() > 1) return fail(ErrorKind::InvalidArgument, "logout accepts only one registry to log out from");
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::LogoutOptions o = *options;
    if (!args.empty()) o.registry = args.front();
    std::string message = NOOK_TRY(engine::logout(*settings, o));
    fmt::print("{}\n", message);
    std::fflush(stdout);
    return 0;
  };
}

}  // namespace nook::cli
