// nook diff / container diff [options] {CONTAINER|IMAGE}: "A|C|D PATH" lines, or podman's JSON
// {"changed": [...], "added": [...], "deleted": [...]}.
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/output.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_diff(CLI::App& app) {
  auto format = std::make_shared<std::string>();
  flag_string(app, "--format", *format, "Change the output format (json)");
  return [format](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() != 1) {
      return fail(ErrorKind::InvalidArgument, fmt::format("accepts 1 arg(s), received {}", args.size()));
    }
    if (!format->empty() && *format != "json") {
      return fail(ErrorKind::InvalidArgument, fmt::format("format {:?} is not supported", *format));
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<engine::Change> changes = NOOK_TRY(engine::diff_changes(*settings, args[0]));
    if (*format == "json") {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [kind, key] : {std::pair{'C', "changed"}, std::pair{'A', "added"}, std::pair{'D', "deleted"}}) {
        nlohmann::json list = nlohmann::json::array();
        for (const engine::Change& change : changes) {
          if (change.kind == kind) list.push_back(change.path);
        }
        if (!list.empty()) out[key] = list;
      }
      // podman's key order: changed, added, deleted (nlohmann sorts keys).
      std::string text = "{";
      bool first = true;
      for (const char* key : {"changed", "added", "deleted"}) {
        if (!out.contains(key)) continue;
        std::string list = out[key].dump(5);
        // Indent the array's lines one level (five spaces) under the object.
        std::string indented;
        for (char ch : list) {
          indented += ch;
          if (ch == '\n') indented += "     ";
        }
        text += fmt::format("{}\n     \"{}\": {}", first ? "" : ",", key, indented);
        first = false;
      }
      text += first ? "}" : "\n}";
      fmt::print("{}\n", text);
      return 0;
    }
    for (const engine::Change& change : changes) fmt::print("{} {}\n", change.kind, change.path);
    return 0;
  };
}

}  // namespace nook::cli
