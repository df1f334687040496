#include <gtest/gtest.h>

#include "lib/format/template.h"

namespace nook::format {
namespace {

using nlohmann::json;

// The output, or the error message prefixed with "ERROR: ".
std::string run(std::string_view text, const json& data = json::object()) {
  auto t = Template::parse(text);
  if (!t) return "ERROR: " + t.error().message();
  auto out = t->execute(data);
  if (!out) {
    EXPECT_EQ(out.error().kind(), ErrorKind::InvalidArgument);
    return "ERROR: " + out.error().message();
  }
  return *out;
}

const json kInfo = json::parse(R"({
  "host": {"kernel": "6.1.0", "ociRuntime": {"name": "crun"}, "rootless": true, "cpus": 4},
  "ID": "abc", "Names": ["web", "db"], "Empty": "", "Zero": 0, "Nothing": null, "Pi": 3.5, "Three": 3.0,
  "Labels": {"app": "nginx", "tier": "front"}, "NoLabels": {}, "List": [1, 2, 3], "Strings": ["a", "b"]
})");

TEST(TemplateExec, TextAndFields) {
  EXPECT_EQ(run("hello"), "hello");
  EXPECT_EQ(run("{{.ID}}", kInfo), "abc");
  EXPECT_EQ(run("id={{.ID}}!", kInfo), "id=abc!");
  EXPECT_EQ(run("{{.host.kernel}}", kInfo), "6.1.0");
  EXPECT_EQ(run("{{.Pi}} {{.Three}} {{.Zero}}", kInfo), "3.5 3 0");
  EXPECT_EQ(run("{{.Names}} {{.Labels}}", kInfo), "[web db] map[app:nginx tier:front]");
  EXPECT_EQ(run("{{.Nothing}}", kInfo), "<no value>");
  EXPECT_EQ(run("{{.}}", json(42)), "42");
  EXPECT_EQ(run("{{.}}", json(nullptr)), "<no value>");
  EXPECT_EQ(run("{{$}}", json("root")), "root");
  EXPECT_EQ(run("{{.host.rootless}}", kInfo), "true");
}

TEST(TemplateExec, FieldLookupFallsBackToIgnoringCase) {
  // podman's Go field names against the JSON tags of its structs.
  EXPECT_EQ(run("{{.Host.Kernel}}", kInfo), "6.1.0");
  EXPECT_EQ(run("{{.Host.OCIRuntime.Name}}", kInfo), "crun");
  EXPECT_EQ(run("{{.id}}{{.ID}}{{.Id}}", json::parse(R"({"id":"a","ID":"b"})")), "abb");
}

TEST(TemplateExec, MissingFieldIsAnError) {
  EXPECT_EQ(run("{{.Foo}}", kInfo),
            "ERROR: template: 1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type map[string]interface {}");
  EXPECT_EQ(run("x\n  {{.Host.Kernal}}", kInfo),
            "ERROR: template: 2:4: executing \"\" at <.Host.Kernal>: can't evaluate field Kernal in type "
            "map[string]interface {}");
  EXPECT_EQ(run("{{.ID.Short}}", kInfo),
            "ERROR: template: 1:2: executing \"\" at <.ID.Short>: can't evaluate field Short in type string");
  EXPECT_EQ(run("{{.Zero.X}}", kInfo),
            "ERROR: template: 1:2: executing \"\" at <.Zero.X>: can't evaluate field X in type int");
  EXPECT_EQ(run("{{.Nothing.X}}", kInfo),
            "ERROR: template: 1:2: executing \"\" at <.Nothing.X>: nil pointer evaluating interface {}.X");
  EXPECT_EQ(run("{{.List.X}}", kInfo),
            "ERROR: template: 1:2: executing \"\" at <.List.X>: can't evaluate field X in type []interface {}");
  EXPECT_EQ(run("{{.ID 1}}", kInfo),
            "ERROR: template: 1:2: executing \"\" at <.ID>: ID is not a method but has arguments");
}

TEST(TemplateExec, Variables) {
  EXPECT_EQ(run("{{$x := .ID}}{{$x}}", kInfo), "abc");
  EXPECT_EQ(run("{{$x := 1}}{{$x = 2}}{{$x}}"), "2");
  EXPECT_EQ(run("{{$h := .Host}}{{$h.Kernel}}", kInfo), "6.1.0");
  EXPECT_EQ(run("{{with .Host}}{{$.ID}} {{.Kernel}}{{end}}", kInfo), "abc 6.1.0");
  EXPECT_EQ(run("{{with $k := .Host.Kernel}}{{$k}}{{end}}", kInfo), "6.1.0");
  EXPECT_EQ(run("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}} {{$x}}"), "2 1");
  EXPECT_EQ(run("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}"), "2");
}

TEST(TemplateExec, RangeOverArraysAndObjects) {
  EXPECT_EQ(run("{{range .List}}<{{.}}>{{end}}", kInfo), "<1><2><3>");
  EXPECT_EQ(run("{{range $i, $e := .Strings}}{{$i}}={{$e}} {{end}}", kInfo), "0=a 1=b ");
  EXPECT_EQ(run("{{range $e := .Strings}}{{$e}}{{end}}", kInfo), "ab");
  EXPECT_EQ(run("{{range $k, $v := .}}{{$k}}={{$v}};{{end}}", json::parse(R"({"b":2,"a":1,"c":3})")), "a=1;b=2;c=3;");
  EXPECT_EQ(run("{{range .Labels}}{{.}},{{end}}", kInfo), "nginx,front,");
  EXPECT_EQ(run("{{range .List}}{{$.ID}}{{end}}", kInfo), "abcabcabc");
  EXPECT_EQ(run("{{range .NoLabels}}x{{else}}none{{end}}", kInfo), "none");
  EXPECT_EQ(run("{{range .Nothing}}x{{else}}none{{end}}", kInfo), "none");
  EXPECT_EQ(run("{{range .List}}{{else}}none{{end}}", kInfo), "");
  EXPECT_EQ(run("{{range .}}{{.Name}}\n{{end}}", json::parse(R"([{"Name":"a"},{"Name":"b"}])")), "a\nb\n");
  EXPECT_EQ(run("{{$i := 9}}{{$e := 9}}{{range $i, $e = .}}{{end}}{{$i}} {{$e}}", json({5, 6})), "1 6");
}

TEST(TemplateExec, RangeErrors) {
  EXPECT_EQ(run("{{range .}}x{{end}}", json(5)),
            "ERROR: template: 1:8: executing \"\" at <.>: range can't iterate over 5");
  EXPECT_EQ(run("{{range .ID}}x{{end}}", kInfo),
            "ERROR: template: 1:8: executing \"\" at <.ID>: range can't iterate over abc");
}

TEST(TemplateExec, BreakAndContinue) {
  EXPECT_EQ(run("{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}", json({1, 2, 3})), "1");
  EXPECT_EQ(run("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", json({1, 2, 3})), "13");
  EXPECT_EQ(run("{{range .}}{{range .}}{{break}}{{end}}{{.}}{{end}}", json::parse("[[1],[2]]")), "[1][2]");
}

TEST(TemplateExec, IfElseChains) {
  EXPECT_EQ(run("{{if .Host.Rootless}}rootless{{else}}root{{end}}", kInfo), "rootless");
  EXPECT_EQ(run("{{if .Empty}}a{{else if .Zero}}b{{else if .ID}}c{{else}}d{{end}}", kInfo), "c");
  EXPECT_EQ(run("{{if .Empty}}a{{else if .Zero}}b{{end}}", kInfo), "");
  for (const char* falsy : {"false", "0", "0.0", "null", "\"\"", "[]", "{}"}) {
    EXPECT_EQ(run("{{if .}}T{{else}}F{{end}}", json::parse(falsy)), "F") << falsy;
  }
  for (const char* truthy : {"true", "1", "0.1", "\"0\"", "[0]", "{\"a\":0}"}) {
    EXPECT_EQ(run("{{if .}}T{{else}}F{{end}}", json::parse(truthy)), "T") << truthy;
  }
}

TEST(TemplateExec, WithElseAndNesting) {
  EXPECT_EQ(run("{{with .Host}}{{if .Rootless}}rootless{{else}}root{{end}} on {{.Kernel}}{{end}}", kInfo),
            "rootless on 6.1.0");
  EXPECT_EQ(run("{{with .Empty}}{{.}}{{else}}none{{end}}", kInfo), "none");
  EXPECT_EQ(run("{{with .Empty}}a{{else with .ID}}{{.}}{{end}}", kInfo), "abc");
  EXPECT_EQ(run("{{with .Labels}}{{range $k, $v := .}}{{with $v}}{{$k}}:{{.}} {{end}}{{end}}{{end}}", kInfo),
            "app:nginx tier:front ");
}

TEST(TemplateExec, TrimMarkersAndComments) {
  EXPECT_EQ(run("a  {{- .ID -}}  b", kInfo), "aabcb");
  EXPECT_EQ(run("{{range .List -}}\n  {{.}}\n{{- end}}", kInfo), "123");
  EXPECT_EQ(run("a {{/* a comment */}} b"), "a  b");
  EXPECT_EQ(run("a {{- /* trimmed */ -}} b"), "ab");
}

TEST(TemplateExec, Literals) {
  EXPECT_EQ(run("{{\"\\n\"}}"), "\n");
  EXPECT_EQ(run("{{\"a\\tb\\\\\\\"\\u00e9\\x41\"}}"), "a\tb\\\"éA");
  EXPECT_EQ(run("{{`a\\nb`}}"), "a\\nb");
  EXPECT_EQ(run("{{1.5}} {{3}} {{1e3}} {{0x10}} {{'a'}} {{-7}} {{1_000}} {{0o17}} {{0b101}}"),
            "1.5 3 1000 16 97 -7 1000 15 5");
  EXPECT_EQ(run("{{true}} {{false}}"), "true false");
  EXPECT_EQ(run("{{printf \"%v\" nil}}"), "<nil>");
  EXPECT_EQ(run("{{99999999999999999999}}"), "ERROR: template: 1:2: integer overflow: \"99999999999999999999\"");
}

TEST(TemplateExec, PipelinesAndParentheses) {
  EXPECT_EQ(run("{{.ID | printf \"%s!\"}}", kInfo), "abc!");
  EXPECT_EQ(run("{{\"a\" | printf \"%s-%s\" \"b\"}}"), "b-a");
  EXPECT_EQ(run("{{.ID | upper | printf \"<%s>\"}}", kInfo), "<ABC>");
  EXPECT_EQ(run("{{(index .Labels \"app\")}}", kInfo), "nginx");
  EXPECT_EQ(run("{{printf \"%s/%s\" (index .Labels \"app\") (index .Labels \"tier\")}}", kInfo), "nginx/front");
  EXPECT_EQ(run("{{(index . 1).Name}}", json::parse(R"([{"Name":"a"},{"Name":"b"}])")), "b");
  EXPECT_EQ(run("{{$l := .Labels}}{{len $l}}", kInfo), "2");
}

TEST(TemplateExec, LogicFunctions) {
  EXPECT_EQ(run("{{and 1 0}} {{and 1 2}} {{and .ID .Empty}}|", kInfo), "0 2 |");
  EXPECT_EQ(run("{{or 0 \"\" \"x\"}} {{or 0 \"\"}}|"), "x |");
  EXPECT_EQ(run("{{not 0}} {{not .ID}}", kInfo), "true false");
  EXPECT_EQ(run("{{if and .Host.Rootless (gt .Host.Cpus 2)}}yes{{end}}", kInfo), "yes");
  // and/or stop at the deciding argument: the missing field is never evaluated.
  EXPECT_EQ(run("{{or .ID .Missing}}", kInfo), "abc");
  EXPECT_EQ(run("{{and .Empty .Missing}}|", kInfo), "|");
}

TEST(TemplateExec, Comparisons) {
  EXPECT_EQ(run("{{eq .ID \"abc\"}} {{eq 2 1 2}} {{eq 2 1 3}} {{ne 1 2}}", kInfo), "true true false true");
  EXPECT_EQ(run("{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 2 2}} {{lt \"a\" \"b\"}}"), "true true false true true");
  EXPECT_EQ(run("{{eq .Pi 3.5}} {{eq .Host.Cpus 4}} {{eq .Three 3}}", kInfo), "true true true");
  EXPECT_EQ(run("{{eq .ID 1}}", kInfo),
            "ERROR: template: 1:2: executing \"\" at <eq .ID 1>: error calling eq: incompatible types for comparison");
  EXPECT_EQ(run("{{lt true false}}"),
            "ERROR: template: 1:2: executing \"\" at <lt true false>: error calling lt: invalid type for comparison");
  EXPECT_EQ(run("{{eq 1}}"),
            "ERROR: template: 1:2: executing \"\" at <eq 1>: error calling eq: missing argument for comparison");
}

TEST(TemplateExec, LenIndexSlice) {
  EXPECT_EQ(run("{{len .List}} {{len .Labels}} {{len .ID}} {{len \"日本\"}}", kInfo), "3 2 3 6");
  EXPECT_EQ(run("{{len 3}}"), "ERROR: template: 1:2: executing \"\" at <len 3>: error calling len: len of type int");
  EXPECT_EQ(run("{{index .List 0}} {{index .Labels \"app\"}}", kInfo), "1 nginx");
  EXPECT_EQ(run("{{index . \"a\" 1 \"b\"}}", json::parse(R"({"a":[0,{"b":"deep"}]})")), "deep");
  EXPECT_EQ(run("{{index .Labels \"missing\"}}|{{index .NoLabels \"x\"}}|{{index .Nothing \"x\"}}|", kInfo), "|||");
  EXPECT_EQ(run("{{index . \"missing\"}}", json::parse(R"({"a":1,"b":"x"})")), "<no value>");
  EXPECT_EQ(run("{{index .ID 0}}", kInfo), "97");
  EXPECT_EQ(run("{{index .List 5}}", kInfo),
            "ERROR: template: 1:2: executing \"\" at <index .List 5>: error calling index: index out of range: 5");
  EXPECT_EQ(
      run("{{index .Zero 1}}", kInfo),
      "ERROR: template: 1:2: executing \"\" at <index .Zero 1>: error calling index: can't index item of type int");
  EXPECT_EQ(run("{{slice \"abcdef\" 1 3}} {{slice .List 1}} {{slice .List}} {{slice .List 0 1}}", kInfo),
            "bc [2 3] [1 2 3] [1]");
  EXPECT_EQ(
      run("{{slice .List 2 1}}", kInfo),
      "ERROR: template: 1:2: executing \"\" at <slice .List 2 1>: error calling slice: invalid slice index: 2 > 1");
}

TEST(TemplateExec, PrintFunctions) {
  EXPECT_EQ(run("{{printf \"%-8s|%5d|%.2f|%q|%x|%t|%v\" .ID .Zero .Pi .ID 255 true .List}}", kInfo),
            "abc     |    0|3.50|\"abc\"|ff|true|[1 2 3]");
  EXPECT_EQ(run("{{printf \"%d\" .ID}}", kInfo), "%!d(string=abc)");
  EXPECT_EQ(run("{{printf \"%s %s\" .ID}}", kInfo), "abc %!s(MISSING)");
  EXPECT_EQ(run("{{print 1 2 \"a\" \"b\" 3}}"), "1 2ab3");
  EXPECT_EQ(run("{{println .ID 1}}", kInfo), "abc 1\n");
  EXPECT_EQ(run("{{printf \"%v\" .Labels}}", kInfo), "map[app:nginx tier:front]");
  EXPECT_EQ(run("{{html \"<a&'b'>\"}} {{urlquery \"a b&c=d/é\"}}"), "&lt;a&amp;&#39;b&#39;&gt; a+b%26c%3Dd%2F%C3%A9");
}

TEST(TemplateExec, PodmanFunctions) {
  EXPECT_EQ(run("{{json .Labels}}", kInfo), R"({"app":"nginx","tier":"front"})");
  EXPECT_EQ(run("{{json .}}", json::parse(R"({"a":1,"b":"<x>","c":[1.5,null]})")),
            R"({"a":1,"b":"<x>","c":[1.5,null]})");
  EXPECT_EQ(run("{{json .Strings}}", kInfo), R"(["a","b"])");
  EXPECT_EQ(run("{{lower \"MiXeD\"}} {{upper .ID}} {{title \"up 2 days ago\"}}", kInfo), "mixed ABC Up 2 Days Ago");
  EXPECT_EQ(run("{{truncate \"abcdef\" 3}} {{truncate \"ab\" 3}} {{truncate .ID 3}}", kInfo), "abc ab abc");
  EXPECT_EQ(run("[{{pad \"x\" 2 1}}] [{{pad \"\" 2 1}}]"), "[  x ] []");
  EXPECT_EQ(run("{{split \"a,b,c\" \",\"}} {{index (split \"a:b\" \":\") 1}} {{len (split \"\" \",\")}}"),
            "[a b c] b 1");
  EXPECT_EQ(run("{{join .Strings \", \"}}|{{join .Nothing \",\"}}|", kInfo), "a, b||");
  EXPECT_EQ(run("{{join (split \"a b\" \" \") \"+\"}}"), "a+b");
  // The piped value is the last argument: truncate 2 .ID.
  EXPECT_EQ(run("{{.ID | truncate 2}}", kInfo),
            "ERROR: template: 1:17: executing \"\" at <2>: expected string; found 2");
}

TEST(TemplateExec, ArgumentErrors) {
  EXPECT_EQ(run("{{truncate \"a\"}}"),
            "ERROR: template: 1:2: executing \"\" at <truncate>: wrong number of args for truncate: want 2 got 1");
  EXPECT_EQ(run("{{printf}}"),
            "ERROR: template: 1:2: executing \"\" at <printf>: wrong number of args for printf: want at least 1 got 0");
  EXPECT_EQ(run("{{lower 3}}"), "ERROR: template: 1:8: executing \"\" at <3>: expected string; found 3");
  EXPECT_EQ(run("{{truncate \"a\" \"b\"}}"),
            "ERROR: template: 1:15: executing \"\" at <\"b\">: expected integer; found \"b\"");
  EXPECT_EQ(run("{{lower .Zero}}", kInfo),
            "ERROR: template: 1:8: executing \"\" at <.Zero>: wrong type for value; expected string; got int");
  EXPECT_EQ(
      run("{{join .List \",\"}}", kInfo),
      "ERROR: template: 1:7: executing \"\" at <.List>: wrong type for value; expected []string; got []interface {}");
  EXPECT_EQ(run("{{truncate .ID .Pi}}", kInfo),
            "ERROR: template: 1:15: executing \"\" at <.Pi>: wrong type for value; expected int; got float64");
  EXPECT_EQ(run("{{lower nil}}"), "ERROR: template: 1:8: executing \"\" at <nil>: cannot assign nil to string");
  EXPECT_EQ(run("{{1 2}}"), "ERROR: template: 1:2: executing \"\" at <1>: can't give argument to non-function 1");
  EXPECT_EQ(run("{{nil}}"), "ERROR: template: 1:2: executing \"\" at <nil>: nil is not a command");
  EXPECT_EQ(run("{{. | .ID}}", kInfo),
            "ERROR: template: 1:6: executing \"\" at <.ID>: ID is not a method but has arguments");
}

TEST(TemplateExec, TemplateIsReusableAcrossRows) {
  auto t = Template::parse("{{.Name}}:{{len .Tags}};");
  ASSERT_TRUE(t.has_value());
  std::string out;
  for (int i = 0; i < 1000; ++i) {
    json row = {{"Name", "n" + std::to_string(i)}, {"Tags", json::array({i})}};
    out += *t->execute(row);
  }
  EXPECT_TRUE(out.starts_with("n0:1;n1:1;"));
  EXPECT_TRUE(out.ends_with("n999:1;"));
  Template copy = *t;
  EXPECT_EQ(*copy.execute(json{{"Name", "x"}, {"Tags", json::array()}}), "x:0;");
  EXPECT_EQ(copy.text(), "{{.Name}}:{{len .Tags}};");
}

TEST(TemplateExec, HeaderMode) {
  auto header = [](std::string_view text, const std::map<std::string, std::string>& overrides = {}) {
    auto t = Template::parse(text);
    if (!t) return "ERROR: " + t.error().message();
    auto out = t->execute_header(overrides);
    if (!out) return "ERROR: " + out.error().message();
    return *out;
  };
  EXPECT_EQ(header("{{.ID}}\t{{.Names}}\t{{.CreatedAt}}\n"), "ID\tNAMES\tCREATED AT\n");
  EXPECT_EQ(header("{{.ID}}\t{{.RunningFor}}", {{"ID", "container id"}}), "CONTAINER ID\tRUNNING FOR");
  EXPECT_EQ(header("{{.State.Status}} {{$.Host.OCIRuntime}}"), "STATUS OCI RUNTIME");
  EXPECT_EQ(header("{{.State.Status}}", {{"State.Status", "state"}, {"Status", "other"}}), "STATE");
  EXPECT_EQ(header("{{index .Labels \"app\"}} {{json .Labels}} {{join .Names \",\"}} {{upper .Image}}"),
            "LABELS LABELS NAMES IMAGE");
  EXPECT_EQ(header("{{range .Mounts}}{{.Source}}{{end}}"), "SOURCE");
  EXPECT_EQ(header("{{truncate .ID 12}} {{if .Pod}}{{.Pod}}{{end}}"), "ID POD");
  EXPECT_EQ(header("[{{.}}]"), "[]");
}

}  // namespace
}  // namespace nook::format
