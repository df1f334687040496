// nook info / nook system info [--format json|TEMPLATE]
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/output.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_info(CLI::App& app) {
  auto format = std::make_shared<std::optional<std::string>>();
  flag_optional_string(app, "-f,--format", *format, "Change the output format to JSON or a Go template");
  auto debug = std::make_shared<bool>(false);
  // A no-op since podman 2.0, kept hidden so old scripts still parse.
  flag_bool(app, "-D,--debug", *debug, "Display additional debug information")->group("");
  return [format](Context& ctx, const std::vector<std::string>&) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    nlohmann::json info = NOOK_TRY(engine::system_info(*settings));
    if (!format->has_value()) {
      // podman prints sigs.k8s.io/yaml output with fmt.Println: one blank line at the end.
      fmt::print("{}\n", engine::render_yaml(info));
      return 0;
    }
    NOOK_TRY_VOID(print_formatted(**format, info, 2));
    return 0;
  };
}

}  // namespace nook::cli
