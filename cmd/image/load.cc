// nook load [options]: podman-load(1).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/progress.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct LoadFlags {
  engine::LoadOptions options;
  bool quiet = false;
};

}  // namespace

Runner setup_load(CLI::App& app) {
  auto flags = std::make_shared<LoadFlags>();
  flag_string(app, "-i,--input", flags->options.input, "Read from specified archive file (default: stdin)");
  flag_bool(app, "-q,--quiet", flags->quiet, "Suppress the output");
  return [flags](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::LoadOptions options = flags->options;
    if (options.input.empty()) {
      if (::isatty(STDIN_FILENO) != 0) {
        return fail(ErrorKind::InvalidArgument, "cannot read from terminal, use command-line redirection or the --input flag");
      }
      options.input_fd = STDIN_FILENO;
    }
    TerminalProgress progress(TerminalProgress::stderr_is_terminal());
    std::vector<std::string> names =
        NOOK_TRY(engine::load_images(*settings, options, flags->quiet ? nullptr : &progress));
    for (const std::string& name : names) fmt::print("Loaded image: {}\n", name);
    std::fflush(stdout);
    return 0;
  };
}

}  // namespace nook::cli
