// nook cp [options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH: files between a container and the
// host, "-" for a tar stream on stdin or stdout (podman-cp(1)).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_cp(CLI::App& app) {
  auto options = std::make_shared<engine::CopyOptions>();
  app.add_option("-a,--archive", options->archive,
                 "Chown copied files to the primary uid/gid of the destination container.")
      ->type_name("")->expected(0, 1)->default_str("true");
  flag_bool(app, "--overwrite", options->overwrite,
            "Allow to overwrite directories with non-directories and vice versa");
  return [options](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() != 2) {
      return fail(ErrorKind::InvalidArgument, fmt::format("accepts 2 arg(s), received {}", args.size()));
    }
    if (args[1] == "-" && ::isatty(STDOUT_FILENO) != 0) {
      return fail(ErrorKind::InvalidArgument, "refusing to write a tar archive to a terminal: redirect the output");
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::CopyOptions copy = *options;
    copy.stdin_fd = STDIN_FILENO;
    copy.stdout_fd = STDOUT_FILENO;
    copy.on_warning = [](const std::string& warning) {
      fmt::print(stderr, "nook: warning: {}\n", warning);
      std::fflush(stderr);
    };
    NOOK_TRY_VOID(engine::copy_files(*settings, args[0], args[1], copy));
    return 0;
  };
}

}  // namespace nook::cli
