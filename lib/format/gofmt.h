// Go's fmt and strconv number formatting applied to JSON values, so templates print what podman
// prints: fmt.Sprint (%v), fmt.Sprintf with Go's verbs and flags, fmt.Sprintln and
// strconv.FormatFloat.
//
// JSON values play the role of the Go values encoding/json produces for interface{}: strings,
// integers (kept as int, unlike Go's float64), float64, bool, nil, []interface{} and
// map[string]interface{} (printed "map[k:v ...]" in sorted key order).
//
// Supported verbs: %v %+v %#v %T %t %d %b %o %O %x %X %c %q %U %e %E %f %F %g %G %s and %%, with
// the flags + - # space 0, widths, precisions and '*'. Deviations from Go, on purpose: %e %f %g
// accept integers (formatted as floating point; Go prints "%!f(int=3)"), because integral numbers
// of podman's float fields arrive as JSON integers; %b and %x on floating point are not supported
// and print as a bad verb; explicit argument indexes ("%[1]d") are not supported.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace nook::format::gofmt {

// strconv.FormatFloat(v, verb, prec, 64) for verb 'e', 'E', 'f', 'g' or 'G'; prec -1 is the
// shortest representation that round-trips ("1e+06", "1.5", "0.0001").
std::string format_float(double v, char verb, int prec);

// fmt.Sprint(v): the %v form ("<nil>" for null, "[a b]", "map[a:1]").
std::string sprint_value(const nlohmann::json& v);

// fmt.Sprintf. Errors are printed inline as Go does: "%!d(string=x)", "%!s(MISSING)",
// "%!(EXTRA int=1)", "%!(NOVERB)".
std::string sprintf(std::string_view format, std::span<const nlohmann::json* const> args);

// fmt.Sprint: operands in %v form, a space between two operands when neither is a string.
std::string sprint(std::span<const nlohmann::json* const> args);

// fmt.Sprintln: operands in %v form separated by spaces, then a newline.
std::string sprintln(std::span<const nlohmann::json* const> args);

}  // namespace nook::format::gofmt
