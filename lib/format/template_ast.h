// The parse tree of a template, with the node kinds of Go's text/template/parse (minus define,
// template and block, which podman's formats never use). Every node knows its byte offset in the
// template text and prints itself back as template text (Go's String()), which execution errors
// quote: `executing "" at <.Foo>`.
//
// Internal to lib/format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nook::format::detail {

struct Builtin;

enum class NodeType {
  Text,
  Action,
  If,
  Range,
  With,
  Break,
  Continue,
  List,
  Pipe,
  Command,
  Field,
  Variable,
  Chain,
  Identifier,
  Dot,
  Nil,
  Bool,
  Number,
  String,
  End,   // {{end}}, seen only by the parser
  Else,  // {{else}}, seen only by the parser
};

struct Node {
  Node(NodeType node_type, size_t offset) : type(node_type), pos(offset) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The node as template text, as Go's String() prints it.
  virtual std::string string() const = 0;

  NodeType type;
  size_t pos;
};

using NodePtr = std::unique_ptr<Node>;

struct ListNode final : Node {
  explicit ListNode(size_t offset) : Node(NodeType::List, offset) {}
  std::string string() const override;
  std::vector<NodePtr> nodes;
};

struct TextNode final : Node {
  TextNode(size_t offset, std::string content) : Node(NodeType::Text, offset), text(std::move(content)) {}
  std::string string() const override { return text; }
  std::string text;
};

// {{break}}, {{continue}}, {{end}}, {{else}}.
struct KeywordNode final : Node {
  KeywordNode(NodeType node_type, size_t offset) : Node(node_type, offset) {}
  std::string string() const override;
};

struct IdentifierNode final : Node {
  IdentifierNode(size_t offset, std::string ident, const Builtin* fn)
      : Node(NodeType::Identifier, offset), name(std::move(ident)), builtin(fn) {}
  std::string string() const override { return name; }
  std::string name;
  const Builtin* builtin;
};

// $x.Field1.Field2: ident[0] is the variable name ("$" for the root).
struct VariableNode final : Node {
  VariableNode(size_t offset, std::vector<std::string> idents)
      : Node(NodeType::Variable, offset), ident(std::move(idents)) {}
  std::string string() const override;
  std::vector<std::string> ident;
};

// .Field1.Field2
struct FieldNode final : Node {
  FieldNode(size_t offset, std::vector<std::string> idents) : Node(NodeType::Field, offset), ident(std::move(idents)) {}
  std::string string() const override;
  std::vector<std::string> ident;
};

// (pipeline).Field1.Field2 or fn.Field
struct ChainNode final : Node {
  ChainNode(size_t offset, NodePtr operand) : Node(NodeType::Chain, offset), node(std::move(operand)) {}
  std::string string() const override;
  NodePtr node;
  std::vector<std::string> field;
};

struct DotNode final : Node {
  explicit DotNode(size_t offset) : Node(NodeType::Dot, offset) {}
  std::string string() const override { return "."; }
};

struct NilNode final : Node {
  explicit NilNode(size_t offset) : Node(NodeType::Nil, offset) {}
  std::string string() const override { return "nil"; }
};

struct BoolNode final : Node {
  BoolNode(size_t offset, bool v) : Node(NodeType::Bool, offset), value(v) {}
  std::string string() const override { return value ? "true" : "false"; }
  bool value;
};

// A number constant with every interpretation Go gives it: "1" is int, uint and float; "1.5" only
// float; "1e3" float and int.
struct NumberNode final : Node {
  NumberNode(size_t offset, std::string literal) : Node(NodeType::Number, offset), text(std::move(literal)) {}
  std::string string() const override { return text; }
  std::string text;
  bool is_int = false;
  bool is_uint = false;
  bool is_float = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double float_value = 0;
};

struct StringNode final : Node {
  StringNode(size_t offset, std::string quoted_text, std::string value)
      : Node(NodeType::String, offset), quoted(std::move(quoted_text)), text(std::move(value)) {}
  std::string string() const override { return quoted; }
  std::string quoted;  // as written, with quotes
  std::string text;    // unquoted
};

// One command of a pipeline: an operand and its arguments.
struct CommandNode final : Node {
  explicit CommandNode(size_t offset) : Node(NodeType::Command, offset) {}
  std::string string() const override;
  std::vector<NodePtr> args;
};

// [$x := | $x = | $i, $e :=] cmd | cmd ...
struct PipeNode final : Node {
  explicit PipeNode(size_t offset) : Node(NodeType::Pipe, offset) {}
  std::string string() const override;
  bool is_assign = false;
  std::vector<std::unique_ptr<VariableNode>> decl;
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

struct ActionNode final : Node {
  ActionNode(size_t offset, std::unique_ptr<PipeNode> p) : Node(NodeType::Action, offset), pipe(std::move(p)) {}
  std::string string() const override { return "{{" + pipe->string() + "}}"; }
  std::unique_ptr<PipeNode> pipe;
};

// if, range and with.
struct BranchNode final : Node {
  BranchNode(NodeType node_type, size_t offset) : Node(node_type, offset) {}
  std::string string() const override;
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list;
  std::unique_ptr<ListNode> else_list;  // may be null
};

// "L:C" for a byte offset: 1-based line, 0-based byte column within the line, as Go's
// ErrorContext computes it.
std::string location(std::string_view text, size_t pos);

}  // namespace nook::format::detail
