// --format for nook: the subset of Go's text/template that podman users write, executed over JSON
// values, plus podman's handling of the user's text (containers/common pkg/report: "json",
// "table", \t and \n escapes, headers, text/tabwriter alignment).
//
// Template language (Go semantics): text and {{actions}}, trim markers "{{- " and " -}}",
// comments {{/* */}}; . and field chains .A.B, $ and variables ($x := pipeline, $x = pipeline,
// {{range $i, $e := pipeline}}); pipelines with | and parentheses; string ("\n" escapes), raw
// string, character, number, bool and nil constants; if / else if / else, range (arrays, objects in
// key order, else branch, break, continue), with (else, else with); the functions listed in
// lib/format/funcs.h. Values print as Go's fmt %v prints them.
//
// Field lookup on JSON objects: the exact key, else a key equal ignoring case (so .OCIRuntime finds
// "ociRuntime"). A field missing from an object is an error naming it ("can't evaluate field Foo in
// type map[string]interface {}"), as for podman's Go structs, so typos do not pass silently; Go's
// maps would print "<no value>" instead. A null value prints "<no value>".
//
// Errors are InvalidArgument and carry Go's wording with the position as line:column (column
// counted in bytes from 0), without Go's template name:
//   "template: 1:14: function \"foo\" not defined"
//   "template: 1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type map[string]interface {}"
//
// A Template is immutable after parse(), cheap to copy, and may be executed concurrently.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lib/format/header.h"
#include "lib/format/tabwriter.h"
#include "lib/util/error.h"

namespace nook::format {

namespace detail {
struct ListNode;
}

class Template {
 public:
  // Parses Go template text as is (no podman normalization; see render_one/render_list).
  [[nodiscard]] static Result<Template> parse(std::string_view text);

  // Executes the template with `data` as dot and $.
  [[nodiscard]] Result<std::string> execute(const nlohmann::json& data) const;

  // Executes the template to produce its table header line: every field chain (.ID, $.ID,
  // .State.Status, $x.Name) evaluates to the header of its last field name, which is
  // header_overrides[chain] (chain as written without the leading dot, "State.Status"), else
  // header_overrides[last name], else header_for_field(last name); override texts are upper-cased
  // as podman does. Dot itself is "". index, slice, join and json return a header string they are
  // given unchanged, and range over a header runs its body once with that header as dot, so that
  // formats like {{index .Labels "a"}} or {{join .Names ","}} get a header instead of an error.
  [[nodiscard]] Result<std::string> execute_header(const std::map<std::string, std::string>& header_overrides) const;

  // The text this template was parsed from.
  const std::string& text() const { return *text_; }

 private:
  Template(std::shared_ptr<const std::string> text, std::shared_ptr<const detail::ListNode> root)
      : text_(std::move(text)), root_(std::move(root)) {}

  std::shared_ptr<const std::string> text_;
  std::shared_ptr<const detail::ListNode> root_;
};

// What a command does with the user's --format value, as podman's containers/common pkg/report.
struct FormatOptions {
  bool noheading = false;
};

// True when the caller should print JSON itself (report.IsJSON): "json", "{{json}}", "{{ json. }}",
// with optional surrounding whitespace; case-sensitive. "{{json .}}" is a template, not matched.
bool is_json_format(std::string_view user_format);

// True when the format starts with "table " (report.HasTable); "table" alone is no table.
bool is_table_format(std::string_view user_format);

// podman's report.NormalizeFormat: a "table " format loses every "table " and has \t (the two
// characters) and spaces turned into tabs and \n into newlines; other formats only have \t and \n
// turned into tab and newline. A newline is appended when missing.
std::string normalize_format(std::string_view user_format);

// Renders one object (info, version, inspect --format): the normalized format executed once with
// `data`. As podman, when the normalized text does not parse (e.g. a "\n" inside a string
// literal became a real newline), the user's text is parsed as written, without the appended
// newline. A "table " format goes through the tabwriter (no header line).
[[nodiscard]] Result<std::string> render_one(std::string_view user_format, const nlohmann::json& data);

// nook's own output templates (podman's OriginPodman: `version`'s default layout): normalized like
// a user format, executed once, and always aligned through the tabwriter.
[[nodiscard]] Result<std::string> render_builtin(std::string_view format, const nlohmann::json& data);

// Renders a list (ps, images): `rows` is a JSON array; the row template executes once per
// element (with that element as dot and $). A "table " format prints a header line first (unless
// opts.noheading; see Template::execute_header for how headers are derived from the format) and
// aligns everything with tabwrite(..., 12, 2, 2, ' ', kStripEscape) as podman's report.Formatter.
// Without "table", the rows are concatenated; a format that ranges over the list itself
// ("{{range .}}...{{end}}") executes once with the whole array. Also used for the commands'
// default tables: the caller passes e.g. "table {{.ID}}\t{{.Names}}" and header overrides such as
// {"ID", "container id"}.
[[nodiscard]] Result<std::string> render_list(std::string_view user_format, const nlohmann::json& rows,
                                              const FormatOptions& opts = {},
                                              const std::map<std::string, std::string>& header_overrides = {});

}  // namespace nook::format
