// nook system df [options]: disk usage of images, containers and volumes (podman-system-df(1)).
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/output.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_system_df(CLI::App& app) {
  auto verbose = std::make_shared<bool>(false);
  auto format = std::make_shared<std::string>();
  flag_string(app, "--format", *format, "Pretty-print images using a Go template");
  flag_bool(app, "-v,--verbose", *verbose, "Show detailed information on disk usage");
  return [verbose, format](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (!args.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("accepts 0 arg(s), received {}", args.size()));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::DiskUsage usage = NOOK_TRY(engine::disk_usage(*settings));
    if (engine::is_json_format(*format)) {
      print_json(*verbose ? nlohmann::json{{"Images", usage.images}, {"Containers", usage.containers},
                                           {"Volumes", usage.volumes}}
                          : usage.summary,
                 4);
      return 0;
    }
    if (!*verbose) {
      std::string row = format->empty() ? "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}" : *format;
      fmt::print("{}", NOOK_TRY(engine::render_rows(row, usage.summary, false, {})));
      return 0;
    }
    fmt::print("Images space usage:\n\n");
    fmt::print("{}", NOOK_TRY(engine::render_rows(
                         "table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t"
                         "{{.UniqueSize}}\t{{.Containers}}",
                         usage.images, false, {{"ImageID", "IMAGE ID"}, {"SharedSize", "SHARED SIZE"}, {"UniqueSize", "UNIQUE SIZE"}})));
    fmt::print("\nContainers space usage:\n\n");
    fmt::print("{}", NOOK_TRY(engine::render_rows(
                         "table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.Created}}\t"
                         "{{.Status}}\t{{.Names}}",
                         usage.containers, false, {{"ContainerID", "CONTAINER ID"}, {"LocalVolumes", "LOCAL VOLUMES"}})));
    fmt::print("\nLocal Volumes space usage:\n\n");
    fmt::print("{}", NOOK_TRY(engine::render_rows("table {{.VolumeName}}\t{{.Links}}\t{{.Size}}", usage.volumes, false,
                                                  {{"VolumeName", "VOLUME NAME"}})));
    return 0;
  };
}

}  // namespace nook::cli
