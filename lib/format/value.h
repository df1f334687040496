// The values a template computes with: JSON values that are either borrowed from the data being
// rendered (no copy for field lookups, ranges or indexing) or owned (results of functions and
// literals). Copying a Value is cheap. A borrowed Value must not outlive the data it points into;
// Template::execute only keeps them for the duration of one execution.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace nook::format {

class Value {
 public:
  Value();  // JSON null
  static Value borrow(const nlohmann::json& data) { return Value(&data, nullptr); }
  static Value own(nlohmann::json data);

  const nlohmann::json& json() const { return *ptr_; }
  const nlohmann::json* operator->() const { return ptr_; }

  // A Value for an element that lives inside this one (array element, object member); it keeps
  // the owner of this value alive.
  Value child(const nlohmann::json& element) const { return Value(&element, owner_); }

 private:
  Value(const nlohmann::json* ptr, std::shared_ptr<const nlohmann::json> owner) : ptr_(ptr), owner_(std::move(owner)) {}

  const nlohmann::json* ptr_;
  std::shared_ptr<const nlohmann::json> owner_;
};

// Go's truth for if/with/and/or/not: false, 0, null and empty strings, arrays and objects are
// false, everything else is true.
bool is_true(const nlohmann::json& value);

// The Go type a JSON value would have after encoding/json decoded it into an interface{} (with
// integers kept as int), for error messages: "string", "int", "float64", "bool",
// "map[string]interface {}", "[]interface {}", "interface {}" for null.
std::string go_type_name(const nlohmann::json& value);

// The member named `name` of an object: the exact key first, then the first key (in sorted order)
// equal to it ignoring ASCII case, so podman's field names (OCIRuntime, Host.Kernel) find the keys
// of its JSON tags (ociRuntime, host.kernel); last, a key equal to it ignoring case and underscores,
// so HostID finds podman's snake_case tags (host_id, container_port). nullptr when absent or when
// value is not an object.
const nlohmann::json* find_member(const nlohmann::json& object, std::string_view name);

// An integer value as int64 when it is an integer JSON number that fits; false otherwise.
bool as_int64(const nlohmann::json& value, int64_t& out);

}  // namespace nook::format
