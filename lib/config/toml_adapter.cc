// toml++ is built with exceptions here: toml::parse throws toml::parse_error. This is the only
// file of lib/config that catches; nothing escapes it (STYLE.md 3.5).
#include "lib/config/toml_adapter.h"

#include <cctype>

#include <fmt/format.h>

#include "lib/config/file_io.h"

namespace nook::config {

namespace {

std::string position_prefix(std::string_view path, const toml::source_region& source) {
  if (source.begin.line == 0) return fmt::format("parsing \"{}\"", path);
  return fmt::format("parsing \"{}\": line {}, column {}", path, source.begin.line, source.begin.column);
}

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::none: return "nothing";
  }
  return "an unknown value";
}

}  // namespace

std::string blank_comment_lines(std::string_view text) {
  if (text.find("\"\"\"") != std::string_view::npos || text.find("\'\'\'") != std::string_view::npos) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] != '#') out += line;
    if (end == std::string_view::npos) break;
    out += '\n';
    text.remove_prefix(end + 1);
  }
  return out;
}

Result<toml::table> parse_toml(std::string_view text, std::string_view path) {
  std::string stripped = blank_comment_lines(text);
  try {
    return toml::parse(stripped, path);
  } catch (const toml::parse_error& e) {
    std::string description(e.description());
    // toml++ capitalizes ("Error while parsing ..."); nook's messages are lower case.
    if (!description.empty()) description[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(description[0])));
    return fail(ErrorKind::InvalidArgument,
                fmt::format("{}: {}", position_prefix(path, e.source()), description));
  } catch (const std::exception& e) {
    return fail(ErrorKind::InvalidArgument, fmt::format("parsing \"{}\": {}", path, e.what()));
  }
}

Result<toml::table> read_toml_file(const std::string& path) {
  std::string text = NOOK_TRY(read_text_file(path));
  return parse_toml(text, path);
}

TomlSection::TomlSection(const toml::table& table, std::string_view path, std::string prefix)
    : table_(&table), path_(path), prefix_(std::move(prefix)) {}

std::string TomlSection::dotted(std::string_view key) const {
  if (prefix_.empty()) return std::string(key);
  if (key.empty()) return prefix_;
  return fmt::format("{}.{}", prefix_, key);
}

Error TomlSection::error_at(std::string_view key, std::string_view problem) const {
  const toml::node* node = key.empty() ? nullptr : table_->get(key);
  const toml::source_region& source = node != nullptr ? node->source() : table_->source();
  std::string name = dotted(key);
  if (name.empty()) {
    return Error(ErrorKind::InvalidArgument, fmt::format("{}: {}", position_prefix(path_, source), problem));
  }
  return Error(ErrorKind::InvalidArgument,
               fmt::format("{}: {}: {}", position_prefix(path_, source), name, problem));
}

bool TomlSection::contains(std::string_view key) const { return table_->get(key) != nullptr; }

std::vector<std::string> TomlSection::keys() const {
  std::vector<std::string> result;
  for (auto&& [key, value] : *table_) result.emplace_back(key.str());
  return result;
}

Result<std::optional<std::string>> TomlSection::string(std::string_view key) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_string()) return std::optional<std::string>(value->get());
  return fail(error_at(key, fmt::format("expected a string, found {}", type_name(node->type()))));
}

Result<void> read_string(const TomlSection& section, std::string_view key, std::string& out) {
  if (auto value = NOOK_TRY(section.string(key))) out = std::move(*value);
  return {};
}

Result<std::optional<int64_t>> TomlSection::integer(std::string_view key) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_integer()) return std::optional<int64_t>(value->get());
  return fail(error_at(key, fmt::format("expected an integer, found {}", type_name(node->type()))));
}

Result<std::optional<bool>> TomlSection::boolean(std::string_view key) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_boolean()) return std::optional<bool>(value->get());
  return fail(error_at(key, fmt::format("expected a boolean, found {}", type_name(node->type()))));
}

Result<std::optional<TomlStringArray>> TomlSection::string_array(std::string_view key,
                                                                 bool allow_append) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return std::nullopt;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return fail(error_at(key, fmt::format("expected an array of strings, found {}", type_name(node->type()))));
  }
  TomlStringArray result;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (const auto* text = element.as_string()) {
      result.values.push_back(text->get());
      continue;
    }
    const toml::table* attribute = element.as_table();
    if (allow_append && attribute != nullptr && i + 1 == array->size()) {
      const toml::node* append = attribute->get("append");
      if (attribute->size() == 1 && append != nullptr && append->as_boolean() != nullptr) {
        result.append = append->as_boolean()->get();
        continue;
      }
      return fail(error_at(key, "the last element may only be {append=true} or {append=false}"));
    }
    return fail(error_at(key, fmt::format("expected an array of strings, element {} is {}", i + 1,
                                          type_name(element.type()))));
  }
  return result;
}

Result<std::optional<TomlSection>> TomlSection::table(std::string_view key) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return std::nullopt;
  if (const toml::table* sub = node->as_table()) {
    return std::optional<TomlSection>(TomlSection(*sub, path_, dotted(key)));
  }
  return fail(error_at(key, fmt::format("expected a table, found {}", type_name(node->type()))));
}

Result<std::optional<std::vector<TomlSection>>> TomlSection::table_array(std::string_view key) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return std::nullopt;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return fail(error_at(key, fmt::format("expected an array of tables, found {}", type_name(node->type()))));
  }
  std::vector<TomlSection> result;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::table* element = array->get(i)->as_table();
    if (element == nullptr) {
      return fail(error_at(key, fmt::format("expected an array of tables, element {} is {}", i + 1,
                                            type_name(array->get(i)->type()))));
    }
    result.emplace_back(*element, path_, fmt::format("{}[{}]", dotted(key), i + 1));
  }
  return std::optional<std::vector<TomlSection>>(std::move(result));
}

}  // namespace nook::config
