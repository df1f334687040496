// nook mount [options] [CONTAINER...] and nook unmount|umount [options] CONTAINER...: a container's
// root file system mounted in this mount namespace. Rootless, only inside `nook unshare` (as
// podman): a mount made anywhere else would vanish with the command's own namespace.
#include <fmt/format.h>
#include <unistd.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

Result<void> require_unshare(const engine::Settings& settings, std::string_view verb) {
  if (settings.env.rootless() && ::geteuid() != 0) {
    return fail(ErrorKind::InvalidState,
                fmt::format("cannot run command \"nook {}\" in rootless mode, must execute `nook unshare` first", verb));
  }
  return {};
}

struct MountFlags {
  bool all = false;
  bool no_trunc = false;
  std::string format;
};

}  // namespace

Runner setup_mount(CLI::App& app) {
  auto f = std::make_shared<MountFlags>();
  flag_bool(app, "-a,--all", f->all, "Mount all containers");
  flag_string(app, "--format", f->format, "Print the mounted containers in specified format (json)");
  flag_bool(app, "--no-trunc,--notruncate", f->no_trunc, "Do not truncate output");
  return [f](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    NOOK_TRY_VOID(require_unshare(*settings, "mount"));
    std::vector<std::string> keys = args;
    if (f->all) {
      if (!keys.empty()) return fail(ErrorKind::InvalidArgument, "when using the --all switch, you may not pass any containers names or IDs");
      engine::PsOptions ps;
      ps.all = true;
      ps.no_trunc = true;
      engine::PsReport report = NOOK_TRY(engine::list_containers(*settings, ps));
      keys = report.ids;
    }
    if (keys.empty()) {
      std::vector<engine::MountedContainer> mounted = NOOK_TRY(engine::mounted_containers(*settings));
      if (f->format == "json") {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& m : mounted) out.push_back({{"id", m.id}, {"mountpoint", m.path}});
        fmt::print("{}\n", out.dump(4));
        return 0;
      }
      for (const auto& m : mounted) fmt::print("{}  {}\n", f->no_trunc ? m.id : m.id.substr(0, 12), m.path);
      return 0;
    }
    std::optional<Error> last;
    for (const std::string& key : keys) {
      auto path = engine::mount_container(*settings, key);
      if (!path) {
        if (last) fmt::print(stderr, "Error: {}\n", last->message());
        last = path.error();
        continue;
      }
      if (f->all) {
        fmt::print("{} {}\n", f->no_trunc ? key : key.substr(0, 12), *path);
      } else {
        fmt::print("{}\n", *path);
      }
    }
    if (last) return fail(*last);
    return 0;
  };
}

Runner setup_unmount(CLI::App& app) {
  auto all = std::make_shared<bool>(false);
  auto force = std::make_shared<bool>(false);
  flag_bool(app, "-a,--all", *all, "Unmount all of the currently mounted containers");
  flag_bool(app, "-f,--force", *force, "Force the complete unmount of the specified mounted containers");
  return [all, force](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<std::string> keys = args;
    if (*all) {
      if (!keys.empty()) return fail(ErrorKind::InvalidArgument, "when using the --all switch, you may not pass any containers names or IDs");
      for (const auto& m : NOOK_TRY(engine::mounted_containers(*settings))) keys.push_back(m.id);
    } else if (keys.empty()) {
      return fail(ErrorKind::InvalidArgument, "container name or ID must be specified");
    }
    std::optional<Error> last;
    for (const std::string& key : keys) {
      auto done = engine::unmount_container(*settings, key, *force || *all);
      if (!done) {
        if (last) fmt::print(stderr, "Error: {}\n", last->message());
        last = done.error();
        continue;
      }
      fmt::print("{}\n", key);
    }
    if (last) return fail(*last);
    return 0;
  };
}

}  // namespace nook::cli
