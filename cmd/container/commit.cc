// nook commit [options] CONTAINER [IMAGE]: the container's changes as a new image (podman-commit(1)).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/progress.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct CommitFlags {
  engine::CommitOptions options;
  bool quiet = false;
  std::string iidfile;
  bool squash = false;
};

}  // namespace

Runner setup_commit(CLI::App& app) {
  auto f = std::make_shared<CommitFlags>();
  flag_string(app, "-a,--author", f->options.author, "Set the author for the image committed");
  flag_strings(app, "-c,--change", f->options.changes,
               "Apply the following possible instructions to the created image (default []): "
               "CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR");
  flag_string(app, "-f,--format", f->options.format, "`format` of the image manifest and metadata")
      ->default_str("oci");
  flag_string(app, "--iidfile", f->iidfile, "`file` to write the image ID to");
  flag_bool(app, "--include-volumes", f->options.include_volumes, "Include container volumes as image volumes");
  flag_string(app, "-m,--message", f->options.message, "Set commit message for imported image");
  flag_bool(app, "-p,--pause", f->options.pause, "Pause container during commit");
  flag_bool(app, "-q,--quiet", f->quiet, "Suppress output");
  flag_bool(app, "--squash", f->squash, "squash newly built layers into a single new layer");
  return [f](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() || args.size() > 2) {
      return fail(ErrorKind::InvalidArgument, fmt::format("accepts between 1 and 2 arg(s), received {}", args.size()));
    }
    if (f->squash) return fail(ErrorKind::Unsupported, "--squash is not supported yet");
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    TerminalProgress progress(TerminalProgress::stderr_is_terminal());
    std::string id = NOOK_TRY(engine::commit_container(*settings, args[0], args.size() > 1 ? args[1] : "", f->options,
                                                       f->quiet ? nullptr : &progress));
    if (!f->iidfile.empty()) {
      std::FILE* file = std::fopen(f->iidfile.c_str(), "w");
      if (file == nullptr) return fail(Error::from_errno("open", f->iidfile));
      fmt::print(file, "sha256:{}", id);
      std::fclose(file);
    }
    fmt::print("{}\n", id);
    return 0;
  };
}

}  // namespace nook::cli
