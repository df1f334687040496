#include "lib/format/template_ast.h"

#include <gtest/gtest.h>

namespace nook::format::detail {
namespace {

std::unique_ptr<CommandNode> command(std::vector<NodePtr> args) {
  auto cmd = std::make_unique<CommandNode>(0);
  cmd->args = std::move(args);
  return cmd;
}

template <class... Nodes>
std::vector<NodePtr> nodes(Nodes... n) {
  std::vector<NodePtr> out;
  (out.push_back(std::move(n)), ...);
  return out;
}

TEST(TemplateAst, NodesPrintAsTemplateText) {
  EXPECT_EQ(FieldNode(0, {"Host", "Kernel"}).string(), ".Host.Kernel");
  EXPECT_EQ(VariableNode(0, {"$x", "A"}).string(), "$x.A");
  EXPECT_EQ(VariableNode(0, {"$"}).string(), "$");
  EXPECT_EQ(DotNode(0).string(), ".");
  EXPECT_EQ(NilNode(0).string(), "nil");
  EXPECT_EQ(BoolNode(0, false).string(), "false");
  EXPECT_EQ(NumberNode(0, "0x1F").string(), "0x1F");
  EXPECT_EQ(StringNode(0, "`a b`", "a b").string(), "`a b`");
  EXPECT_EQ(KeywordNode(NodeType::Break, 0).string(), "{{break}}");
  EXPECT_EQ(KeywordNode(NodeType::Else, 0).string(), "{{else}}");

  // {{$v := index .Labels "a" | printf "%s" (len .)}}
  auto pipe = std::make_unique<PipeNode>(0);
  pipe->decl.push_back(std::make_unique<VariableNode>(0, std::vector<std::string>{"$v"}));
  pipe->cmds.push_back(command(nodes(std::make_unique<IdentifierNode>(0, "index", nullptr),
                                     std::make_unique<FieldNode>(0, std::vector<std::string>{"Labels"}),
                                     std::make_unique<StringNode>(0, "\"a\"", "a"))));
  auto inner = std::make_unique<PipeNode>(0);
  inner->cmds.push_back(
      command(nodes(std::make_unique<IdentifierNode>(0, "len", nullptr), std::make_unique<DotNode>(0))));
  pipe->cmds.push_back(command(nodes(std::make_unique<IdentifierNode>(0, "printf", nullptr),
                                     std::make_unique<StringNode>(0, "\"%s\"", "%s"), std::move(inner))));
  ActionNode action(0, std::move(pipe));
  EXPECT_EQ(action.string(), "{{$v := index .Labels \"a\" | printf \"%s\" (len .)}}");

  auto chain_pipe = std::make_unique<PipeNode>(0);
  chain_pipe->cmds.push_back(command(nodes(std::make_unique<DotNode>(0))));
  ChainNode chain(0, std::move(chain_pipe));
  chain.field = {"A", "B"};
  EXPECT_EQ(chain.string(), "(.).A.B");

  BranchNode branch(NodeType::Range, 0);
  branch.pipe = std::make_unique<PipeNode>(0);
  branch.pipe->is_assign = true;
  branch.pipe->decl.push_back(std::make_unique<VariableNode>(0, std::vector<std::string>{"$i"}));
  branch.pipe->decl.push_back(std::make_unique<VariableNode>(0, std::vector<std::string>{"$e"}));
  branch.pipe->cmds.push_back(command(nodes(std::make_unique<DotNode>(0))));
  branch.list = std::make_unique<ListNode>(0);
  branch.list->nodes.push_back(std::make_unique<TextNode>(0, "x"));
  branch.else_list = std::make_unique<ListNode>(0);
  branch.else_list->nodes.push_back(std::make_unique<TextNode>(0, "none"));
  EXPECT_EQ(branch.string(), "{{range $i, $e = .}}x{{else}}none{{end}}");
}

TEST(TemplateAst, LocationIsLineAndByteColumn) {
  EXPECT_EQ(location("abc", 0), "1:0");
  EXPECT_EQ(location("abc", 2), "1:2");
  EXPECT_EQ(location("a\nbc\nd", 4), "2:2");
  EXPECT_EQ(location("a\nbc\nd", 5), "3:0");
  EXPECT_EQ(location("ab", 99), "1:2");
}

}  // namespace
}  // namespace nook::format::detail
