// The lexer of Go's text/template (text/template/parse/lex.go), for the default "{{" "}}"
// delimiters: text, actions, trim markers ("{{- " and " -}}", any of space, tab, CR or LF after
// or before the dash), comments ("{{/* */}}", dropped), strings, raw strings, character and number
// constants, fields, variables, keywords. Newlines are allowed inside actions as in Go 1.16+.
//
// Internal to lib/format; the parser is its only user.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nook::format::detail {

enum class TokenType {
  Error,         // val is the message; always the last token
  Bool,          // true, false
  Char,          // printable ASCII character inside an action (',' among others)
  CharConstant,  // 'a'
  Complex,       // 1+2i
  Assign,        // =
  Declare,       // :=
  Eof,
  Field,       // .Name
  Identifier,  // function name
  LeftDelim,   // {{
  LeftParen,
  Number,
  Pipe,
  RawString,   // `text`
  RightDelim,  // }}
  RightParen,
  Space,     // run of spaces inside an action
  String,    // "text"
  Text,      // text outside actions
  Variable,  // $, $x
  // Keywords.
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
};

struct Token {
  TokenType type;
  size_t pos;  // byte offset of the token in the input
  std::string val;
};

bool is_keyword(TokenType type);

// How Go prints a token in "unexpected ..." errors: EOF, <if>, "abc", "0123456789"...
std::string describe(const Token& token);

// Splits input into tokens. The last token is Eof, or Error (whose pos is where the offending item
// started) when the input cannot be lexed.
std::vector<Token> lex(std::string_view input);

}  // namespace nook::format::detail
