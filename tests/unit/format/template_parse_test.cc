#include <gtest/gtest.h>

#include "lib/format/template.h"

namespace nook::format {
namespace {

std::string parse_error(std::string_view text) {
  auto t = Template::parse(text);
  if (t) return "parsed";
  EXPECT_EQ(t.error().kind(), ErrorKind::InvalidArgument);
  return t.error().message();
}

TEST(TemplateParse, AcceptsTheLanguage) {
  for (std::string_view text : {
           "",
           "plain text",
           "{{.ID}}\t{{.Names}}\n",
           "{{- .A -}}",
           "{{/* comment */}}",
           "{{$x := .A}}{{$x = 1}}{{$x}}",
           "{{range $i, $e := .}}{{$i}}{{$e}}{{end}}",
           "{{range .}}{{else}}{{end}}",
           "{{range .}}{{break}}{{continue}}{{end}}",
           "{{if .A}}{{else if .B}}{{else}}{{end}}",
           "{{with .A}}{{else with .B}}{{else}}{{end}}",
           "{{.A | printf \"%s\" | upper}}",
           "{{(index .Labels \"a\").B}}",
           "{{printf \"%d\" (len .)}}",
           "{{'a'}} {{1e3}} {{-2}} {{0x1f}} {{`raw`}} {{nil | not}}",
           "{{.A\n  | upper}}",
       }) {
    EXPECT_EQ(parse_error(text), "parsed") << text;
  }
}

TEST(TemplateParse, ErrorsNameThePosition) {
  EXPECT_EQ(parse_error("{{.Foo"), "template: 1:6: unclosed action");
  EXPECT_EQ(parse_error("{{range .}}{{foo}}{{end}}"), "template: 1:13: function \"foo\" not defined");
  EXPECT_EQ(parse_error("{{.ID}}\t{{.Names}}\n{{bar .}}"), "template: 2:2: function \"bar\" not defined");
  EXPECT_EQ(parse_error("{{if .X}}"), "template: 1:9: unexpected EOF");
  EXPECT_EQ(parse_error("{{range .}}x"), "template: 1:12: unexpected EOF");
  EXPECT_EQ(parse_error("{{end}}"), "template: 1:5: unexpected {{end}}");
  EXPECT_EQ(parse_error("a{{else}}"), "template: 1:7: unexpected {{else}}");
  EXPECT_EQ(parse_error("{{if .A}}{{else}}{{else}}{{end}}"), "template: 1:23: expected end; found {{else}}");
  EXPECT_EQ(parse_error("{{$x}}"), "template: 1:2: undefined variable \"$x\"");
  EXPECT_EQ(parse_error("{{with $x := .}}{{end}}{{$x}}"), "template: 1:25: undefined variable \"$x\"");
  EXPECT_EQ(parse_error("{{}}"), "template: 1:2: missing value for command");
  EXPECT_EQ(parse_error("{{if}}{{end}}"), "template: 1:4: missing value for if");
  EXPECT_EQ(parse_error("{{.A | 3}}"), "template: 1:8: non executable command in pipeline stage 2");
  EXPECT_EQ(parse_error("{{break}}"), "template: 1:7: {{break}} outside {{range}}");
  EXPECT_EQ(parse_error("{{continue}}"), "template: 1:10: {{continue}} outside {{range}}");
  EXPECT_EQ(parse_error("{{range $a, $b, $c := .}}{{end}}"), "template: 1:14: too many declarations in range");
  EXPECT_EQ(parse_error("{{with $a, $b := .}}{{end}}"), "template: 1:9: too many declarations in with");
  EXPECT_EQ(parse_error("{{range $a, 1}}{{end}}"), "template: 1:12: range can only initialize variables");
  EXPECT_EQ(parse_error("{{\"\\q\"}}"), "template: 1:2: invalid syntax");
  EXPECT_EQ(parse_error("{{'ab'}}"), "template: 1:2: malformed character constant: 'ab'");
  EXPECT_EQ(parse_error("{{.A.}}"), "template: 1:4: unexpected <.> in operand");
  EXPECT_EQ(parse_error("{{\"x\".A}}"), "template: 1:5: unexpected . after term \"\\\"x\\\"\"");
  EXPECT_EQ(parse_error("{{.A )}}"), "template: 1:5: unexpected right paren");
  EXPECT_EQ(parse_error("{{(.A}}"), "template: 1:5: unclosed left paren");
  EXPECT_EQ(parse_error("{{.A =}}"), "template: 1:5: unexpected \"=\" in operand");
  EXPECT_EQ(parse_error("{{1+2i}}"), "template: 1:2: complex constants are not supported: 1+2i");
  EXPECT_EQ(parse_error("{{define \"x\"}}{{end}}"), "template: 1:2: {{define}} is not supported");
  EXPECT_EQ(parse_error("{{template \"x\"}}"), "template: 1:2: {{template}} is not supported");
  EXPECT_EQ(parse_error("{{3k}}"), "template: 1:2: bad number syntax: \"3k\"");
  EXPECT_EQ(parse_error("{{.A|}}x{{"), "template: 1:10: unclosed action");
}

TEST(TemplateParse, DeepNestingIsRefused) {
  std::string deep = "{{" + std::string(2000, '(') + "1" + std::string(2000, ')') + "}}";
  EXPECT_EQ(parse_error(deep), "template: 1:102: max expression depth exceeded");
  std::string ifs;
  for (int i = 0; i < 2000; ++i) ifs += "{{if 1}}";
  EXPECT_EQ(parse_error(ifs), "template: 1:802: max nesting depth exceeded");
  std::string ok = "{{" + std::string(50, '(') + "1" + std::string(50, ')') + "}}";
  auto t = Template::parse(ok);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t->execute(nullptr), "1");
  std::string nested;
  for (int i = 0; i < 50; ++i) nested += "{{with .}}";
  nested += "{{.}}";
  for (int i = 0; i < 50; ++i) nested += "{{end}}";
  t = Template::parse(nested);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t->execute("x"), "x");
}

TEST(TemplateParse, ErrorContextsPrintNodesAsTemplateText) {
  // Execution errors quote the node they happened at, printed back as template text.
  auto err = [](std::string_view text) {
    auto t = Template::parse(text);
    EXPECT_TRUE(t.has_value()) << text;
    if (!t) return std::string();
    auto out = t->execute(nlohmann::json{{"a", nullptr}});
    return out ? std::string("no error") : out.error().message();
  };
  EXPECT_EQ(err("{{(index . \"a\").B}}"),
            "template: 1:15: executing \"\" at <(index . \"a\").B>: nil pointer evaluating interface {}.B");
  EXPECT_EQ(err("{{$x := .}}{{$x.A.B}}"),
            "template: 1:13: executing \"\" at <$x.A.B>: nil pointer evaluating interface {}.B");
  EXPECT_EQ(err("{{printf \"%s\" (len 1) | printf \"%s\"}}"),
            "template: 1:15: executing \"\" at <len 1>: error calling len: len of type int");
}

}  // namespace
}  // namespace nook::format
