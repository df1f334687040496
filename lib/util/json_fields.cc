#include "lib/util/json_fields.h"

#include <fmt/format.h>

#include <limits>

namespace nook {

using nlohmann::json;

const json* JsonFields::find(const char* key) const {
  if (!obj_.is_object()) return nullptr;
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return nullptr;
  return &*it;
}

void JsonFields::problem(const char* key, std::string_view text) {
  if (!error_) error_ = Error(ErrorKind::Corrupt, fmt::format("{} field \"{}\" {}", context_, key, text));
}

std::string JsonFields::str(const char* key) {
  const json* value = find(key);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    problem(key, "is not a string");
    return {};
  }
  return value->get_ref<const std::string&>();
}

int64_t JsonFields::integer(const char* key, int64_t fallback) {
  const json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer() ||
      (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()})) {
    problem(key, "is not an integer");
    return fallback;
  }
  return value->get<int64_t>();
}

uint64_t JsonFields::unsigned_integer(const char* key, uint64_t fallback) {
  const json* value = find(key);
  if (value == nullptr) return fallback;
  if (value->is_number_unsigned()) return value->get<uint64_t>();
  if (!value->is_number_integer() || value->get<int64_t>() < 0) {
    problem(key, "is not an unsigned integer");
    return fallback;
  }
  return static_cast<uint64_t>(value->get<int64_t>());
}

bool JsonFields::boolean(const char* key, bool fallback) {
  const json* value = find(key);
  if (value == nullptr) return fallback;
  if (!value->is_boolean()) {
    problem(key, "is not a boolean");
    return fallback;
  }
  return value->get<bool>();
}

std::vector<std::string> JsonFields::strings(const char* key) {
  std::vector<std::string> out;
  const json* value = find(key);
  if (value == nullptr) return out;
  if (!value->is_array()) {
    problem(key, "is not an array");
    return out;
  }
  out.reserve(value->size());
  for (const json& item : *value) {
    if (!item.is_string()) {
      problem(key, "must contain only strings");
      return {};
    }
    out.push_back(item.get_ref<const std::string&>());
  }
  return out;
}

std::map<std::string, std::string> JsonFields::string_map(const char* key) {
  std::map<std::string, std::string> out;
  const json* value = find(key);
  if (value == nullptr) return out;
  if (!value->is_object()) {
    problem(key, "is not an object");
    return out;
  }
  for (const auto& [k, v] : value->items()) {
    if (!v.is_string()) {
      problem(key, "must map strings to strings");
      return {};
    }
    out.emplace(k, v.get_ref<const std::string&>());
  }
  return out;
}

}  // namespace nook
