// The functions a template can call: Go's text/template builtins (and or not eq ne lt le gt ge
// len index slice print printf println html urlquery) and podman's report.DefaultFuncs (json lower
// upper title truncate pad split join).
//
// Each builtin declares its parameters the way its Go signature does; the executor checks arity
// and argument types with Go's messages ("wrong number of args for truncate: want 2 got 1",
// "wrong type for value; expected string; got int") before calling it. Errors returned by the
// functions themselves become "error calling NAME: MESSAGE".
//
// Where JSON data lacks the static types podman's Go values have, the choices are:
//   - eq/ne/lt/... compare integers and floats by value (Go refuses to compare int with float64);
//   - index of a missing object key yields the zero value of the object's element type when all
//     its values share one (so `index .Labels "x"` prints "" as with podman's map[string]string),
//     else null; index of null by a string key yields "" (a nil map), by anything else is an error;
//   - string parameters accept null as "" and []string parameters accept null as empty.
//
// Internal to lib/format.
#pragma once

#include <span>
#include <string_view>

#include "lib/format/value.h"
#include "lib/util/error.h"

namespace nook::format::detail {

enum class ParamType {
  Any,          // interface{} / reflect.Value
  String,       // string
  Int,          // int
  StringSlice,  // []string
};

using BuiltinFn = Result<Value> (*)(std::span<const Value> args);

struct Builtin {
  std::string_view name;
  ParamType params[3];
  int num_params;  // fixed parameters, counting the variadic one
  bool variadic;   // the last parameter repeats (and may be absent)
  BuiltinFn fn;    // null for and/or, which the executor evaluates lazily
};

// nullptr when no function has that name.
const Builtin* find_builtin(std::string_view name);

// Go's truth comparisons, exposed for tests: eq(a, b...), lt(a, b).
Result<bool> go_eq(const nlohmann::json& a, std::span<const Value> others);
Result<bool> go_lt(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace nook::format::detail
