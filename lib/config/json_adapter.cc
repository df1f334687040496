// nlohmann::json throws on syntax errors and on dumping invalid UTF-8; both are caught here and
// nowhere else in lib/config (STYLE.md 3.5). Accessors elsewhere check types before reading.
#include "lib/config/json_adapter.h"

#include <set>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "lib/util/json_error.h"

namespace nook::config {

namespace {

// Thrown from the parser callback, caught below.
struct DuplicateKey {
  std::string key;
};

struct Position {
  size_t line = 1;
  size_t column = 1;
};

// Line and column (1-based) of the byte at 1-based offset `byte`, as nlohmann counts it.
Position position_of(std::string_view text, size_t byte) {
  Position pos;
  size_t end = std::min(byte == 0 ? 0 : byte - 1, text.size());
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text, std::string_view path, JsonParseOptions options) {
  std::vector<std::set<std::string>> seen;
  nlohmann::json::parser_callback_t callback = nullptr;
  if (options.reject_duplicate_keys) {
    callback = [&seen](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
      switch (event) {
        case nlohmann::json::parse_event_t::object_start: seen.emplace_back(); break;
        case nlohmann::json::parse_event_t::object_end:
          if (!seen.empty()) seen.pop_back();
          break;
        case nlohmann::json::parse_event_t::key:
          if (!seen.empty() && parsed.is_string()) {
            const std::string& key = parsed.get_ref<const std::string&>();
            if (!seen.back().insert(key).second) throw DuplicateKey{key};
          }
          break;
        default: break;
      }
      return true;
    };
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const nlohmann::json::parse_error& e) {
    Position pos = position_of(text, e.byte);
    return fail(ErrorKind::InvalidArgument, fmt::format("parsing \"{}\": line {}, column {}: {}", path,
                                                        pos.line, pos.column, json_error_problem(e.what())));
  } catch (const DuplicateKey& e) {
    return fail(ErrorKind::InvalidArgument, fmt::format("parsing \"{}\": duplicate key \"{}\"", path, e.key));
  } catch (const std::exception& e) {
    return fail(ErrorKind::InvalidArgument, fmt::format("parsing \"{}\": {}", path, json_error_problem(e.what())));
  }
}

std::string dump_json(const nlohmann::json& value, int indent, char indent_char) {
  try {
    return value.dump(indent, indent_char, false, nlohmann::json::error_handler_t::replace);
  } catch (const std::exception&) {
    // error_handler_t::replace leaves nothing to throw for; keep the no-throw promise regardless.
    return "null";
  }
}

}  // namespace nook::config
