// nook volume rm and volume prune: podman-volume-rm(1), podman-volume-prune(1).
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_volume_rm(CLI::App& app) {
  auto options = std::make_shared<engine::VolumeRemoveOptions>();
  auto timeout = std::make_shared<int>(-1);
  flag_bool(app, "-a,--all", options->all, "Remove all volumes");
  flag_bool(app, "-f,--force", options->force, "Remove a volume by force, even if it is being used by a container");
  app.add_option("-t,--time", *timeout, "Seconds to wait for running containers to stop before killing the container")
      ->type_name("int")->default_str("10");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !options->all) return fail(ErrorKind::InvalidArgument, "choose either one or more volumes or all");
    if (!args.empty() && options->all) return fail(ErrorKind::InvalidArgument, "choose either one or more volumes or all");
    engine::VolumeRemoveOptions o = *options;
    if (*timeout >= 0) {
      if (!o.force) return fail(ErrorKind::InvalidArgument, "--force option must be specified to use the --time option");
      o.timeout = static_cast<unsigned>(*timeout);
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<engine::VolumeResult> results = NOOK_TRY(engine::remove_volumes(*settings, args, o));
    // podman: every error on stderr; the exit code is the last one's (1 missing, 2 in use).
    std::optional<Error> last;
    for (const engine::VolumeResult& r : results) {
      if (r.error) {
        if (last) fmt::print(stderr, "Error: {}\n", last->message());
        last = r.error;
      } else {
        fmt::print("{}\n", r.name);
      }
    }
    std::fflush(stdout);
    if (!last) return 0;
    if (last->kind() == ErrorKind::NotFound || last->kind() == ErrorKind::InvalidState) {
      fmt::print(stderr, "Error: {}\n", last->message());
      return last->kind() == ErrorKind::NotFound ? 1 : 2;
    }
    return fail(*last);
  };
}

Runner setup_volume_prune(CLI::App& app) {
  auto filters = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  flag_strings(app, "--filter", *filters, "Provide filter values (e.g. 'label=<key>=<value>')");
  flag_bool(app, "-f,--force", *force, "Do not prompt for confirmation");
  return [=](Context& ctx, const std::vector<std::string>&) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    if (!*force) {
      std::vector<std::string> list = *filters;
      list.emplace_back("dangling=true");
      nlohmann::json unused = NOOK_TRY(engine::list_volumes(*settings, list));
      if (unused.empty()) return 0;
      fmt::print("WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n");
      for (const nlohmann::json& v : unused) fmt::print("{}\n", v["Name"].get<std::string>());
      fmt::print("Are you sure you want to continue? [y/N] ");
      std::fflush(stdout);
      std::string answer;
      if (!std::getline(std::cin, answer)) return fail(ErrorKind::InvalidArgument, "EOF");
      if (answer.empty() || (answer[0] != 'y' && answer[0] != 'Y')) return 0;
    }
    for (const std::string& name : NOOK_TRY(engine::prune_volumes(*settings, *filters))) fmt::print("{}\n", name);
    return 0;
  };
}

}  // namespace nook::cli
