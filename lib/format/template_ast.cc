#include "lib/format/template_ast.h"

#include <fmt/format.h>

#include <algorithm>

namespace nook::format::detail {

std::string ListNode::string() const {
  std::string out;
  for (const auto& n : nodes) out += n->string();
  return out;
}

std::string KeywordNode::string() const {
  switch (type) {
    case NodeType::Break: return "{{break}}";
    case NodeType::Continue: return "{{continue}}";
    case NodeType::End: return "{{end}}";
    default: return "{{else}}";
  }
}

std::string VariableNode::string() const {
  std::string out;
  for (size_t i = 0; i < ident.size(); ++i) {
    if (i > 0) out += '.';
    out += ident[i];
  }
  return out;
}

std::string FieldNode::string() const {
  std::string out;
  for (const auto& id : ident) out += "." + id;
  return out;
}

std::string ChainNode::string() const {
  std::string out = node->type == NodeType::Pipe ? "(" + node->string() + ")" : node->string();
  for (const auto& f : field) out += "." + f;
  return out;
}

std::string CommandNode::string() const {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    if (args[i]->type == NodeType::Pipe) {
      out += "(" + args[i]->string() + ")";
    } else {
      out += args[i]->string();
    }
  }
  return out;
}

std::string PipeNode::string() const {
  std::string out;
  if (!decl.empty()) {
    for (size_t i = 0; i < decl.size(); ++i) {
      if (i > 0) out += ", ";
      out += decl[i]->string();
    }
    out += is_assign ? " = " : " := ";
  }
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (i > 0) out += " | ";
    out += cmds[i]->string();
  }
  return out;
}

std::string BranchNode::string() const {
  std::string_view name = type == NodeType::If ? "if" : type == NodeType::Range ? "range" : "with";
  std::string out = fmt::format("{{{{{} {}}}}}{}", name, pipe->string(), list->string());
  if (else_list) out += "{{else}}" + else_list->string();
  return out + "{{end}}";
}

std::string location(std::string_view text, size_t pos) {
  pos = std::min(pos, text.size());
  std::string_view before = text.substr(0, pos);
  size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  size_t last_newline = before.rfind('\n');
  size_t col = last_newline == std::string_view::npos ? pos : pos - (last_newline + 1);
  return fmt::format("{}:{}", line, col);
}

}  // namespace nook::format::detail
