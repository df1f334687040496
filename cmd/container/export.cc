// nook export [options] CONTAINER: the container's root file system as a tar (podman-export(1)).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_export(CLI::App& app) {
  auto output = std::make_shared<std::string>();
  flag_string(app, "-o,--output", *output, "Write to a specified file (default: stdout, which must be redirected)");
  return [output](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() != 1) {
      return fail(ErrorKind::InvalidArgument, fmt::format("accepts 1 arg(s), received {}", args.size()));
    }
    if (output->empty() && ::isatty(STDOUT_FILENO) != 0) {
      return fail(ErrorKind::InvalidArgument, "refusing to export to terminal. Use -o flag or redirect");
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    if (output->empty()) {
      NOOK_TRY_VOID(engine::export_container(*settings, args[0], STDOUT_FILENO));
      return 0;
    }
    // Written beside the target and renamed, so a failed export leaves no half file.
    std::string tmp = *output + ".nook-tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail(Error::from_errno("open", *output));
    auto done = engine::export_container(*settings, args[0], fd);
    if (done && ::fsync(fd) != 0) done = fail(Error::from_errno("fsync", *output));
    ::close(fd);
    if (done && ::rename(tmp.c_str(), output->c_str()) != 0) done = fail(Error::from_errno("rename", *output));
    if (!done) {
      ::unlink(tmp.c_str());
      return fail(done.error());
    }
    return 0;
  };
}

}  // namespace nook::cli
