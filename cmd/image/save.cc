// nook save [options] IMAGE [IMAGE...]: podman-save(1).
#include <unistd.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct SaveFlags {
  engine::SaveOptions options;
  bool quiet = false;
  bool uncompressed = false;
};

}  // namespace

Runner setup_save(CLI::App& app) {
  auto flags = std::make_shared<SaveFlags>();
  engine::SaveOptions& o = flags->options;
  flag_bool(app, "--compress", o.compress, "Compress tarball image layers when saving to a directory using the 'dir' transport. (default is same compression type as source)");
  flag_string(app, "--format", o.format, "Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, docker-dir (directory with v2s2 manifest type)")
      ->default_str("docker-archive");
  flag_bool(app, "-m,--multi-image-archive", o.multi_image, "Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)");
  flag_string(app, "-o,--output", o.output, "Write to a specified file (default: stdout, which must be redirected)");
  flag_bool(app, "-q,--quiet", flags->quiet, "Suppress the output");
  flag_bool(app, "--uncompressed", flags->uncompressed, "Accept uncompressed layers when copying OCI images");
  return [flags](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::SaveOptions options = flags->options;
    if (options.output.empty()) {
      if (::isatty(STDOUT_FILENO) != 0) {
        return fail(ErrorKind::InvalidArgument, "refusing to save to terminal. Use -o flag or redirect");
      }
      options.output_fd = STDOUT_FILENO;
    }
    NOOK_TRY_VOID(engine::save_images(*settings, args, options));
    return 0;
  };
}

}  // namespace nook::cli
