// nook system prune [options]: stopped containers, dangling (or with -a unused) images and, with
// --volumes, unused volumes (podman-system-prune(1)).
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct PruneFlags {
  engine::SystemPruneOptions options;
  bool force = false;
  bool external = false;
};

std::string human(int64_t bytes) {
  // go-units HumanSize (4 significant digits), as podman prints the total.
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  double size = static_cast<double>(bytes);
  size_t unit = 0;
  while (size >= 1000.0 && unit + 1 < std::size(kUnits)) {
    size /= 1000.0;
    ++unit;
  }
  return fmt::format("{:.4g}{}", size, kUnits[unit]);
}

}  // namespace

Runner setup_system_prune(CLI::App& app) {
  auto f = std::make_shared<PruneFlags>();
  flag_bool(app, "-a,--all", f->options.all, "Remove all unused data");
  flag_bool(app, "--external", f->external, "Remove container data in storage not controlled by nook");
  flag_strings(app, "--filter", f->options.filters, "Provide filter values (e.g. 'label=<key>=<value>')");
  flag_bool(app, "-f,--force", f->force, "Do not prompt for confirmation.  The default is false");
  flag_bool(app, "--volumes", f->options.volumes, "Prune volumes");
  return [f](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (!args.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("accepts 0 arg(s), received {}", args.size()));
    if (f->external) return fail(ErrorKind::Unsupported, "--external is not supported: nook has no external containers");
    if (!f->force) {
      fmt::print("WARNING! This command removes:\n\t- all stopped containers\n");
      if (f->options.volumes) fmt::print("\t- all volumes not used by at least one container\n");
      fmt::print("\t- all {} images\n", f->options.all ? "unused" : "dangling");
      fmt::print("\nAre you sure you want to continue? [y/N] ");
      std::fflush(stdout);
      std::string answer;
      if (!std::getline(std::cin, answer)) return fail(ErrorKind::InvalidArgument, "EOF");
      if (answer != "y" && answer != "Y" && answer != "yes") return 0;
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::SystemPruneReport report = NOOK_TRY(engine::system_prune(*settings, f->options));
    if (!report.containers.empty()) {
      fmt::print("Deleted Containers\n");
      for (const std::string& id : report.containers) fmt::print("{}\n", id);
    }
    if (!report.volumes.empty()) {
      fmt::print("Deleted Volumes\n");
      for (const std::string& name : report.volumes) fmt::print("{}\n", name);
    }
    if (!report.images.empty()) {
      fmt::print("Deleted Images\n");
      for (const std::string& id : report.images) fmt::print("{}\n", id);
    }
    fmt::print("Total reclaimed space: {}\n", human(report.reclaimed));
    return 0;
  };
}

}  // namespace nook::cli
