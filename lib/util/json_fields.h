// Reading the fields of one JSON object with type checks and no exceptions: each getter returns
// the value, or a fallback when the key is missing or null; the first type problem is kept and
// reported by error() as "CONTEXT field \"KEY\" PROBLEM" (kind Corrupt: files nook wrote itself).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook {

class JsonFields {
 public:
  // `obj` must outlive this object; `context` prefixes messages ("\"containers/x\": container").
  JsonFields(const nlohmann::json& obj, std::string context) : obj_(obj), context_(std::move(context)) {}

  std::string str(const char* key);
  int64_t integer(const char* key, int64_t fallback = 0);
  uint64_t unsigned_integer(const char* key, uint64_t fallback = 0);
  bool boolean(const char* key, bool fallback = false);
  std::vector<std::string> strings(const char* key);
  std::map<std::string, std::string> string_map(const char* key);
  // The value (any type) or nullptr.
  const nlohmann::json* find(const char* key) const;

  // Records a problem found by the caller (e.g. a string that does not parse).
  void problem(const char* key, std::string_view text);
  const std::optional<Error>& error() const { return error_; }

 private:
  const nlohmann::json& obj_;
  std::string context_;
  std::optional<Error> error_;
};

}  // namespace nook
