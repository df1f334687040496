#include "lib/format/template_lex.h"

#include <fmt/format.h>

#include "lib/format/text.h"

namespace nook::format::detail {

namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr std::string_view kSpaceChars = " \t\r\n";
constexpr char32_t kEof = 0xFFFFFFFF;

bool is_space(char32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

bool is_alnum(char32_t r) { return r == '_' || text::is_letter(r) || text::is_digit(r); }

bool has_left_trim_marker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && is_space(static_cast<unsigned char>(s[1]));
}

bool has_right_trim_marker(std::string_view s) {
  return s.size() >= 2 && is_space(static_cast<unsigned char>(s[0])) && s[1] == '-';
}

TokenType keyword(std::string_view word) {
  if (word == "block") return TokenType::Block;
  if (word == "break") return TokenType::Break;
  if (word == "continue") return TokenType::Continue;
  if (word == "define") return TokenType::Define;
  if (word == "else") return TokenType::Else;
  if (word == "end") return TokenType::End;
  if (word == "if") return TokenType::If;
  if (word == "range") return TokenType::Range;
  if (word == "nil") return TokenType::Nil;
  if (word == "template") return TokenType::Template;
  if (word == "with") return TokenType::With;
  return TokenType::Error;
}

// A hand-written state machine with the states of Go's lexer, run to completion.
class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  std::vector<Token> run();

 private:
  char32_t next() {
    if (pos_ >= input_.size()) {
      width_ = 0;
      return kEof;
    }
    auto d = text::decode_rune(input_.substr(pos_));
    width_ = d.size;
    pos_ += d.size;
    return d.rune;
  }
  char32_t peek() {
    char32_t r = next();
    backup();
    return r;
  }
  void backup() { pos_ -= width_; }
  std::string_view rest() const { return input_.substr(pos_); }

  void emit(TokenType type) {
    tokens_.push_back(Token{type, start_, std::string(input_.substr(start_, pos_ - start_))});
    start_ = pos_;
  }
  void ignore() { start_ = pos_; }
  bool errorf(std::string message) {
    tokens_.push_back(Token{TokenType::Error, start_, std::move(message)});
    return false;
  }
  bool accept(std::string_view valid) {
    char32_t r = next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    backup();
    return false;
  }
  void accept_run(std::string_view valid) {
    while (accept(valid)) {
    }
  }

  // States; each returns false once an Error or Eof token ended the scan.
  bool lex_text();
  bool lex_left_delim();
  bool lex_comment();
  bool lex_inside_action();
  bool lex_right_delim(bool trim);
  bool lex_space();
  bool lex_identifier();
  bool lex_field_or_variable(TokenType type);
  bool lex_quote(char32_t quote, TokenType type, const char* unterminated);
  bool lex_raw_quote();
  bool lex_number();
  bool scan_number();
  bool at_terminator();
  // Is a right delimiter (possibly with a trim marker) at pos_?
  bool at_right_delim(bool& trim) const;

  std::string_view input_;
  size_t pos_ = 0;
  size_t start_ = 0;
  size_t width_ = 0;
  int paren_depth_ = 0;
  std::vector<Token> tokens_;
};

std::vector<Token> Lexer::run() {
  while (lex_text()) {
  }
  return std::move(tokens_);
}

bool Lexer::lex_text() {
  size_t x = input_.find(kLeftDelim, pos_);
  if (x == std::string_view::npos) {
    pos_ = input_.size();
    if (pos_ > start_) emit(TokenType::Text);
    emit(TokenType::Eof);
    return false;
  }
  // Text before the action, without its trailing spaces when the action starts with "{{- ".
  size_t text_end = x;
  if (has_left_trim_marker(input_.substr(x + kLeftDelim.size()))) {
    std::string_view before = input_.substr(start_, x - start_);
    size_t kept = before.find_last_not_of(kSpaceChars);
    text_end = kept == std::string_view::npos ? start_ : start_ + kept + 1;
  }
  if (text_end > start_) {
    pos_ = text_end;
    emit(TokenType::Text);
  }
  pos_ = x;
  ignore();
  return lex_left_delim();
}

bool Lexer::lex_left_delim() {
  pos_ += kLeftDelim.size();
  bool trim = has_left_trim_marker(rest());
  size_t after_marker = trim ? 2 : 0;
  if (input_.substr(pos_ + after_marker).starts_with(kLeftComment)) {
    pos_ += after_marker;
    ignore();
    return lex_comment();
  }
  emit(TokenType::LeftDelim);
  pos_ += after_marker;
  ignore();
  paren_depth_ = 0;
  while (true) {
    bool trim_right = false;
    if (at_right_delim(trim_right)) {
      if (paren_depth_ == 0) return lex_right_delim(trim_right);
      return errorf("unclosed left paren");
    }
    if (!lex_inside_action()) return false;
  }
}

bool Lexer::lex_comment() {
  pos_ += kLeftComment.size();
  size_t x = input_.find(kRightComment, pos_);
  if (x == std::string_view::npos) return errorf("unclosed comment");
  pos_ = x + kRightComment.size();
  bool trim = false;
  if (!at_right_delim(trim)) return errorf("comment ends before closing delimiter");
  if (trim) pos_ += 2;
  pos_ += kRightDelim.size();
  if (trim) {
    size_t kept = input_.find_first_not_of(kSpaceChars, pos_);
    pos_ = kept == std::string_view::npos ? input_.size() : kept;
  }
  ignore();
  return true;
}

bool Lexer::at_right_delim(bool& trim) const {
  std::string_view r = input_.substr(pos_);
  if (has_right_trim_marker(r) && r.substr(2).starts_with(kRightDelim)) {
    trim = true;
    return true;
  }
  trim = false;
  return r.starts_with(kRightDelim);
}

bool Lexer::lex_right_delim(bool trim) {
  if (trim) {
    pos_ += 2;
    ignore();
  }
  pos_ += kRightDelim.size();
  emit(TokenType::RightDelim);
  if (trim) {
    size_t kept = input_.find_first_not_of(kSpaceChars, pos_);
    pos_ = kept == std::string_view::npos ? input_.size() : kept;
    ignore();
  }
  return true;
}

bool Lexer::lex_inside_action() {
  char32_t r = next();
  if (r == kEof) return errorf("unclosed action");
  if (is_space(r)) {
    backup();  // the space may start " -}}"
    return lex_space();
  }
  switch (r) {
    case '=': emit(TokenType::Assign); return true;
    case ':':
      if (next() != '=') return errorf("expected :=");
      emit(TokenType::Declare);
      return true;
    case '|': emit(TokenType::Pipe); return true;
    case '"': return lex_quote('"', TokenType::String, "unterminated quoted string");
    case '`': return lex_raw_quote();
    case '$':
      if (at_terminator()) {
        emit(TokenType::Variable);
        return true;
      }
      return lex_field_or_variable(TokenType::Variable);
    case '\'': return lex_quote('\'', TokenType::CharConstant, "unterminated character constant");
    case '(':
      ++paren_depth_;
      emit(TokenType::LeftParen);
      return true;
    case ')':
      --paren_depth_;
      if (paren_depth_ < 0) return errorf("unexpected right paren");
      emit(TokenType::RightParen);
      return true;
    default: break;
  }
  if (r == '.') {
    // ".Field" unless a digit follows, which makes a number like ".5".
    if (pos_ < input_.size() && (input_[pos_] < '0' || input_[pos_] > '9')) {
      return lex_field_or_variable(TokenType::Field);
    }
    backup();
    return lex_number();
  }
  if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
    backup();
    return lex_number();
  }
  if (is_alnum(r)) {
    backup();
    return lex_identifier();
  }
  if (r < 0x80 && text::is_print(r)) {
    emit(TokenType::Char);
    return true;
  }
  return errorf("unrecognized character in action: " + text::rune_description(r));
}

bool Lexer::lex_space() {
  size_t spaces = 0;
  while (is_space(peek())) {
    next();
    ++spaces;
  }
  // A trim-marked right delimiter starts with a space: leave that space to it.
  if (has_right_trim_marker(input_.substr(pos_ - 1)) && input_.substr(pos_ + 1).starts_with(kRightDelim)) {
    --pos_;
    if (spaces == 1) return true;  // nothing but the delimiter's own space
  }
  emit(TokenType::Space);
  return true;
}

bool Lexer::lex_identifier() {
  while (true) {
    char32_t r = next();
    if (is_alnum(r)) continue;
    backup();
    std::string_view word = input_.substr(start_, pos_ - start_);
    if (!at_terminator()) return errorf("bad character " + text::rune_description(r));
    TokenType kw = keyword(word);
    if (kw != TokenType::Error) {
      emit(kw);
    } else if (word == "true" || word == "false") {
      emit(TokenType::Bool);
    } else {
      emit(TokenType::Identifier);
    }
    return true;
  }
}

bool Lexer::lex_field_or_variable(TokenType type) {
  if (at_terminator()) {  // "." or "$" alone
    emit(type == TokenType::Variable ? TokenType::Variable : TokenType::Dot);
    return true;
  }
  char32_t r = 0;
  while (true) {
    r = next();
    if (!is_alnum(r)) {
      backup();
      break;
    }
  }
  if (!at_terminator()) return errorf("bad character " + text::rune_description(r));
  emit(type);
  return true;
}

bool Lexer::at_terminator() {
  char32_t r = peek();
  if (is_space(r)) return true;
  switch (r) {
    case kEof:
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(': return true;
    default: break;
  }
  return rest().starts_with(kRightDelim);
}

bool Lexer::lex_quote(char32_t quote, TokenType type, const char* unterminated) {
  while (true) {
    char32_t r = next();
    if (r == '\\') {
      r = next();
      if (r != kEof && r != '\n') continue;
      return errorf(unterminated);
    }
    if (r == kEof || r == '\n') return errorf(unterminated);
    if (r == quote) break;
  }
  emit(type);
  return true;
}

bool Lexer::lex_raw_quote() {
  while (true) {
    char32_t r = next();
    if (r == kEof) return errorf("unterminated raw quoted string");
    if (r == '`') break;
  }
  emit(TokenType::RawString);
  return true;
}

bool Lexer::scan_number() {
  accept("+-");
  std::string_view digits = "0123456789_";
  if (accept("0")) {
    // A leading 0 does not mean octal in floats.
    if (accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    } else if (accept("oO")) {
      digits = "01234567_";
    } else if (accept("bB")) {
      digits = "01_";
    }
  }
  accept_run(digits);
  if (accept(".")) accept_run(digits);
  if (digits.size() == 10 + 1 && accept("eE")) {
    accept("+-");
    accept_run("0123456789_");
  }
  if (digits.size() == 16 + 6 + 1 && accept("pP")) {
    accept("+-");
    accept_run("0123456789_");
  }
  accept("i");  // imaginary
  if (is_alnum(peek())) {
    next();
    return false;
  }
  return true;
}

bool Lexer::lex_number() {
  if (!scan_number()) {
    return errorf(fmt::format("bad number syntax: {}", text::quote(input_.substr(start_, pos_ - start_))));
  }
  char32_t sign = peek();
  if (sign == '+' || sign == '-') {
    // Complex: 1+2i, no spaces, must end in 'i'.
    if (!scan_number() || input_[pos_ - 1] != 'i') {
      return errorf(fmt::format("bad number syntax: {}", text::quote(input_.substr(start_, pos_ - start_))));
    }
    emit(TokenType::Complex);
    return true;
  }
  emit(TokenType::Number);
  return true;
}

}  // namespace

bool is_keyword(TokenType type) { return type >= TokenType::Block; }

std::string describe(const Token& token) {
  if (token.type == TokenType::Eof) return "EOF";
  if (token.type == TokenType::Error) return token.val;
  if (is_keyword(token.type)) return "<" + token.val + ">";
  if (text::rune_count(token.val) > 10) {
    // %.10q...: the first ten runes, quoted.
    std::string_view v = token.val;
    size_t bytes = 0;
    for (int i = 0; i < 10; ++i) bytes += text::decode_rune(v.substr(bytes)).size;
    return text::quote(v.substr(0, bytes)) + "...";
  }
  return text::quote(token.val);
}

std::vector<Token> lex(std::string_view input) { return Lexer(input).run(); }

}  // namespace nook::format::detail
