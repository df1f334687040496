#include "lib/format/funcs.h"

#include <fmt/format.h>

#include <limits>
#include <vector>

#include "lib/format/go_json.h"
#include "lib/format/gofmt.h"
#include "lib/format/text.h"

namespace nook::format::detail {

namespace {

using Json = nlohmann::json;

std::unexpected<Error> call_error(std::string message) { return fail(ErrorKind::InvalidArgument, std::move(message)); }

const std::string& str(const Value& v) {
  static const std::string kEmpty;
  return v->is_string() ? v->get_ref<const std::string&>() : kEmpty;  // null stands for ""
}

int64_t integer(const Value& v) {
  int64_t out = 0;
  as_int64(v.json(), out);
  return out;
}

std::vector<const Json*> pointers(std::span<const Value> args) {
  std::vector<const Json*> out;
  out.reserve(args.size());
  for (const auto& a : args) out.push_back(&a.json());
  return out;
}

// ---- comparisons -----------------------------------------------------------------------------

enum class Kind { Invalid, Bool, Number, String, Composite };

Kind kind_of(const Json& v) {
  switch (v.type()) {
    case Json::value_t::boolean: return Kind::Bool;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return Kind::Number;
    case Json::value_t::string: return Kind::String;
    case Json::value_t::array:
    case Json::value_t::object: return Kind::Composite;
    default: return Kind::Invalid;
  }
}

// -1, 0 or 1; exact for any mix of int64 and uint64, by double when a float is involved.
int compare_numbers(const Json& a, const Json& b) {
  if (a.is_number_float() || b.is_number_float()) {
    double x = a.get<double>();
    double y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  bool a_neg = !a.is_number_unsigned() && a.get_ref<const int64_t&>() < 0;
  bool b_neg = !b.is_number_unsigned() && b.get_ref<const int64_t&>() < 0;
  if (a_neg != b_neg) return a_neg ? -1 : 1;
  if (a_neg) {
    int64_t x = a.get_ref<const int64_t&>();
    int64_t y = b.get_ref<const int64_t&>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  uint64_t x = a.get<uint64_t>();
  uint64_t y = b.get<uint64_t>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

Result<Value> fn_not(std::span<const Value> args) { return Value::own(!is_true(args[0].json())); }

Result<Value> fn_eq(std::span<const Value> args) {
  auto r = go_eq(args[0].json(), args.subspan(1));
  if (!r) return std::unexpected(r.error());
  return Value::own(*r);
}

Result<Value> fn_ne(std::span<const Value> args) {
  auto r = go_eq(args[0].json(), args.subspan(1));
  if (!r) return std::unexpected(r.error());
  return Value::own(!*r);
}

Result<bool> go_le(const Json& a, const Json& b) {
  auto less = go_lt(a, b);
  if (!less || *less) return less;
  Value other = Value::borrow(b);
  return go_eq(a, std::span<const Value>(&other, 1));
}

Result<Value> fn_lt(std::span<const Value> args) {
  auto r = go_lt(args[0].json(), args[1].json());
  if (!r) return std::unexpected(r.error());
  return Value::own(*r);
}

Result<Value> fn_le(std::span<const Value> args) {
  auto r = go_le(args[0].json(), args[1].json());
  if (!r) return std::unexpected(r.error());
  return Value::own(*r);
}

Result<Value> fn_gt(std::span<const Value> args) {
  auto r = go_le(args[0].json(), args[1].json());
  if (!r) return std::unexpected(r.error());
  return Value::own(!*r);
}

Result<Value> fn_ge(std::span<const Value> args) {
  auto r = go_lt(args[0].json(), args[1].json());
  if (!r) return std::unexpected(r.error());
  return Value::own(!*r);
}

// ---- len, index, slice -----------------------------------------------------------------------

Result<Value> fn_len(std::span<const Value> args) {
  const Json& v = args[0].json();
  switch (v.type()) {
    case Json::value_t::null: return call_error("len of nil pointer");
    case Json::value_t::string: return Value::own(static_cast<int64_t>(v.get_ref<const std::string&>().size()));
    case Json::value_t::array:
    case Json::value_t::object: return Value::own(static_cast<int64_t>(v.size()));
    default: return call_error("len of type " + go_type_name(v));
  }
}

// An index into something of length `cap`.
Result<int64_t> index_arg(const Json& index, size_t cap) {
  int64_t x = 0;
  if (index.is_null()) return call_error("cannot index slice/array with nil");
  if (!as_int64(index, x)) {
    if (index.is_number_unsigned()) return call_error(fmt::format("index out of range: {}", index.get<uint64_t>()));
    return call_error("cannot index slice/array with type " + go_type_name(index));
  }
  if (x < 0 || static_cast<uint64_t>(x) > cap) return call_error(fmt::format("index out of range: {}", x));
  return x;
}

// The zero value of the element type of an object whose values all have one type.
Json zero_element(const Json& object) {
  Kind common = Kind::String;  // an empty object is most likely a map[string]string (labels)
  bool first = true;
  bool all_int = true;
  for (const auto& member : object) {
    Kind k = kind_of(member);
    if (member.is_number_float()) all_int = false;
    if (first) {
      common = k;
      first = false;
    } else if (k != common) {
      return nullptr;
    }
  }
  switch (common) {
    case Kind::String: return "";
    case Kind::Bool: return false;
    case Kind::Number: return all_int ? Json(0) : Json(0.0);
    default: return nullptr;
  }
}

Result<Value> fn_index(std::span<const Value> args) {
  Value item = args[0];
  // A null indexed by a key is taken for a nil map (podman's labels and annotations), giving "".
  if (item->is_null() && (args.size() < 2 || !args[1]->is_string())) return call_error("index of untyped nil");
  for (const Value& index_value : args.subspan(1)) {
    const Json& index = index_value.json();
    const Json& v = item.json();
    switch (v.type()) {
      case Json::value_t::null:
        // A nil map or slice inside the data.
        if (index.is_string()) {
          item = Value::own("");
          break;
        }
        return call_error("index of nil pointer");
      case Json::value_t::array:
      case Json::value_t::string: {
        size_t len = v.is_array() ? v.size() : v.get_ref<const std::string&>().size();
        auto x = index_arg(index, len);
        if (!x) return std::unexpected(x.error());
        if (static_cast<size_t>(*x) >= len) return call_error(fmt::format("index out of range: {}", *x));
        if (v.is_array()) {
          item = item.child(v[static_cast<size_t>(*x)]);
        } else {
          // A string indexes to a byte, which Go prints as a number.
          item = Value::own(static_cast<int64_t>(
              static_cast<unsigned char>(v.get_ref<const std::string&>()[static_cast<size_t>(*x)])));
        }
        break;
      }
      case Json::value_t::object: {
        if (index.is_null()) return call_error("value is nil; should be of type string");
        if (!index.is_string()) return call_error("value has type " + go_type_name(index) + "; should be string");
        auto it = v.find(index.get_ref<const std::string&>());
        if (it != v.end()) {
          item = item.child(*it);
        } else {
          item = Value::own(zero_element(v));
        }
        break;
      }
      default: return call_error("can't index item of type " + go_type_name(v));
    }
  }
  return item;
}

Result<Value> fn_slice(std::span<const Value> args) {
  const Json& v = args[0].json();
  auto indexes = args.subspan(1);
  if (v.is_null()) return call_error("slice of untyped nil");
  if (indexes.size() > 3) return call_error(fmt::format("too many slice indexes: {}", indexes.size()));
  size_t len = 0;
  if (v.is_string()) {
    if (indexes.size() == 3) return call_error("cannot 3-index slice a string");
    len = v.get_ref<const std::string&>().size();
  } else if (v.is_array()) {
    len = v.size();
  } else {
    return call_error("can't slice item of type " + go_type_name(v));
  }
  int64_t idx[3] = {0, static_cast<int64_t>(len), static_cast<int64_t>(len)};
  for (size_t i = 0; i < indexes.size(); ++i) {
    auto x = index_arg(indexes[i].json(), len);
    if (!x) return std::unexpected(x.error());
    idx[i] = *x;
  }
  if (idx[0] > idx[1]) return call_error(fmt::format("invalid slice index: {} > {}", idx[0], idx[1]));
  if (indexes.size() == 3 && idx[1] > idx[2]) {
    return call_error(fmt::format("invalid slice index: {} > {}", idx[1], idx[2]));
  }
  auto from = static_cast<size_t>(idx[0]);
  auto to = static_cast<size_t>(idx[1]);
  if (v.is_string()) return Value::own(v.get_ref<const std::string&>().substr(from, to - from));
  Json out = Json::array();
  for (size_t i = from; i < to; ++i) out.push_back(v[i]);
  return Value::own(std::move(out));
}

// ---- printing --------------------------------------------------------------------------------

Result<Value> fn_print(std::span<const Value> args) {
  auto ptrs = pointers(args);
  return Value::own(gofmt::sprint(ptrs));
}

Result<Value> fn_printf(std::span<const Value> args) {
  auto ptrs = pointers(args.subspan(1));
  return Value::own(gofmt::sprintf(str(args[0]), ptrs));
}

Result<Value> fn_println(std::span<const Value> args) {
  auto ptrs = pointers(args);
  return Value::own(gofmt::sprintln(ptrs));
}

// text/template's evalArgs: a lone string as is, anything else through fmt.Sprint.
std::string eval_args(std::span<const Value> args) {
  if (args.size() == 1 && args[0]->is_string()) return args[0]->get_ref<const std::string&>();
  auto ptrs = pointers(args);
  return gofmt::sprint(ptrs);
}

Result<Value> fn_html(std::span<const Value> args) {
  std::string out;
  for (char c : eval_args(args)) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out += c; break;
    }
  }
  return Value::own(std::move(out));
}

Result<Value> fn_urlquery(std::span<const Value> args) {
  std::string out;
  for (char ch : eval_args(args)) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return Value::own(std::move(out));
}

// ---- podman's functions ----------------------------------------------------------------------

Result<Value> fn_json(std::span<const Value> args) { return Value::own(go_json_marshal(args[0].json())); }

Result<Value> fn_lower(std::span<const Value> args) { return Value::own(text::lower(str(args[0]))); }

Result<Value> fn_upper(std::span<const Value> args) { return Value::own(text::upper(str(args[0]))); }

Result<Value> fn_title(std::span<const Value> args) { return Value::own(text::title(str(args[0]))); }

Result<Value> fn_truncate(std::span<const Value> args) {
  const std::string& s = str(args[0]);
  int64_t length = integer(args[1]);
  if (static_cast<int64_t>(s.size()) < length) return args[0];
  if (length < 0) return call_error(fmt::format("runtime error: slice bounds out of range [:{}]", length));
  return Value::own(s.substr(0, static_cast<size_t>(length)));
}

Result<Value> fn_pad(std::span<const Value> args) {
  const std::string& s = str(args[0]);
  int64_t prefix = integer(args[1]);
  int64_t suffix = integer(args[2]);
  if (s.empty()) return Value::own("");
  if (prefix < 0 || suffix < 0) return call_error("strings: negative Repeat count");
  return Value::own(std::string(static_cast<size_t>(prefix), ' ') + s + std::string(static_cast<size_t>(suffix), ' '));
}

Result<Value> fn_split(std::span<const Value> args) {
  std::string_view s = str(args[0]);
  std::string_view sep = str(args[1]);
  Json out = Json::array();
  if (sep.empty()) {
    // Into UTF-8 sequences, an invalid byte on its own.
    while (!s.empty()) {
      size_t n = text::decode_rune(s).size;
      out.push_back(std::string(s.substr(0, n)));
      s.remove_prefix(n);
    }
    return Value::own(std::move(out));
  }
  while (true) {
    size_t at = s.find(sep);
    if (at == std::string_view::npos) break;
    out.push_back(std::string(s.substr(0, at)));
    s.remove_prefix(at + sep.size());
  }
  out.push_back(std::string(s));
  return Value::own(std::move(out));
}

Result<Value> fn_join(std::span<const Value> args) {
  std::string out;
  const Json& elems = args[0].json();
  const std::string& sep = str(args[1]);
  if (elems.is_array()) {
    bool first = true;
    for (const auto& e : elems) {
      if (!first) out += sep;
      first = false;
      out += e.get_ref<const std::string&>();
    }
  }
  return Value::own(std::move(out));
}

constexpr ParamType kAny = ParamType::Any;
constexpr ParamType kString = ParamType::String;
constexpr ParamType kInt = ParamType::Int;

// Sorted by name for the lookup.
constexpr Builtin kBuiltins[] = {
    {"and", {kAny, kAny, kAny}, 2, true, nullptr},
    {"eq", {kAny, kAny, kAny}, 2, true, fn_eq},
    {"ge", {kAny, kAny, kAny}, 2, false, fn_ge},
    {"gt", {kAny, kAny, kAny}, 2, false, fn_gt},
    {"html", {kAny, kAny, kAny}, 1, true, fn_html},
    {"index", {kAny, kAny, kAny}, 2, true, fn_index},
    {"join", {ParamType::StringSlice, kString, kAny}, 2, false, fn_join},
    {"json", {kAny, kAny, kAny}, 1, false, fn_json},
    {"le", {kAny, kAny, kAny}, 2, false, fn_le},
    {"len", {kAny, kAny, kAny}, 1, false, fn_len},
    {"lower", {kString, kAny, kAny}, 1, false, fn_lower},
    {"lt", {kAny, kAny, kAny}, 2, false, fn_lt},
    {"ne", {kAny, kAny, kAny}, 2, false, fn_ne},
    {"not", {kAny, kAny, kAny}, 1, false, fn_not},
    {"or", {kAny, kAny, kAny}, 2, true, nullptr},
    {"pad", {kString, kInt, kInt}, 3, false, fn_pad},
    {"print", {kAny, kAny, kAny}, 1, true, fn_print},
    {"printf", {kString, kAny, kAny}, 2, true, fn_printf},
    {"println", {kAny, kAny, kAny}, 1, true, fn_println},
    {"slice", {kAny, kAny, kAny}, 2, true, fn_slice},
    {"split", {kString, kString, kAny}, 2, false, fn_split},
    {"title", {kString, kAny, kAny}, 1, false, fn_title},
    {"truncate", {kString, kInt, kAny}, 2, false, fn_truncate},
    {"upper", {kString, kAny, kAny}, 1, false, fn_upper},
    {"urlquery", {kAny, kAny, kAny}, 1, true, fn_urlquery},
};

}  // namespace

const Builtin* find_builtin(std::string_view name) {
  for (const auto& b : kBuiltins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

Result<bool> go_eq(const nlohmann::json& a, std::span<const Value> others) {
  if (others.empty()) return call_error("missing argument for comparison");
  Kind k1 = kind_of(a);
  for (const Value& other : others) {
    const Json& b = other.json();
    Kind k2 = kind_of(b);
    bool truth = false;
    if (k1 != k2) {
      if (k1 != Kind::Invalid && k2 != Kind::Invalid) {
        return call_error("incompatible types for comparison");
      }
      // null against anything else is simply unequal.
    } else {
      switch (k1) {
        case Kind::Bool: truth = a.get_ref<const bool&>() == b.get_ref<const bool&>(); break;
        case Kind::Number: truth = compare_numbers(a, b) == 0; break;
        case Kind::String: truth = a.get_ref<const std::string&>() == b.get_ref<const std::string&>(); break;
        case Kind::Invalid: truth = true; break;  // nil == nil
        case Kind::Composite:
          if (a.type() != b.type()) {
            return call_error(fmt::format("non-comparable types {}: {}, {}: {}", gofmt::sprint_value(a),
                                          go_type_name(a), go_type_name(b), gofmt::sprint_value(b)));
          }
          return call_error(fmt::format("non-comparable type {}: {}", gofmt::sprint_value(b), go_type_name(b)));
      }
    }
    if (truth) return true;
  }
  return false;
}

Result<bool> go_lt(const nlohmann::json& a, const nlohmann::json& b) {
  Kind k1 = kind_of(a);
  Kind k2 = kind_of(b);
  if (k1 == Kind::Invalid || k1 == Kind::Composite || k2 == Kind::Invalid || k2 == Kind::Composite) {
    return call_error("invalid type for comparison");
  }
  if (k1 != k2) return call_error("incompatible types for comparison");
  switch (k1) {
    case Kind::Number: return compare_numbers(a, b) < 0;
    case Kind::String: return a.get_ref<const std::string&>() < b.get_ref<const std::string&>();
    default: return call_error("invalid type for comparison");  // bool
  }
}

}  // namespace nook::format::detail
