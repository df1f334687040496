// nook pull [options] IMAGE [IMAGE...]: podman-pull(1).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/progress.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct PullFlags {
  engine::PullOptions options;
  bool quiet = false;
  bool tls_verify = true;
  CLI::Option* tls_verify_option = nullptr;
  bool disable_content_trust = false;
};

}  // namespace

Runner setup_pull(CLI::App& app) {
  auto flags = std::make_shared<PullFlags>();
  engine::PullOptions& o = flags->options;
  flag_bool(app, "-a,--all-tags", o.all_tags, "All tagged images in the repository will be pulled");
  flag_optional_string(app, "--arch", o.arch, "Use ARCH instead of the architecture of the machine for choosing images");
  flag_optional_string(app, "--authfile", o.authfile, "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override");
  flag_optional_string(app, "--cert-dir", o.cert_dir, "Pathname of a directory containing TLS certificates and keys");
  flag_optional_string(app, "--creds", o.creds, "Credentials (USERNAME:PASSWORD) to use for authenticating to a registry");
  flag_bool(app, "--disable-content-trust", flags->disable_content_trust, "This is a Docker specific option and is a NOOP");
  flag_optional_string(app, "--os", o.os, "Use OS instead of the running OS for choosing images");
  flag_optional_string(app, "--platform", o.platform, "Specify the platform for selecting the image.  (Conflicts with arch and os)");
  flag_bool(app, "-q,--quiet", flags->quiet, "Suppress output information when pulling images");
  flags->tls_verify_option = flag_bool(app, "--tls-verify", flags->tls_verify,
                                       "Require HTTPS and verify certificates when contacting registries")
                                 ->default_str("true");
  flag_optional_string(app, "--variant", o.variant, "Use VARIANT instead of the running architecture variant for choosing images");
  return [flags](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::PullOptions options = flags->options;
    if (flags->tls_verify_option->count() > 0) options.tls_verify = flags->tls_verify;
    TerminalProgress progress(TerminalProgress::stderr_is_terminal());
    for (const std::string& reference : args) {
      std::vector<engine::PulledImage> pulled =
          NOOK_TRY(engine::pull_image(*settings, reference, options, flags->quiet ? nullptr : &progress));
      for (const engine::PulledImage& image : pulled) fmt::print("{}\n", image.id);
      std::fflush(stdout);
    }
    return 0;
  };
}

}  // namespace nook::cli
