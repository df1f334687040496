// Template::execute: walks the parse tree over JSON data with the evaluation rules and error
// messages of Go's text/template/exec.go.

#include <fmt/format.h>

#include <optional>

#include "lib/format/funcs.h"
#include "lib/format/gofmt.h"
#include "lib/format/template.h"
#include "lib/format/template_ast.h"
#include "lib/format/text.h"

namespace nook::format {

namespace detail {

namespace {

enum class Flow { Normal, Break, Continue };

struct Variable {
  std::string name;
  Value value;
};

using Args = std::span<const NodePtr>;
using Final = std::optional<Value>;  // the value piped in from the previous command, if any

std::string param_type_name(ParamType type) {
  switch (type) {
    case ParamType::String: return "string";
    case ParamType::Int: return "int";
    case ParamType::StringSlice: return "[]string";
    default: return "interface {}";
  }
}

// Functions that return a header string unchanged in header mode.
bool passes_headers_through(std::string_view name) {
  return name == "index" || name == "slice" || name == "join" || name == "json";
}

class Executor {
 public:
  // header_overrides is non-null in header mode (see Template::execute_header).
  Executor(const std::string& text, const std::map<std::string, std::string>* header_overrides)
      : text_(text), headers_(header_overrides) {}

  Result<std::string> run(const ListNode& root, const Value& data) {
    vars_.push_back(Variable{"$", data});
    NOOK_TRY_VOID(walk(data, root));
    return std::move(out_);
  }

 private:
  void at(const Node& node) { node_ = &node; }

  std::unexpected<Error> errorf(std::string_view message) const {
    if (node_ == nullptr) return fail(ErrorKind::InvalidArgument, fmt::format("template: {}", message));
    return fail(ErrorKind::InvalidArgument, fmt::format("template: {}: executing \"\" at <{}>: {}",
                                                        location(text_, node_->pos), node_->string(), message));
  }

  Result<Flow> walk(const Value& dot, const Node& node);
  Result<Flow> walk_if_or_with(const Value& dot, const BranchNode& node);
  Result<Flow> walk_range(const Value& dot, const BranchNode& node);

  Result<Value> eval_pipeline(const Value& dot, const PipeNode* pipe);
  Result<Value> eval_command(const Value& dot, const CommandNode& cmd, const Final& final);
  Result<void> not_a_function(Args args, const Final& final);
  Result<Value> eval_field_node(const Value& dot, const FieldNode& field, bool has_args);
  Result<Value> eval_chain_node(const Value& dot, const ChainNode& chain, bool has_args);
  Result<Value> eval_variable_node(const VariableNode& var, Args args, const Final& final);
  Result<Value> eval_field_chain(const Value& receiver, std::span<const std::string> ident, bool has_args);
  Result<Value> eval_field(const std::string& name, bool has_args, const Value& receiver);
  Result<Value> eval_function(const Value& dot, const IdentifierNode& ident, const Node& cmd, Args args,
                              const Final& final);
  Result<Value> eval_arg(const Value& dot, ParamType type, const Node& n);
  Result<Value> validate_type(const Value& value, ParamType type);
  Result<Value> eval_empty_interface(const Value& dot, const Node& n);
  Result<Value> ideal_constant(const NumberNode& number);

  Result<Value> var_value(const std::string& name);
  Result<void> set_var(const std::string& name, const Value& value);

  std::string header_for(std::span<const std::string> ident) const;

  const std::string& text_;
  const std::map<std::string, std::string>* headers_;
  const Node* node_ = nullptr;  // where we are, for errors
  std::vector<Variable> vars_;  // push-down stack of variables
  std::string out_;
};

// ---- walking ---------------------------------------------------------------------------------

Result<Flow> Executor::walk(const Value& dot, const Node& node) {
  at(node);
  switch (node.type) {
    case NodeType::Action: {
      const auto& action = static_cast<const ActionNode&>(node);
      // Variables declared by an action persist until the enclosing {{end}}; declarations print nothing.
      Value val = NOOK_TRY(eval_pipeline(dot, action.pipe.get()));
      if (action.pipe->decl.empty()) {
        at(node);
        if (val->is_null()) {
          out_ += "<no value>";
        } else if (val->is_string()) {
          out_ += val->get_ref<const std::string&>();
        } else {
          out_ += gofmt::sprint_value(val.json());
        }
      }
      return Flow::Normal;
    }
    case NodeType::Break: return Flow::Break;
    case NodeType::Continue: return Flow::Continue;
    case NodeType::If:
    case NodeType::With: return walk_if_or_with(dot, static_cast<const BranchNode&>(node));
    case NodeType::List:
      for (const auto& n : static_cast<const ListNode&>(node).nodes) {
        Flow flow = NOOK_TRY(walk(dot, *n));
        if (flow != Flow::Normal) return flow;
      }
      return Flow::Normal;
    case NodeType::Range: return walk_range(dot, static_cast<const BranchNode&>(node));
    case NodeType::Text: out_ += static_cast<const TextNode&>(node).text; return Flow::Normal;
    default: return errorf("unknown node: " + node.string());
  }
}

Result<Flow> Executor::walk_if_or_with(const Value& dot, const BranchNode& node) {
  size_t mark = vars_.size();
  Value val = NOOK_TRY(eval_pipeline(dot, node.pipe.get()));
  Result<Flow> flow = Flow::Normal;
  if (is_true(val.json())) {
    flow = walk(node.type == NodeType::With ? val : dot, *node.list);
  } else if (node.else_list) {
    flow = walk(dot, *node.else_list);
  }
  vars_.resize(mark);
  return flow;
}

Result<Flow> Executor::walk_range(const Value& dot, const BranchNode& node) {
  at(node);
  size_t outer_mark = vars_.size();
  const PipeNode& pipe = *node.pipe;
  Value val = NOOK_TRY(eval_pipeline(dot, &pipe));
  size_t mark = vars_.size();  // top of the stack before variables of the body

  // Runs the body once; returns false when a {{break}} ends the loop.
  auto one_iteration = [&](const Value& index, const Value& elem) -> Result<bool> {
    if (!pipe.decl.empty()) {
      if (pipe.is_assign) {
        // With two variables the index comes first; with one, it gets the element.
        NOOK_TRY_VOID(set_var(pipe.decl[0]->ident[0], pipe.decl.size() > 1 ? index : elem));
      } else {
        vars_[mark - 1].value = elem;  // the last declared (the element)
      }
    }
    if (pipe.decl.size() > 1) {
      if (pipe.is_assign) {
        NOOK_TRY_VOID(set_var(pipe.decl[1]->ident[0], elem));
      } else {
        vars_[mark - 2].value = index;
      }
    }
    Result<Flow> flow = walk(elem, *node.list);
    vars_.resize(mark);
    if (!flow) return std::unexpected(flow.error());
    return *flow != Flow::Break;
  };

  bool iterated = false;
  const nlohmann::json& v = val.json();
  if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      iterated = true;
      if (!NOOK_TRY(one_iteration(Value::own(static_cast<int64_t>(i)), val.child(v[i])))) break;
    }
  } else if (v.is_object()) {
    // Objects iterate in sorted key order, as Go ranges over maps.
    for (auto it = v.begin(); it != v.end(); ++it) {
      iterated = true;
      if (!NOOK_TRY(one_iteration(Value::own(it.key()), val.child(it.value())))) break;
    }
  } else if (headers_ != nullptr && v.is_string()) {
    iterated = true;
    NOOK_TRY_VOID(one_iteration(Value::own(0), val));
  } else if (!v.is_null()) {
    return errorf("range can't iterate over " + gofmt::sprint_value(v));
  }
  if (!iterated && node.else_list) {
    Result<Flow> flow = walk(dot, *node.else_list);
    if (!flow) return std::unexpected(flow.error());
  }
  vars_.resize(outer_mark);
  return Flow::Normal;
}

// ---- evaluation ------------------------------------------------------------------------------

Result<Value> Executor::eval_pipeline(const Value& dot, const PipeNode* pipe) {
  if (pipe == nullptr) return Value();
  at(*pipe);
  Final value;
  for (const auto& cmd : pipe->cmds) value = NOOK_TRY(eval_command(dot, *cmd, value));
  Value result = value.value_or(Value());
  for (const auto& var : pipe->decl) {
    if (pipe->is_assign) {
      NOOK_TRY_VOID(set_var(var->ident[0], result));
    } else {
      vars_.push_back(Variable{var->ident[0], result});
    }
  }
  return result;
}

Result<void> Executor::not_a_function(Args args, const Final& final) {
  if (args.size() > 1 || final) return errorf("can't give argument to non-function " + args[0]->string());
  return {};
}

Result<Value> Executor::eval_command(const Value& dot, const CommandNode& cmd, const Final& final) {
  const Node& first = *cmd.args[0];
  bool has_args = cmd.args.size() > 1 || final.has_value();
  switch (first.type) {
    case NodeType::Field: return eval_field_node(dot, static_cast<const FieldNode&>(first), has_args);
    case NodeType::Chain: return eval_chain_node(dot, static_cast<const ChainNode&>(first), has_args);
    case NodeType::Identifier:
      return eval_function(dot, static_cast<const IdentifierNode&>(first), cmd, cmd.args, final);
    case NodeType::Pipe:
      // A parenthesized pipeline takes no arguments.
      NOOK_TRY_VOID(not_a_function(cmd.args, final));
      return eval_pipeline(dot, static_cast<const PipeNode*>(&first));
    case NodeType::Variable: return eval_variable_node(static_cast<const VariableNode&>(first), cmd.args, final);
    default: break;
  }
  at(first);
  NOOK_TRY_VOID(not_a_function(cmd.args, final));
  switch (first.type) {
    case NodeType::Bool: return Value::own(static_cast<const BoolNode&>(first).value);
    case NodeType::Dot: return dot;
    case NodeType::Nil: return errorf("nil is not a command");
    case NodeType::Number: return ideal_constant(static_cast<const NumberNode&>(first));
    case NodeType::String: return Value::own(static_cast<const StringNode&>(first).text);
    default: return errorf("can't evaluate command " + text::quote(first.string()));
  }
}

Result<Value> Executor::ideal_constant(const NumberNode& number) {
  at(number);
  const std::string& t = number.text;
  bool hex_int =
      t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && t.find_first_of("pP") == std::string::npos;
  bool rune = !t.empty() && t[0] == '\'';
  if (number.is_float && !hex_int && !rune && t.find_first_of(".eEpP") != std::string::npos) {
    return Value::own(number.float_value);
  }
  if (number.is_int) return Value::own(number.int_value);
  if (number.is_uint) return errorf(t + " overflows int");
  return Value();
}

Result<Value> Executor::eval_field_node(const Value& dot, const FieldNode& field, bool has_args) {
  at(field);
  return eval_field_chain(dot, field.ident, has_args);
}

Result<Value> Executor::eval_chain_node(const Value& dot, const ChainNode& chain, bool has_args) {
  at(chain);
  if (chain.node->type == NodeType::Nil) return errorf("indirection through explicit nil in " + chain.string());
  Value receiver = NOOK_TRY(eval_arg(dot, ParamType::Any, *chain.node));
  at(chain);
  return eval_field_chain(receiver, chain.field, has_args);
}

Result<Value> Executor::eval_variable_node(const VariableNode& var, Args args, const Final& final) {
  at(var);
  Value value = NOOK_TRY(var_value(var.ident[0]));
  if (var.ident.size() == 1) {
    if (!args.empty()) NOOK_TRY_VOID(not_a_function(args, final));
    return value;
  }
  bool has_args = args.size() > 1 || final.has_value();
  return eval_field_chain(value, std::span<const std::string>(var.ident).subspan(1), has_args);
}

Result<Value> Executor::eval_field_chain(const Value& receiver, std::span<const std::string> ident, bool has_args) {
  if (headers_ != nullptr) return Value::own(header_for(ident));
  Value current = receiver;
  for (size_t i = 0; i + 1 < ident.size(); ++i) current = NOOK_TRY(eval_field(ident[i], false, current));
  return eval_field(ident.back(), has_args, current);
}

Result<Value> Executor::eval_field(const std::string& name, bool has_args, const Value& receiver) {
  const nlohmann::json& v = receiver.json();
  if (v.is_null()) return errorf("nil pointer evaluating interface {}." + name);
  if (v.is_object()) {
    if (has_args) return errorf(name + " is not a method but has arguments");
    const nlohmann::json* member = find_member(v, name);
    // A missing key is an error, as a missing field of podman's structs is (Go maps would give
    // "<no value>"): a typo in a --format must not pass silently.
    if (member == nullptr) return errorf("can't evaluate field " + name + " in type " + go_type_name(v));
    return receiver.child(*member);
  }
  return errorf("can't evaluate field " + name + " in type " + go_type_name(v));
}

Result<Value> Executor::eval_function(const Value& dot, const IdentifierNode& ident, const Node& cmd, Args args,
                                      const Final& final) {
  at(ident);
  const Builtin& fn = *ident.builtin;
  const std::string& name = ident.name;
  Args real_args = args.empty() ? args : args.subspan(1);  // args[0] is the function itself
  size_t num_in = real_args.size() + (final ? 1 : 0);
  auto num_params = static_cast<size_t>(fn.num_params);
  size_t num_fixed = fn.variadic ? num_params - 1 : num_params;
  if (fn.variadic) {
    if (num_in < num_fixed) {
      return errorf(
          fmt::format("wrong number of args for {}: want at least {} got {}", name, num_fixed, real_args.size()));
    }
  } else if (num_in != num_params) {
    return errorf(fmt::format("wrong number of args for {}: want {} got {}", name, num_params, num_in));
  }

  if (fn.fn == nullptr) {
    // and/or evaluate their arguments lazily and return the deciding one.
    bool is_or = name == "or";
    Value v;
    for (const auto& arg : real_args) {
      v = NOOK_TRY(eval_arg(dot, ParamType::Any, *arg));
      if (is_true(v.json()) == is_or) return v;
    }
    if (final) v = *final;
    return v;
  }

  bool pass_headers = headers_ != nullptr && passes_headers_through(name);
  auto param = [&](size_t i) {
    if (pass_headers) return ParamType::Any;
    return i < num_fixed ? fn.params[i] : fn.params[num_params - 1];
  };
  std::vector<Value> argv;
  argv.reserve(num_in);
  for (size_t i = 0; i < real_args.size(); ++i) argv.push_back(NOOK_TRY(eval_arg(dot, param(i), *real_args[i])));
  if (final) argv.push_back(NOOK_TRY(validate_type(*final, param(num_in - 1))));
  if (pass_headers && !argv.empty() && argv[0]->is_string()) return argv[0];

  auto result = fn.fn(argv);
  if (!result) {
    at(cmd);
    return errorf(fmt::format("error calling {}: {}", name, result.error().message()));
  }
  return std::move(*result);
}

Result<Value> Executor::eval_arg(const Value& dot, ParamType type, const Node& n) {
  at(n);
  switch (n.type) {
    case NodeType::Dot: return validate_type(dot, type);
    case NodeType::Nil:
      if (type == ParamType::Any || type == ParamType::StringSlice) return Value();
      return errorf("cannot assign nil to " + param_type_name(type));
    case NodeType::Field:
      return validate_type(NOOK_TRY(eval_field_node(dot, static_cast<const FieldNode&>(n), false)), type);
    case NodeType::Variable:
      return validate_type(NOOK_TRY(eval_variable_node(static_cast<const VariableNode&>(n), {}, std::nullopt)), type);
    case NodeType::Pipe: return validate_type(NOOK_TRY(eval_pipeline(dot, static_cast<const PipeNode*>(&n))), type);
    case NodeType::Identifier: {
      const auto& ident = static_cast<const IdentifierNode&>(n);
      return validate_type(NOOK_TRY(eval_function(dot, ident, ident, {}, std::nullopt)), type);
    }
    case NodeType::Chain:
      return validate_type(NOOK_TRY(eval_chain_node(dot, static_cast<const ChainNode&>(n), false)), type);
    default: break;
  }
  switch (type) {
    case ParamType::String:
      if (n.type == NodeType::String) return Value::own(static_cast<const StringNode&>(n).text);
      return errorf("expected string; found " + n.string());
    case ParamType::Int:
      if (n.type == NodeType::Number && static_cast<const NumberNode&>(n).is_int) {
        return Value::own(static_cast<const NumberNode&>(n).int_value);
      }
      return errorf("expected integer; found " + n.string());
    case ParamType::StringSlice: return errorf("can't handle " + n.string() + " for arg of type []string");
    default: return eval_empty_interface(dot, n);
  }
}

Result<Value> Executor::validate_type(const Value& value, ParamType type) {
  const nlohmann::json& v = value.json();
  switch (type) {
    case ParamType::String:
      if (v.is_string() || v.is_null()) return value;  // null stands for ""
      return errorf("wrong type for value; expected string; got " + go_type_name(v));
    case ParamType::Int: {
      int64_t i = 0;
      if (as_int64(v, i)) return value;
      if (v.is_null()) return errorf("invalid value; expected int");
      return errorf("wrong type for value; expected int; got " + go_type_name(v));
    }
    case ParamType::StringSlice: {
      if (v.is_null()) return value;
      bool ok = v.is_array();
      if (ok) {
        for (const auto& e : v) ok = ok && e.is_string();
      }
      if (ok) return value;
      return errorf("wrong type for value; expected []string; got " + go_type_name(v));
    }
    default: return value;
  }
}

Result<Value> Executor::eval_empty_interface(const Value& dot, const Node& n) {
  at(n);
  switch (n.type) {
    case NodeType::Bool: return Value::own(static_cast<const BoolNode&>(n).value);
    case NodeType::Dot: return dot;
    case NodeType::Field: return eval_field_node(dot, static_cast<const FieldNode&>(n), false);
    case NodeType::Identifier: {
      const auto& ident = static_cast<const IdentifierNode&>(n);
      return eval_function(dot, ident, ident, {}, std::nullopt);
    }
    case NodeType::Number: return ideal_constant(static_cast<const NumberNode&>(n));
    case NodeType::String: return Value::own(static_cast<const StringNode&>(n).text);
    case NodeType::Variable: return eval_variable_node(static_cast<const VariableNode&>(n), {}, std::nullopt);
    case NodeType::Pipe: return eval_pipeline(dot, static_cast<const PipeNode*>(&n));
    default: return errorf("can't handle assignment of " + n.string() + " to empty interface argument");
  }
}

// ---- variables and headers -------------------------------------------------------------------

Result<Value> Executor::var_value(const std::string& name) {
  for (size_t i = vars_.size(); i-- > 0;) {
    if (vars_[i].name == name) return vars_[i].value;
  }
  return errorf("undefined variable: " + name);
}

Result<void> Executor::set_var(const std::string& name, const Value& value) {
  for (size_t i = vars_.size(); i-- > 0;) {
    if (vars_[i].name == name) {
      vars_[i].value = value;
      return {};
    }
  }
  return errorf("undefined variable: " + name);
}

std::string Executor::header_for(std::span<const std::string> ident) const {
  // The header of a chain comes from its last field: .State.Status is "STATUS".
  std::string chain;
  for (const auto& id : ident) {
    if (!chain.empty()) chain += '.';
    chain += id;
  }
  auto it = headers_->find(chain);
  if (it == headers_->end()) it = headers_->find(ident.back());
  if (it != headers_->end()) return text::upper(it->second);
  return header_for_field(ident.back());
}

}  // namespace

}  // namespace detail

Result<std::string> Template::execute(const nlohmann::json& data) const {
  detail::Executor executor(*text_, nullptr);
  return executor.run(*root_, Value::borrow(data));
}

Result<std::string> Template::execute_header(const std::map<std::string, std::string>& header_overrides) const {
  detail::Executor executor(*text_, &header_overrides);
  return executor.run(*root_, Value::own(""));
}

}  // namespace nook::format
