// nook push [options] IMAGE [DESTINATION]: podman-push(1).
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/progress.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct PushFlags {
  engine::PushOptions options;
  bool quiet = false;
  bool tls_verify = true;
  CLI::Option* tls_verify_option = nullptr;
  bool disable_content_trust = false;
  std::string sign_by;
};

}  // namespace

Runner setup_push(CLI::App& app) {
  auto flags = std::make_shared<PushFlags>();
  engine::PushOptions& o = flags->options;
  flag_optional_string(app, "--authfile", o.authfile, "Path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override");
  flag_optional_string(app, "--cert-dir", o.cert_dir, "Path to a directory containing TLS certificates and keys");
  flag_bool(app, "--compress", o.compress, "Compress tarball image layers when pushing to a directory using the 'dir' transport. (default is same compression type as source)");
  flag_string(app, "--compression-format", o.compression_format, "compression format to use")->default_str("gzip");
  flag_optional_string(app, "--creds", o.creds, "`Credentials` (USERNAME:PASSWORD) to use for authenticating to a registry");
  flag_optional_string(app, "--digestfile", o.digestfile, "Write the digest of the pushed image to the specified file");
  flag_bool(app, "--disable-content-trust", flags->disable_content_trust, "This is a Docker specific option and is a NOOP");
  flag_string(app, "-f,--format", o.format, "Manifest type (oci, v2s2, or v2s1) to use in the destination (default is manifest type of source, with fallbacks)");
  flag_bool(app, "-q,--quiet", flags->quiet, "Suppress output information when pushing images");
  flag_bool(app, "--remove-signatures", o.remove_signatures, "Discard any pre-existing signatures in the image");
  flag_string(app, "--sign-by", flags->sign_by, "Add a signature at the destination using the specified key");
  flags->tls_verify_option = flag_bool(app, "--tls-verify", flags->tls_verify,
                                       "Require HTTPS and verify certificates when contacting registries")
                                 ->default_str("true");
  return [flags](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::PushOptions options = flags->options;
    if (flags->tls_verify_option->count() > 0) options.tls_verify = flags->tls_verify;
    if (!flags->sign_by.empty()) return fail(ErrorKind::Unsupported, "signing images (--sign-by) is not supported");
    if (args.size() > 2) return fail(ErrorKind::InvalidArgument, "accepts at most 2 arg(s), received " + std::to_string(args.size()));
    TerminalProgress progress(TerminalProgress::stderr_is_terminal());
    std::string destination = args.size() > 1 ? args[1] : std::string();
    NOOK_TRY(engine::push_image(*settings, args[0], destination, options, flags->quiet ? nullptr : &progress));
    return 0;
  };
}

}  // namespace nook::cli
