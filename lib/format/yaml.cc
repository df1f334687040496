#include "lib/format/yaml.h"

#include "lib/format/text.h"


#include <cctype>
#include <cstdlib>
#include <string_view>

namespace nook::format {

namespace {

bool looks_special(std::string_view s) {
  static constexpr std::string_view kWords[] = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n",
                                                "True", "False", "Yes", "No", "On", "Off", "Null", "NULL",
                                                "TRUE", "FALSE", "YES", "NO", "ON", "OFF", "Y", "N"};
  for (std::string_view word : kWords) {
    if (s == word) return true;
  }
  // Anything a YAML 1.1 reader would resolve to a number ("12", "1.10", "1e3", ".5"); "1.2.0" and
  // "6.1.0-13-amd64" stay plain strings.
  std::string copy(s);
  char* end = nullptr;
  std::strtod(copy.c_str(), &end);
  return end != nullptr && *end == '\0' && std::isdigit(static_cast<unsigned char>(copy.back()));
}

bool needs_quotes(std::string_view s) {
  if (s.empty() || looks_special(s)) return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  static constexpr std::string_view kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(s.front()) != std::string_view::npos) {
    // "-x" and ":x" are plain only when followed by a non-space; keep it simple and quote.
    return true;
  }
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) return true;
  if (s.back() == ':') return true;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

bool is_empty_container(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && v.empty();
}

void emit(const nlohmann::json& value, int indent, std::string& out);

void emit_map(const nlohmann::json& object, int indent, std::string& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    out.append(static_cast<size_t>(indent), ' ');
    out += needs_quotes(it.key()) ? text::quote(it.key()) : it.key();
    out += ':';
    const nlohmann::json& child = it.value();
    if (child.is_object() && !child.empty()) {
      out += '\n';
      emit_map(child, indent + 2, out);
    } else if (child.is_array() && !child.empty()) {
      out += '\n';
      emit(child, indent, out);  // go-yaml v2 keeps sequences at the key's indentation
    } else {
      out += ' ';
      out += yaml_scalar(child);
      out += '\n';
    }
  }
}

void emit(const nlohmann::json& value, int indent, std::string& out) {
  if (value.is_object() && !value.empty()) {
    emit_map(value, indent, out);
    return;
  }
  if (value.is_array() && !value.empty()) {
    for (const nlohmann::json& item : value) {
      out.append(static_cast<size_t>(indent), ' ');
      out += "- ";
      if (item.is_object() && !item.empty()) {
        // The first key shares the dash's line; the rest align under it.
        std::string nested;
        emit_map(item, indent + 2, nested);
        out += nested.substr(static_cast<size_t>(indent) + 2);
      } else if (item.is_array() && !item.empty()) {
        std::string nested;
        emit(item, indent + 2, nested);
        out += nested.substr(static_cast<size_t>(indent) + 2);
      } else {
        out += yaml_scalar(item);
        out += '\n';
      }
    }
    return;
  }
  out.append(static_cast<size_t>(indent), ' ');
  out += yaml_scalar(value);
  out += '\n';
}

}  // namespace

std::string yaml_scalar(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer() || value.is_number_unsigned()) return value.dump();
  if (value.is_number_float()) return value.dump();
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    return needs_quotes(s) ? text::quote(s) : s;  // Go's escapes are valid YAML ones
  }
  if (is_empty_container(value)) return value.is_object() ? "{}" : "[]";
  return value.dump();
}

std::string to_yaml(const nlohmann::json& value) {
  std::string out;
  emit(value, 0, out);
  return out;
}

}  // namespace nook::format
