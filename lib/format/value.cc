#include "lib/format/value.h"

#include <limits>

namespace nook::format {

namespace {

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// Equal ignoring ASCII case and underscores: Go field names (HostID, ContainerPort) against the
// snake_case JSON tags podman uses for some structs (host_id, container_port).
bool ascii_iequals_ignoring_underscores(std::string_view key, std::string_view name) {
  size_t i = 0, j = 0;
  for (;;) {
    while (i < key.size() && key[i] == '_') ++i;
    while (j < name.size() && name[j] == '_') ++j;
    if (i == key.size() || j == name.size()) return i == key.size() && j == name.size();
    if (!ascii_iequals(key.substr(i, 1), name.substr(j, 1))) return false;
    ++i;
    ++j;
  }
}

const nlohmann::json& null_json() {
  static const nlohmann::json kNull;
  return kNull;
}

}  // namespace

Value::Value() : ptr_(&null_json()) {}

Value Value::own(nlohmann::json data) {
  auto owner = std::make_shared<const nlohmann::json>(std::move(data));
  const nlohmann::json* ptr = owner.get();
  return Value(ptr, std::move(owner));
}

bool is_true(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null: return false;
    case nlohmann::json::value_t::boolean: return value.get_ref<const bool&>();
    case nlohmann::json::value_t::number_integer: return value.get_ref<const int64_t&>() != 0;
    case nlohmann::json::value_t::number_unsigned: return value.get_ref<const uint64_t&>() != 0;
    case nlohmann::json::value_t::number_float: return value.get_ref<const double&>() != 0;
    case nlohmann::json::value_t::string: return !value.get_ref<const std::string&>().empty();
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object: return !value.empty();
    default: return true;
  }
}

std::string go_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::boolean: return "bool";
    case nlohmann::json::value_t::number_integer: return "int";
    case nlohmann::json::value_t::number_unsigned:
      return value.get_ref<const uint64_t&>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ? "uint64"
                                                                                                           : "int";
    case nlohmann::json::value_t::number_float: return "float64";
    case nlohmann::json::value_t::string: return "string";
    case nlohmann::json::value_t::array: return "[]interface {}";
    case nlohmann::json::value_t::object: return "map[string]interface {}";
    default: return "interface {}";
  }
}

const nlohmann::json* find_member(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  if (it != object.end()) return &*it;
  for (auto member = object.begin(); member != object.end(); ++member) {
    if (ascii_iequals(member.key(), name)) return &member.value();
  }
  for (auto member = object.begin(); member != object.end(); ++member) {
    if (ascii_iequals_ignoring_underscores(member.key(), name)) return &member.value();
  }
  return nullptr;
}

bool as_int64(const nlohmann::json& value, int64_t& out) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    out = value.get_ref<const int64_t&>();
    return true;
  }
  if (value.is_number_unsigned()) {
    uint64_t u = value.get_ref<const uint64_t&>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    out = static_cast<int64_t>(u);
    return true;
  }
  return false;
}

}  // namespace nook::format
