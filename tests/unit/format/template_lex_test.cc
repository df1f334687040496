#include "lib/format/template_lex.h"

#include <gtest/gtest.h>

namespace nook::format::detail {
namespace {

using T = TokenType;

std::vector<std::pair<T, std::string>> tokens(std::string_view input) {
  std::vector<std::pair<T, std::string>> out;
  for (const auto& t : lex(input)) out.emplace_back(t.type, t.val);
  return out;
}

using Toks = std::vector<std::pair<T, std::string>>;

TEST(TemplateLex, TextAndSimpleAction) {
  EXPECT_EQ(tokens("id: {{.ID}}\n"), Toks({{T::Text, "id: "},
                                           {T::LeftDelim, "{{"},
                                           {T::Field, ".ID"},
                                           {T::RightDelim, "}}"},
                                           {T::Text, "\n"},
                                           {T::Eof, ""}}));
  EXPECT_EQ(tokens(""), Toks({{T::Eof, ""}}));
}

TEST(TemplateLex, FieldChainsVariablesAndPunctuation) {
  EXPECT_EQ(tokens("{{$x := .A.B | printf \"%s\" (len $)}}"),
            Toks({{T::LeftDelim, "{{"},  {T::Variable, "$x"}, {T::Space, " "},           {T::Declare, ":="},
                  {T::Space, " "},       {T::Field, ".A"},    {T::Field, ".B"},          {T::Space, " "},
                  {T::Pipe, "|"},        {T::Space, " "},     {T::Identifier, "printf"}, {T::Space, " "},
                  {T::String, "\"%s\""}, {T::Space, " "},     {T::LeftParen, "("},       {T::Identifier, "len"},
                  {T::Space, " "},       {T::Variable, "$"},  {T::RightParen, ")"},      {T::RightDelim, "}}"},
                  {T::Eof, ""}}));
  EXPECT_EQ(tokens("{{range $i, $e = .}}"), Toks({{T::LeftDelim, "{{"},
                                                  {T::Range, "range"},
                                                  {T::Space, " "},
                                                  {T::Variable, "$i"},
                                                  {T::Char, ","},
                                                  {T::Space, " "},
                                                  {T::Variable, "$e"},
                                                  {T::Space, " "},
                                                  {T::Assign, "="},
                                                  {T::Space, " "},
                                                  {T::Dot, "."},
                                                  {T::RightDelim, "}}"},
                                                  {T::Eof, ""}}));
}

TEST(TemplateLex, ConstantsAndKeywords) {
  EXPECT_EQ(tokens("{{1 -2.5e3 0x1F 'a' `raw` true nil else end if with break continue}}"),
            Toks({{T::LeftDelim, "{{"}, {T::Number, "1"},          {T::Space, " "},       {T::Number, "-2.5e3"},
                  {T::Space, " "},      {T::Number, "0x1F"},       {T::Space, " "},       {T::CharConstant, "'a'"},
                  {T::Space, " "},      {T::RawString, "`raw`"},   {T::Space, " "},       {T::Bool, "true"},
                  {T::Space, " "},      {T::Nil, "nil"},           {T::Space, " "},       {T::Else, "else"},
                  {T::Space, " "},      {T::End, "end"},           {T::Space, " "},       {T::If, "if"},
                  {T::Space, " "},      {T::With, "with"},         {T::Space, " "},       {T::Break, "break"},
                  {T::Space, " "},      {T::Continue, "continue"}, {T::RightDelim, "}}"}, {T::Eof, ""}}));
}

TEST(TemplateLex, TrimMarkersRemoveSurroundingSpace) {
  EXPECT_EQ(tokens("a  \n{{- .X -}}\n\t b"), Toks({{T::Text, "a"},
                                                   {T::LeftDelim, "{{"},
                                                   {T::Field, ".X"},
                                                   {T::RightDelim, "}}"},
                                                   {T::Text, "b"},
                                                   {T::Eof, ""}}));
  // "{{-3}}" is the number -3, not a trim marker.
  EXPECT_EQ(tokens("x {{-3}}"),
            Toks({{T::Text, "x "}, {T::LeftDelim, "{{"}, {T::Number, "-3"}, {T::RightDelim, "}}"}, {T::Eof, ""}}));
  // Any space character may follow or precede the dash.
  EXPECT_EQ(tokens("a {{-\t.X\t-}} b"), Toks({{T::Text, "a"},
                                              {T::LeftDelim, "{{"},
                                              {T::Field, ".X"},
                                              {T::RightDelim, "}}"},
                                              {T::Text, "b"},
                                              {T::Eof, ""}}));
}

TEST(TemplateLex, CommentsAreDropped) {
  EXPECT_EQ(tokens("a{{/* hi */}}b"), Toks({{T::Text, "a"}, {T::Text, "b"}, {T::Eof, ""}}));
  EXPECT_EQ(tokens("a {{- /* hi */ -}} b"), Toks({{T::Text, "a"}, {T::Text, "b"}, {T::Eof, ""}}));
}

TEST(TemplateLex, NewlinesAreSpaceInsideActions) {
  EXPECT_EQ(tokens("{{.A\n.B}}"), Toks({{T::LeftDelim, "{{"},
                                        {T::Field, ".A"},
                                        {T::Space, "\n"},
                                        {T::Field, ".B"},
                                        {T::RightDelim, "}}"},
                                        {T::Eof, ""}}));
}

TEST(TemplateLex, Errors) {
  auto last = [](std::string_view input) { return lex(input).back(); };
  EXPECT_EQ(last("{{.Foo").val, "unclosed action");
  EXPECT_EQ(last("{{.Foo").pos, 6u);
  EXPECT_EQ(last("{{\"abc}}").val, "unterminated quoted string");
  EXPECT_EQ(last("{{`abc}}").val, "unterminated raw quoted string");
  EXPECT_EQ(last("{{'a}}").val, "unterminated character constant");
  EXPECT_EQ(last("{{/* x").val, "unclosed comment");
  EXPECT_EQ(last("{{/* x */ y}}").val, "comment ends before closing delimiter");
  EXPECT_EQ(last("{{(.A}}").val, "unclosed left paren");
  EXPECT_EQ(last("{{.A)}}").val, "unexpected right paren");
  EXPECT_EQ(last("{{: }}").val, "expected :=");
  EXPECT_EQ(last("{{.A#}}").val, "bad character U+0023 '#'");
  EXPECT_EQ(last("{{3k}}").val, "bad number syntax: \"3k\"");
  EXPECT_EQ(last("{{\x01}}").val, "unrecognized character in action: U+0001");
  for (std::string_view input : {"{{.Foo", "{{\"abc}}", "{{3k}}"}) EXPECT_EQ(last(input).type, T::Error);
}

TEST(TemplateLex, DescribeTokensAsGo) {
  EXPECT_EQ(describe(Token{T::Eof, 0, ""}), "EOF");
  EXPECT_EQ(describe(Token{T::If, 0, "if"}), "<if>");
  EXPECT_EQ(describe(Token{T::Char, 0, ","}), "\",\"");
  EXPECT_EQ(describe(Token{T::Text, 0, "0123456789abc"}), "\"0123456789\"...");
}

}  // namespace
}  // namespace nook::format::detail
