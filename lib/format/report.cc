// What commands do with --format, after podman's containers/common pkg/report: IsJSON, HasTable,
// NormalizeFormat, EnforceRange, Formatter.Parse (with its fallback to the text as written) and
// the tabwriter settings of report.Formatter.

#include <string_view>

#include "lib/format/template.h"

namespace nook::format {

namespace {

// podman's table writer: tabwriter.NewWriter(out, 12, 2, 2, ' ', tabwriter.StripEscape).
constexpr int kMinWidth = 12;
constexpr int kTabWidth = 2;
constexpr int kPadding = 2;

constexpr std::string_view kTablePrefix = "table ";

// Go regexp's \s: [\t\n\f\r ].
bool is_re_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

std::string_view trim_re_space(std::string_view s) {
  while (!s.empty() && is_re_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_re_space(s.back())) s.remove_suffix(1);
  return s;
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

void skip_re_space(std::string_view& s) {
  while (!s.empty() && is_re_space(s.front())) s.remove_prefix(1);
}

// Does the format range over the list itself? podman's EnforceRange regexp:
// (?s){{\s*range\s*\.\s*}}.*{{\s*end\s*-?\s*}}
bool ranges_over_dot(std::string_view text) {
  for (size_t start = text.find("{{"); start != std::string_view::npos; start = text.find("{{", start + 1)) {
    std::string_view s = text.substr(start + 2);
    skip_re_space(s);
    if (!consume(s, "range")) continue;
    skip_re_space(s);
    if (!consume(s, ".")) continue;
    skip_re_space(s);
    if (!consume(s, "}}")) continue;
    for (size_t e = s.find("{{"); e != std::string_view::npos; e = s.find("{{", e + 1)) {
      std::string_view t = s.substr(e + 2);
      skip_re_space(t);
      if (!consume(t, "end")) continue;
      skip_re_space(t);
      consume(t, "-");
      skip_re_space(t);
      if (t.starts_with("}}")) return true;
    }
    return false;
  }
  return false;
}

// Parses the normalized text; when that fails, the user's text as written (minus "table "), as
// report.Formatter.Parse does, reporting the second error.
Result<Template> parse_user_format(std::string_view user_format) {
  auto normalized = Template::parse(normalize_format(user_format));
  if (normalized) return normalized;
  std::string_view raw = user_format;
  if (is_table_format(raw)) raw.remove_prefix(kTablePrefix.size());
  return Template::parse(raw);
}

std::string align(const std::string& text) { return tabwrite(text, kMinWidth, kTabWidth, kPadding, ' ', kStripEscape); }

}  // namespace

bool is_json_format(std::string_view user_format) {
  std::string_view s = trim_re_space(user_format);
  if (s == "json") return true;
  if (!consume(s, "{{")) return false;
  skip_re_space(s);
  if (!consume(s, "json")) return false;
  consume(s, ".");
  skip_re_space(s);
  return s == "}}";
}

bool is_table_format(std::string_view user_format) { return user_format.starts_with(kTablePrefix); }

std::string normalize_format(std::string_view user_format) {
  bool table = is_table_format(user_format);
  std::string out;
  out.reserve(user_format.size() + 1);
  std::string_view s = user_format;
  while (!s.empty()) {
    if (table && consume(s, kTablePrefix)) continue;
    if (consume(s, "\\t")) {
      out += '\t';
    } else if (table && consume(s, " ")) {
      out += '\t';
    } else if (consume(s, "\\n")) {
      out += '\n';
    } else {
      out += s.front();
      s.remove_prefix(1);
    }
  }
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

Result<std::string> render_one(std::string_view user_format, const nlohmann::json& data) {
  auto tmpl = NOOK_TRY(parse_user_format(user_format));
  auto out = NOOK_TRY(tmpl.execute(data));
  if (is_table_format(user_format)) return align(out);
  return out;
}

Result<std::string> render_builtin(std::string_view format, const nlohmann::json& data) {
  auto tmpl = NOOK_TRY(Template::parse(normalize_format(format)));
  return align(NOOK_TRY(tmpl.execute(data)));
}

Result<std::string> render_list(std::string_view user_format, const nlohmann::json& rows, const FormatOptions& opts,
                                const std::map<std::string, std::string>& header_overrides) {
  if (!rows.is_array()) return fail(ErrorKind::Internal, "render_list needs a JSON array of rows");
  auto tmpl = NOOK_TRY(parse_user_format(user_format));
  if (is_table_format(user_format)) {
    std::string out;
    if (!opts.noheading) out += NOOK_TRY(tmpl.execute_header(header_overrides));
    for (const auto& row : rows) out += NOOK_TRY(tmpl.execute(row));
    return align(out);
  }
  if (ranges_over_dot(tmpl.text())) return tmpl.execute(rows);
  std::string out;
  for (const auto& row : rows) out += NOOK_TRY(tmpl.execute(row));
  return out;
}

}  // namespace nook::format
