// Template::parse: a recursive-descent parser over the lexer's tokens with the grammar, checks
// and error messages of Go's text/template/parse/parse.go.

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "lib/format/funcs.h"
#include "lib/format/template.h"
#include "lib/format/template_ast.h"
#include "lib/format/template_lex.h"
#include "lib/format/text.h"

namespace nook::format {

namespace detail {

namespace {

// Parenthesized pipelines and control structures recurse through several parser (and later
// executor) frames per level; sanitizer builds use kilobytes per frame. Go allows 10000 levels of
// parentheses and unlimited control nesting; formats never need more than a handful.
constexpr int kMaxNesting = 100;

// ---- constants -------------------------------------------------------------------------------

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One character decoded by strconv.UnquoteChar: a rune to encode in UTF-8, or a single byte
// (\x and octal escapes).
struct QuotedChar {
  uint32_t value = 0;
  bool multibyte = false;
};

// strconv.UnquoteChar: decodes the (possibly escaped) character at the start of s and drops it
// from s. False on a syntax error.
bool unquote_char(std::string_view& s, char quote, QuotedChar& out) {
  auto c = static_cast<unsigned char>(s[0]);
  if (c == static_cast<unsigned char>(quote)) return false;
  if (c >= 0x80) {
    auto d = text::decode_rune(s);
    out = {d.rune, true};
    s.remove_prefix(d.size);
    return true;
  }
  if (c != '\\') {
    out = {c, false};
    s.remove_prefix(1);
    return true;
  }
  if (s.size() <= 1) return false;
  char e = s[1];
  s.remove_prefix(2);
  switch (e) {
    case 'a': out = {'\a', false}; return true;
    case 'b': out = {'\b', false}; return true;
    case 'f': out = {'\f', false}; return true;
    case 'n': out = {'\n', false}; return true;
    case 'r': out = {'\r', false}; return true;
    case 't': out = {'\t', false}; return true;
    case 'v': out = {'\v', false}; return true;
    case '\\': out = {'\\', false}; return true;
    case '\'':
    case '"':
      if (e != quote) return false;
      out = {static_cast<uint32_t>(e), false};
      return true;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
      if (s.size() < n) return false;
      uint32_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        int d = hex_digit(s[i]);
        if (d < 0) return false;
        v = (v << 4) | static_cast<uint32_t>(d);
      }
      s.remove_prefix(n);
      if (e == 'x') {
        out = {v, false};
        return true;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
      out = {v, true};
      return true;
    }
    default: {
      if (e < '0' || e > '7' || s.size() < 2) return false;
      auto v = static_cast<uint32_t>(e - '0');
      for (size_t i = 0; i < 2; ++i) {
        if (s[i] < '0' || s[i] > '7') return false;
        v = v * 8 + static_cast<uint32_t>(s[i] - '0');
      }
      if (v > 255) return false;
      s.remove_prefix(2);
      out = {v, false};
      return true;
    }
  }
}

// strconv.Unquote for "..." and `...` literals.
bool unquote(std::string_view literal, std::string& out) {
  if (literal.size() < 2) return false;
  char quote = literal.front();
  if (literal.back() != quote) return false;
  std::string_view body = literal.substr(1, literal.size() - 2);
  if (quote == '`') {
    if (body.find('`') != std::string_view::npos) return false;
    for (char c : body) {
      if (c != '\r') out += c;  // raw strings drop carriage returns
    }
    return true;
  }
  if (body.find('\n') != std::string_view::npos) return false;
  while (!body.empty()) {
    QuotedChar qc;
    if (!unquote_char(body, quote, qc)) return false;
    if (qc.multibyte) {
      text::append_rune(out, qc.value);
    } else {
      out += static_cast<char>(qc.value);
    }
  }
  return true;
}

// strconv's underscoreOK: '_' only between digits, or right after a base prefix.
bool underscores_ok(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'b' || p == 'o' || p == 'x') {
      i = 2;
      saw = '0';
      hex = p == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    char l = static_cast<char>(c | 0x20);
    if ((c >= '0' && c <= '9') || (hex && l >= 'a' && l <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// strconv.ParseUint(s, 0, 64): 0x, 0o, 0b prefixes, a leading 0 for octal, '_' separators.
bool parse_go_uint(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  if (s.find('_') != std::string_view::npos && !underscores_ok(s)) return false;
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  std::string_view d = digits;
  unsigned base = 10;
  if (d.size() >= 2 && d[0] == '0') {
    char p = static_cast<char>(d[1] | 0x20);
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : (p == 'o' ? 8 : 2);
      d.remove_prefix(2);
    } else {
      base = 8;
      d.remove_prefix(1);
    }
  }
  if (d.empty()) return false;
  uint64_t v = 0;
  for (char c : d) {
    int x = hex_digit(c);
    if (x < 0 || static_cast<unsigned>(x) >= base) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - static_cast<unsigned>(x)) / base) return false;
    v = v * base + static_cast<unsigned>(x);
  }
  out = v;
  return true;
}

bool parse_go_int(std::string_view s, int64_t& out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t u = 0;
  if (!parse_go_uint(s, u)) return false;
  if (negative) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return false;
    out = u == static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1 ? std::numeric_limits<int64_t>::min()
                                                                              : -static_cast<int64_t>(u);
    return true;
  }
  if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  out = static_cast<int64_t>(u);
  return true;
}

bool parse_go_float(std::string_view s, double& out) {
  std::string clean;
  for (char c : s) {
    if (c != '_') clean += c;
  }
  std::string_view v = clean;
  bool negative = false;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    negative = v[0] == '-';
    v.remove_prefix(1);
  }
  auto format = std::chars_format::general;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    format = std::chars_format::hex;
    v.remove_prefix(2);
  }
  if (v.empty()) return false;
  double d = 0;
  auto res = std::from_chars(v.data(), v.data() + v.size(), d, format);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size()) return false;
  out = negative ? -d : d;
  return true;
}

// ---- the parser ------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), tokens_(lex(text)) { vars_.emplace_back("$"); }

  Result<std::unique_ptr<ListNode>> parse();

 private:
  using NodeResult = Result<NodePtr>;

  const Token& at(size_t i) const { return tokens_[std::min(i, tokens_.size() - 1)]; }
  const Token& next() {
    const Token& t = at(index_);
    ++index_;
    fetched_ = std::max(fetched_, index_);
    return t;
  }
  void backup() { --index_; }
  const Token& peek() {
    fetched_ = std::max(fetched_, index_ + 1);
    return at(index_);
  }
  const Token& next_non_space() {
    while (true) {
      const Token& t = next();
      if (t.type != TokenType::Space) return t;
    }
  }
  const Token& peek_non_space() {
    const Token& t = next_non_space();
    backup();
    return t;
  }

  // Errors about a token are reported at that token; others at the most recently read token, as
  // Go does (Go reports the line only).
  std::unexpected<Error> errorf_at(size_t pos, std::string_view message) const {
    return fail(ErrorKind::InvalidArgument, fmt::format("template: {}: {}", location(text_, pos), message));
  }
  std::unexpected<Error> errorf(std::string_view message) const {
    return errorf_at(at(fetched_ == 0 ? 0 : fetched_ - 1).pos, message);
  }
  std::unexpected<Error> unexpected(const Token& t, std::string_view context) const {
    if (t.type == TokenType::Error) return errorf_at(t.pos, t.val);
    return errorf_at(t.pos, fmt::format("unexpected {} in {}", describe(t), context));
  }
  Result<const Token*> expect(TokenType type, std::string_view context) {
    const Token& t = next_non_space();
    if (t.type != type) return unexpected(t, context);
    return &t;
  }

  NodeResult text_or_action();
  NodeResult action();
  NodeResult break_or_continue(NodeType type, size_t pos);
  NodeResult branch_control(NodeType type);
  NodeResult branch_body(NodeType type);
  NodeResult else_control();
  NodeResult end_control();
  Result<std::pair<std::unique_ptr<ListNode>, NodePtr>> item_list();
  Result<std::unique_ptr<PipeNode>> pipeline(std::string_view context, TokenType end);
  Result<void> check_pipeline(const PipeNode& pipe, std::string_view context);
  Result<std::unique_ptr<CommandNode>> command();
  NodeResult operand();
  NodeResult term();
  NodeResult number(const Token& t);
  NodeResult use_var(size_t pos, const std::string& name);

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t index_ = 0;               // next token to read
  size_t fetched_ = 0;             // tokens read so far (the furthest index + 1)
  std::vector<std::string> vars_;  // variables in scope
  int range_depth_ = 0;
  int nesting_ = 0;  // parentheses and control structures we are inside
};

Result<std::unique_ptr<ListNode>> Parser::parse() {
  auto root = std::make_unique<ListNode>(peek().pos);
  while (peek().type != TokenType::Eof) {
    if (peek().type == TokenType::LeftDelim) {
      size_t delim = index_;
      next();
      const Token& t = next_non_space();
      if (t.type == TokenType::Define) return errorf_at(t.pos, "{{define}} is not supported");
      index_ = delim;
    }
    auto n = NOOK_TRY(text_or_action());
    if (n->type == NodeType::End || n->type == NodeType::Else) return errorf("unexpected " + n->string());
    root->nodes.push_back(std::move(n));
  }
  return root;
}

Parser::NodeResult Parser::text_or_action() {
  const Token& t = next_non_space();
  switch (t.type) {
    case TokenType::Text: return std::make_unique<TextNode>(t.pos, t.val);
    case TokenType::LeftDelim: return action();
    default: return unexpected(t, "input");
  }
}

Parser::NodeResult Parser::action() {
  const Token& t = next_non_space();
  switch (t.type) {
    case TokenType::Block:
    case TokenType::Define:
    case TokenType::Template: return errorf_at(t.pos, fmt::format("{{{{{}}}}} is not supported", t.val));
    case TokenType::Break: return break_or_continue(NodeType::Break, t.pos);
    case TokenType::Continue: return break_or_continue(NodeType::Continue, t.pos);
    case TokenType::Else: return else_control();
    case TokenType::End: return end_control();
    case TokenType::If: return branch_control(NodeType::If);
    case TokenType::Range: return branch_control(NodeType::Range);
    case TokenType::With: return branch_control(NodeType::With);
    default: break;
  }
  backup();
  size_t pos = peek().pos;
  auto pipe = NOOK_TRY(pipeline("command", TokenType::RightDelim));
  return std::make_unique<ActionNode>(pos, std::move(pipe));
}

Parser::NodeResult Parser::break_or_continue(NodeType type, size_t pos) {
  std::string_view name = type == NodeType::Break ? "{{break}}" : "{{continue}}";
  const Token& t = next_non_space();
  if (t.type != TokenType::RightDelim) return unexpected(t, name);
  if (range_depth_ == 0) return errorf(fmt::format("{} outside {{{{range}}}}", name));
  return std::make_unique<KeywordNode>(type, pos);
}

Parser::NodeResult Parser::end_control() {
  const Token* t = NOOK_TRY(expect(TokenType::RightDelim, "end"));
  return std::make_unique<KeywordNode>(NodeType::End, t->pos);
}

Parser::NodeResult Parser::else_control() {
  // "{{else if ...}}" and "{{else with ...}}" leave the if/with for the enclosing control.
  const Token& p = peek_non_space();
  if (p.type == TokenType::If || p.type == TokenType::With) return std::make_unique<KeywordNode>(NodeType::Else, p.pos);
  const Token* t = NOOK_TRY(expect(TokenType::RightDelim, "else"));
  return std::make_unique<KeywordNode>(NodeType::Else, t->pos);
}

Parser::NodeResult Parser::branch_control(NodeType type) {
  if (nesting_ >= kMaxNesting) return errorf("max nesting depth exceeded");
  ++nesting_;
  auto node = branch_body(type);
  --nesting_;
  return node;
}

Parser::NodeResult Parser::branch_body(NodeType type) {
  std::string_view context = type == NodeType::If ? "if" : (type == NodeType::Range ? "range" : "with");
  size_t saved_vars = vars_.size();
  auto node = std::make_unique<BranchNode>(type, 0);
  node->pipe = NOOK_TRY(pipeline(context, TokenType::RightDelim));
  node->pos = node->pipe->pos;
  if (type == NodeType::Range) ++range_depth_;
  auto [list, next_node] = NOOK_TRY(item_list());
  if (type == NodeType::Range) --range_depth_;
  node->list = std::move(list);
  if (next_node->type == NodeType::Else) {
    if ((type == NodeType::If && peek().type == TokenType::If) ||
        (type == NodeType::With && peek().type == TokenType::With)) {
      // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}.
      next();
      node->else_list = std::make_unique<ListNode>(next_node->pos);
      node->else_list->nodes.push_back(NOOK_TRY(branch_control(type)));
    } else {
      auto [else_list, end_node] = NOOK_TRY(item_list());
      if (end_node->type != NodeType::End) return errorf("expected end; found " + end_node->string());
      node->else_list = std::move(else_list);
    }
  }
  vars_.resize(saved_vars);
  return node;
}

Result<std::pair<std::unique_ptr<ListNode>, NodePtr>> Parser::item_list() {
  auto list = std::make_unique<ListNode>(peek_non_space().pos);
  while (peek_non_space().type != TokenType::Eof) {
    auto n = NOOK_TRY(text_or_action());
    if (n->type == NodeType::End || n->type == NodeType::Else) {
      return std::pair<std::unique_ptr<ListNode>, NodePtr>(std::move(list), std::move(n));
    }
    list->nodes.push_back(std::move(n));
  }
  return errorf("unexpected EOF");
}

Result<std::unique_ptr<PipeNode>> Parser::pipeline(std::string_view context, TokenType end) {
  auto pipe = std::make_unique<PipeNode>(peek_non_space().pos);
  // Declarations: "$x :=", "$x =", and for range "$i, $e :=".
  while (peek_non_space().type == TokenType::Variable) {
    size_t var_index = index_;
    const Token& v = next();
    const Token& after = peek_non_space();
    if (after.type == TokenType::Assign || after.type == TokenType::Declare) {
      pipe->is_assign = after.type == TokenType::Assign;
      next_non_space();
      pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, std::vector<std::string>{v.val}));
      vars_.push_back(v.val);
      break;
    }
    if (after.type == TokenType::Char && after.val == ",") {
      next_non_space();
      pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, std::vector<std::string>{v.val}));
      vars_.push_back(v.val);
      if (context == "range" && pipe->decl.size() < 2) {
        TokenType following = peek_non_space().type;
        if (following == TokenType::Variable || following == TokenType::RightDelim ||
            following == TokenType::RightParen) {
          continue;  // the second variable of a range
        }
        return errorf("range can only initialize variables");
      }
      return errorf(fmt::format("too many declarations in {}", context));
    }
    index_ = var_index;  // an operand, not a declaration
    break;
  }
  while (true) {
    const Token& t = next_non_space();
    if (t.type == end) {
      NOOK_TRY_VOID(check_pipeline(*pipe, context));
      return pipe;
    }
    switch (t.type) {
      case TokenType::Bool:
      case TokenType::CharConstant:
      case TokenType::Complex:
      case TokenType::Dot:
      case TokenType::Field:
      case TokenType::Identifier:
      case TokenType::Number:
      case TokenType::Nil:
      case TokenType::RawString:
      case TokenType::String:
      case TokenType::Variable:
      case TokenType::LeftParen:
        backup();
        pipe->cmds.push_back(NOOK_TRY(command()));
        break;
      default: return unexpected(t, context);
    }
  }
}

Result<void> Parser::check_pipeline(const PipeNode& pipe, std::string_view context) {
  if (pipe.cmds.empty()) return errorf(fmt::format("missing value for {}", context));
  // Only the first command of a pipeline may start with a non-executable operand.
  for (size_t i = 1; i < pipe.cmds.size(); ++i) {
    switch (pipe.cmds[i]->args[0]->type) {
      case NodeType::Bool:
      case NodeType::Dot:
      case NodeType::Nil:
      case NodeType::Number:
      case NodeType::String: return errorf(fmt::format("non executable command in pipeline stage {}", i + 1));
      default: break;
    }
  }
  return {};
}

Result<std::unique_ptr<CommandNode>> Parser::command() {
  auto cmd = std::make_unique<CommandNode>(peek_non_space().pos);
  while (true) {
    peek_non_space();  // skip leading spaces
    auto op = NOOK_TRY(operand());
    if (op) cmd->args.push_back(std::move(op));
    const Token& t = next();
    if (t.type == TokenType::Space) continue;
    if (t.type == TokenType::RightDelim || t.type == TokenType::RightParen) {
      backup();
    } else if (t.type != TokenType::Pipe) {
      return unexpected(t, "operand");
    }
    break;
  }
  if (cmd->args.empty()) return errorf("empty command");
  return cmd;
}

Parser::NodeResult Parser::operand() {
  auto node = NOOK_TRY(term());
  if (!node || peek().type != TokenType::Field) return node;
  auto chain = std::make_unique<ChainNode>(peek().pos, nullptr);
  while (peek().type == TokenType::Field) chain->field.push_back(next().val.substr(1));
  switch (node->type) {
    case NodeType::Field: {
      // .A.B is one field node, as in Go.
      auto* field = static_cast<FieldNode*>(node.get());
      for (auto& f : chain->field) field->ident.push_back(std::move(f));
      return node;
    }
    case NodeType::Variable: {
      auto* var = static_cast<VariableNode*>(node.get());
      for (auto& f : chain->field) var->ident.push_back(std::move(f));
      return node;
    }
    case NodeType::Bool:
    case NodeType::String:
    case NodeType::Number:
    case NodeType::Nil:
    case NodeType::Dot:
      return errorf_at(chain->pos, fmt::format("unexpected . after term {}", text::quote(node->string())));
    default: chain->node = std::move(node); return chain;
  }
}

Parser::NodeResult Parser::term() {
  const Token& t = next_non_space();
  switch (t.type) {
    case TokenType::Identifier: {
      const Builtin* fn = find_builtin(t.val);
      if (fn == nullptr) return errorf_at(t.pos, fmt::format("function {} not defined", text::quote(t.val)));
      return std::make_unique<IdentifierNode>(t.pos, t.val, fn);
    }
    case TokenType::Dot: return std::make_unique<DotNode>(t.pos);
    case TokenType::Nil: return std::make_unique<NilNode>(t.pos);
    case TokenType::Variable: return use_var(t.pos, t.val);
    case TokenType::Field: return std::make_unique<FieldNode>(t.pos, std::vector<std::string>{t.val.substr(1)});
    case TokenType::Bool: return std::make_unique<BoolNode>(t.pos, t.val == "true");
    case TokenType::CharConstant:
    case TokenType::Complex:
    case TokenType::Number: return number(t);
    case TokenType::LeftParen: {
      if (nesting_ >= kMaxNesting) return errorf_at(t.pos, "max expression depth exceeded");
      ++nesting_;
      auto pipe = pipeline("parenthesized pipeline", TokenType::RightParen);
      --nesting_;
      if (!pipe) return std::unexpected(pipe.error());
      return NodePtr(std::move(*pipe));
    }
    case TokenType::String:
    case TokenType::RawString: {
      std::string value;
      if (!unquote(t.val, value)) return errorf_at(t.pos, "invalid syntax");
      return std::make_unique<StringNode>(t.pos, t.val, std::move(value));
    }
    default: backup(); return NodePtr();
  }
}

Parser::NodeResult Parser::use_var(size_t pos, const std::string& name) {
  if (std::find(vars_.begin(), vars_.end(), name) == vars_.end()) {
    return errorf_at(pos, fmt::format("undefined variable {}", text::quote(name)));
  }
  return std::make_unique<VariableNode>(pos, std::vector<std::string>{name});
}

Parser::NodeResult Parser::number(const Token& t) {
  auto n = std::make_unique<NumberNode>(t.pos, t.val);
  const std::string& s = t.val;
  if (t.type == TokenType::CharConstant) {
    std::string_view body = std::string_view(s).substr(1);
    QuotedChar qc;
    if (body.empty() || !unquote_char(body, '\'', qc)) return errorf_at(t.pos, "invalid syntax");
    if (body != "'") return errorf_at(t.pos, fmt::format("malformed character constant: {}", s));
    n->is_int = n->is_uint = n->is_float = true;
    n->int_value = qc.value;
    n->uint_value = qc.value;
    n->float_value = qc.value;
    return NodePtr(std::move(n));
  }
  if (t.type == TokenType::Complex || (!s.empty() && s.back() == 'i')) {
    return errorf_at(t.pos, fmt::format("complex constants are not supported: {}", s));
  }
  uint64_t u = 0;
  if (s[0] != '-' && s[0] != '+' && parse_go_uint(s, u)) {
    n->is_uint = true;
    n->uint_value = u;
  }
  int64_t i = 0;
  if (parse_go_int(s, i)) {
    n->is_int = true;
    n->int_value = i;
    if (i == 0) {
      n->is_uint = true;  // -0 is both
      n->uint_value = 0;
    }
  }
  if (n->is_int) {
    n->is_float = true;
    n->float_value = static_cast<double>(n->int_value);
  } else if (n->is_uint) {
    n->is_float = true;
    n->float_value = static_cast<double>(n->uint_value);
  } else {
    double f = 0;
    if (parse_go_float(s, f)) {
      if (s.find_first_of(".eEpP") == std::string::npos)
        return errorf_at(t.pos, fmt::format("integer overflow: {}", text::quote(s)));
      n->is_float = true;
      n->float_value = f;
      // A float with an integral value is also an integer constant ("1e3").
      if (std::trunc(f) == f && std::fabs(f) < 9.2e18) {
        n->is_int = true;
        n->int_value = static_cast<int64_t>(f);
        if (f >= 0) {
          n->is_uint = true;
          n->uint_value = static_cast<uint64_t>(f);
        }
      }
    }
  }
  if (!n->is_int && !n->is_uint && !n->is_float)
    return errorf_at(t.pos, fmt::format("illegal number syntax: {}", text::quote(s)));
  return NodePtr(std::move(n));
}

}  // namespace

}  // namespace detail

Result<Template> Template::parse(std::string_view text) {
  detail::Parser parser(text);
  auto root = NOOK_TRY(parser.parse());
  return Template(std::make_shared<const std::string>(text), std::shared_ptr<const detail::ListNode>(std::move(root)));
}

}  // namespace nook::format
