// --format helpers re-exported for cmd/ (which includes only engine.h).
#include "lib/engine/engine.h"
#include "lib/format/template.h"
#include "lib/format/yaml.h"

namespace nook::engine {

bool is_json_format(std::string_view format) { return format::is_json_format(format); }

Result<std::string> render_template(std::string_view format, const nlohmann::json& data) {
  return format::render_one(format, data);
}

Result<std::string> render_table_text(std::string_view format, const nlohmann::json& data) {
  return format::render_builtin(format, data);
}

std::string render_yaml(const nlohmann::json& data) { return format::to_yaml(data); }

}  // namespace nook::engine
