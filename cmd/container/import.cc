// nook import [options] PATH [REFERENCE]: a tarball (plain or compressed; "-" for stdin) as a
// one-layer image (podman-import(1)). URLs are refused: nook does not download here.
#include <fmt/format.h>
#include <unistd.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/progress.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct ImportFlags {
  engine::ImportOptions options;
  bool quiet = false;
  std::string os, arch, variant;
};

}  // namespace

Runner setup_import(CLI::App& app) {
  auto f = std::make_shared<ImportFlags>();
  flag_strings(app, "-c,--change", f->options.changes, "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR");
  flag_string(app, "-m,--message", f->options.message, "Set commit message for imported image");
  flag_bool(app, "-q,--quiet", f->quiet, "Suppress output");
  return [f](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() || args.size() > 2) {
      return fail(ErrorKind::InvalidArgument, fmt::format("accepts between 1 and 2 arg(s), received {}", args.size()));
    }
    if (args[0] == "-" && ::isatty(STDIN_FILENO) != 0) {
      return fail(ErrorKind::InvalidArgument, "cannot read from terminal, use command-line redirection");
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::ImportOptions options = f->options;
    options.stdin_fd = STDIN_FILENO;
    TerminalProgress progress(TerminalProgress::stderr_is_terminal());
    std::string id = NOOK_TRY(engine::import_tarball(*settings, args[0], args.size() > 1 ? args[1] : "", options,
                                                     f->quiet ? nullptr : &progress));
    fmt::print("sha256:{}\n", id);
    return 0;
  };
}

}  // namespace nook::cli
