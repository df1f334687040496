#include "cmd/output.h"

#include <fmt/format.h>

#include "lib/engine/engine.h"

namespace nook::cli {

void print_json(const nlohmann::json& value, int indent) {
  std::string text = indent > 0 ? value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace)
                                : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  fmt::print("{}\n", text);
}

Result<void> print_formatted(std::string_view format, const nlohmann::json& data, int json_indent) {
  if (engine::is_json_format(format)) {
    print_json(data, json_indent);
    return {};
  }
  std::string text = NOOK_TRY(engine::render_template(format, data));
  fmt::print("{}", text);
  return {};
}

}  // namespace nook::cli
