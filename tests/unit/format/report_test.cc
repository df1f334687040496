#include <gtest/gtest.h>

#include "lib/format/template.h"

namespace nook::format {
namespace {

using nlohmann::json;

// The rows of containers/common pkg/report/formatter_test.go.
const json kRows = json::parse(R"([
  {"ID": "c061a0839e", "Value": "one"},
  {"ID": "f10fc2e11057", "Value": "two"},
  {"ID": "1eb6fab5aa8f4b5cbfd3e66aa35e9b2a", "Value": "three"}
])");

std::string list(std::string_view format, const json& rows = kRows, FormatOptions opts = {},
                 const std::map<std::string, std::string>& overrides = {}) {
  auto out = render_list(format, rows, opts, overrides);
  if (!out) return "ERROR: " + out.error().message();
  return *out;
}

std::string one(std::string_view format, const json& data) {
  auto out = render_one(format, data);
  if (!out) return "ERROR: " + out.error().message();
  return *out;
}

// report.IsJSON's cases (pkg/report/validate_test.go).
TEST(Report, IsJsonFormat) {
  for (std::string_view yes :
       {"json", " json", " json ", "  json   ", "{{json}}", "{{json }}", "{{json.}}", "{{ json. }}"}) {
    EXPECT_TRUE(is_json_format(yes)) << yes;
  }
  for (std::string_view no : {"{{ json .}}", "{{ json . }}", "  {{   json   .  }}  ", "{{ json .", "json . }}",
                              "{{.ID }} json .", "json .", "JSON", "table json", ""}) {
    EXPECT_FALSE(is_json_format(no)) << no;
  }
}

TEST(Report, IsTableFormat) {
  EXPECT_TRUE(is_table_format("table foobar"));
  EXPECT_TRUE(is_table_format("table {{.ID}}"));
  EXPECT_FALSE(is_table_format("foobar"));
  EXPECT_FALSE(is_table_format("table"));
  EXPECT_FALSE(is_table_format(" table {{.ID}}"));
}

// report.NormalizeFormat's cases (pkg/report/template_test.go) and the \n escape.
TEST(Report, NormalizeFormat) {
  EXPECT_EQ(normalize_format("{{.ID}}\t{{.ID}}"), "{{.ID}}\t{{.ID}}\n");
  EXPECT_EQ(normalize_format(R"({{.ID}}\t{{.ID}})"), "{{.ID}}\t{{.ID}}\n");
  EXPECT_EQ(normalize_format(R"({{.ID}} {{.ID}})"), "{{.ID}} {{.ID}}\n");
  EXPECT_EQ(normalize_format(R"(table {{.ID}}\t{{.ID}})"), "{{.ID}}\t{{.ID}}\n");
  EXPECT_EQ(normalize_format(R"(table {{.ID}} {{.ID}})"), "{{.ID}}\t{{.ID}}\n");
  EXPECT_EQ(normalize_format(R"({{.A}}\n{{.B}})"), "{{.A}}\n{{.B}}\n");
  EXPECT_EQ(normalize_format("{{.A}}\n"), "{{.A}}\n");
  EXPECT_EQ(normalize_format(""), "\n");
}

TEST(Report, TableWithDerivedHeaders) {
  json rows = json::parse(R"([{"ID":"abc","Names":"web"},{"ID":"abcdef0123","Names":"db"}])");
  EXPECT_EQ(list("table {{.ID}}\t{{.Names}}", rows),
            "ID          NAMES\n"
            "abc         web\n"
            "abcdef0123  db\n");
  // A space separates columns in a table format as \t does.
  EXPECT_EQ(list("table {{.ID}} {{.Names}}", rows), list("table {{.ID}}\t{{.Names}}", rows));
  EXPECT_EQ(list(R"(table {{.ID}}\t{{.Names}})", rows), list("table {{.ID}}\t{{.Names}}", rows));
  EXPECT_EQ(list("table {{.ID}}\t{{.Names}}", rows, FormatOptions{.noheading = true}),
            "abc         web\n"
            "abcdef0123  db\n");
}

TEST(Report, TableHeaderOverridesAndNestedFields) {
  json rows = json::parse(R"([{"ID":"abc","State":{"Status":"running"},"CreatedAt":"now"}])");
  EXPECT_EQ(list("table {{.ID}}\t{{.State.Status}}\t{{.CreatedAt}}", rows, {}, {{"ID", "container id"}}),
            "CONTAINER ID  STATUS      CREATED AT\n"
            "abc           running     now\n");
}

// podman's Formatter tests (pkg/report/formatter_test.go), with headers upper-cased as
// report.Headers makes them.
TEST(Report, PodmanFormatterCases) {
  std::map<std::string, std::string> headers = {{"ID", "Identity"}, {"Value", "Value"}};
  EXPECT_EQ(list("table {{ .ID}}", kRows, {}, headers),
            "IDENTITY\nc061a0839e\nf10fc2e11057\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\n");
  EXPECT_EQ(list("table {{ .ID}}\n", kRows, {}, headers),
            "IDENTITY\nc061a0839e\nf10fc2e11057\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\n");
  EXPECT_EQ(list(R"(table {{ .ID}}\n)", kRows, {}, headers),
            "IDENTITY\nc061a0839e\nf10fc2e11057\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\n");
  EXPECT_EQ(list("table {{.ID}}\t{{.Value}}", kRows, {}, headers),
            "IDENTITY                          VALUE\n"
            "c061a0839e                        one\n"
            "f10fc2e11057                      two\n"
            "1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  three\n");
  EXPECT_EQ(list("{{range .}}{{.ID}}\tID{{end}}"),
            "c061a0839e\tIDf10fc2e11057\tID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tID\n");
  EXPECT_EQ(list("{{range .}}{{.ID}}\tID\n{{end}}"),
            "c061a0839e\tID\nf10fc2e11057\tID\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tID\n\n");
  EXPECT_EQ(list("{{range .}}{{.ID}}{{end -}}"), "c061a0839ef10fc2e110571eb6fab5aa8f4b5cbfd3e66aa35e9b2a");
  // The \n typed inside a string literal would become a real newline and break the literal: the
  // text is then parsed as written (podman issue 13446).
  EXPECT_EQ(list(R"({{range .}}{{printf "\n"}}{{end -}})"), "\n\n\n");
  EXPECT_EQ(list("ID\t{{.ID}}", json::parse(R"([{"ID":"c061a0839e"}])")), "ID\tc061a0839e\n");
}

TEST(Report, ListWithoutTableConcatenatesRows) {
  EXPECT_EQ(list("{{.ID}}"), "c061a0839e\nf10fc2e11057\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\n");
  EXPECT_EQ(list(R"({{.ID}}\t{{.Value}})"),
            "c061a0839e\tone\nf10fc2e11057\ttwo\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tthree\n");
  EXPECT_EQ(list("{{.ID}}", json::array()), "");
  EXPECT_EQ(list("table {{.ID}}", json::array()), "ID\n");
}

TEST(Report, ListErrors) {
  EXPECT_EQ(
      list("{{.Nope}}"),
      "ERROR: template: 1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type map[string]interface {}");
  EXPECT_EQ(list("table {{.ID}}\t{{foo .}}"), "ERROR: template: 1:10: function \"foo\" not defined");
  auto not_array = render_list("{{.ID}}", json::object());
  ASSERT_FALSE(not_array.has_value());
  EXPECT_EQ(not_array.error().kind(), ErrorKind::Internal);
}

TEST(Report, RenderOne) {
  json info = json::parse(R"({"host":{"kernel":"6.1.0","arch":"amd64"},"version":{"Version":"0.1.0"}})");
  EXPECT_EQ(one("{{.Host.Kernel}}", info), "6.1.0\n");
  EXPECT_EQ(one("{{.Host.Kernel}}\n", info), "6.1.0\n");
  EXPECT_EQ(one(R"({{.Host.Kernel}}\t{{.Host.Arch}})", info), "6.1.0\tamd64\n");
  EXPECT_EQ(one(R"({{.Host.Kernel}}\n{{.Host.Arch}})", info), "6.1.0\namd64\n");
  EXPECT_EQ(one("{{json .Host}}", info), "{\"arch\":\"amd64\",\"kernel\":\"6.1.0\"}\n");
  EXPECT_EQ(one("{{range $k, $v := .Host}}{{$k}}={{$v}} {{end}}", info), "arch=amd64 kernel=6.1.0 \n");
  // Fallback to the text as written, without the appended newline.
  EXPECT_EQ(one(R"({{.Version.Version}}{{printf "\n"}})", info), "0.1.0\n");
  EXPECT_EQ(one("table {{.Host.Kernel}}\t{{.Host.Arch}}", info), "6.1.0       amd64\n");
  EXPECT_EQ(one("{{.Host.Kernal}}", info),
            "ERROR: template: 1:2: executing \"\" at <.Host.Kernal>: can't evaluate field Kernal in type "
            "map[string]interface {}");
  EXPECT_EQ(one("{{.Host.Kernel", info), "ERROR: template: 1:14: unclosed action");
}

TEST(Report, TableCellsAreRuneAligned) {
  json rows = json::parse(R"([{"Name":"café","Size":"1 kB"},{"Name":"x","Size":"2 MB"}])");
  EXPECT_EQ(list("table {{.Name}}\t{{.Size}}", rows),
            "NAME        SIZE\n"
            "café        1 kB\n"
            "x           2 MB\n");
}

}  // namespace
}  // namespace nook::format

namespace nook::format {
namespace {

TEST(Report, BuiltinTemplatesAlwaysAlign) {
  nlohmann::json v = {{"Client", {{"Version", "4.3.1"}, {"APIVersion", "4.3.1"}}}};
  auto out = render_builtin("{{with .Client -}}\nVersion:\\t{{.Version}}\nAPI Version:\\t{{.APIVersion}}\n{{- end}}", v);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_EQ(*out, "Version:      4.3.1\nAPI Version:  4.3.1\n") << "podman version's layout";
  EXPECT_FALSE(render_builtin("{{.Nope}}", v).has_value());
}

}  // namespace
}  // namespace nook::format
