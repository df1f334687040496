// nook volume export and volume import: podman-volume-export(1), podman-volume-import(1).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

// A Go-style "open PATH: no such file or directory".
Error open_error(const std::string& path, int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return Error(ErrorKind::InvalidArgument, fmt::format("open {}: {}", path, text));
}

}  // namespace

Runner setup_volume_export(CLI::App& app) {
  auto output = std::make_shared<std::string>();
  flag_string(app, "-o,--output", *output, "Write to a specified file (default: stdout, which must be redirected)");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (output->empty() && ::isatty(STDOUT_FILENO) == 1) {
      return fail(ErrorKind::InvalidArgument, "expected --output flag or redirection of stdout");
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    int fd = STDOUT_FILENO;
    if (!output->empty()) {
      fd = ::open(output->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) return fail(open_error(*output, errno));
    }
    auto done = engine::export_volume(*settings, args.at(0), fd);
    if (fd != STDOUT_FILENO) ::close(fd);
    if (!done) return fail(done.error());
    return 0;
  };
}

Runner setup_volume_import(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() != 2) return fail(ErrorKind::InvalidArgument, fmt::format("accepts 2 arg(s), received {}", args.size()));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    int fd = STDIN_FILENO;
    if (args[1] != "-") {
      fd = ::open(args[1].c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return fail(open_error(args[1], errno));
    }
    auto done = engine::import_volume(*settings, args[0], fd);
    if (fd != STDIN_FILENO) ::close(fd);
    if (!done) return fail(done.error());
    return 0;
  };
}

}  // namespace nook::cli
