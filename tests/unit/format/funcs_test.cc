#include "lib/format/funcs.h"

#include <gtest/gtest.h>

#include <vector>

namespace nook::format::detail {
namespace {

using nlohmann::json;

Result<bool> eq(const json& a, std::vector<json> others) {
  std::vector<Value> values;
  for (const auto& o : others) values.push_back(Value::own(o));
  return go_eq(a, values);
}

TEST(Funcs, BuiltinTable) {
  for (const char* name : {"and",   "or",    "not",   "eq",       "ne",     "lt",      "le",   "gt",       "ge",
                           "len",   "index", "slice", "print",    "printf", "println", "html", "urlquery", "json",
                           "lower", "upper", "title", "truncate", "pad",    "split",   "join"}) {
    const Builtin* b = find_builtin(name);
    ASSERT_NE(b, nullptr) << name;
    EXPECT_EQ(b->name, name);
  }
  EXPECT_EQ(find_builtin("call"), nullptr);
  EXPECT_EQ(find_builtin("foo"), nullptr);
  EXPECT_EQ(find_builtin("truncate")->params[1], ParamType::Int);
  EXPECT_TRUE(find_builtin("printf")->variadic);
}

TEST(Funcs, EqCompatibleKinds) {
  EXPECT_TRUE(*eq(1, {1}));
  EXPECT_FALSE(*eq(1, {2}));
  EXPECT_TRUE(*eq(2, {1, 3, 2}));  // eq a b c is a==b || a==c
  EXPECT_TRUE(*eq("a", {"a"}));
  EXPECT_TRUE(*eq(true, {true}));
  EXPECT_TRUE(*eq(1, {1.0}));  // int and float compare by value here
  EXPECT_TRUE(*eq(18446744073709551615ull, {18446744073709551615ull}));
  EXPECT_FALSE(*eq(-1, {18446744073709551615ull}));
  EXPECT_TRUE(*eq(nullptr, {nullptr}));
  EXPECT_FALSE(*eq(nullptr, {1}));
  EXPECT_FALSE(*eq("a", {nullptr}));
}

TEST(Funcs, EqErrorsAsGo) {
  EXPECT_EQ(eq("a", {1}).error().message(), "incompatible types for comparison");
  EXPECT_EQ(eq(1, {}).error().message(), "missing argument for comparison");
  EXPECT_EQ(eq(json::array({1}), {json::array({1})}).error().message(), "non-comparable type [1]: []interface {}");
  EXPECT_EQ(eq(json::array({1}), {json::object()}).error().message(),
            "non-comparable types [1]: []interface {}, map[string]interface {}: map[]");
}

TEST(Funcs, LessThan) {
  EXPECT_TRUE(*go_lt(1, 2));
  EXPECT_FALSE(*go_lt(2, 2));
  EXPECT_TRUE(*go_lt(-1, 18446744073709551615ull));
  EXPECT_TRUE(*go_lt(1, 1.5));
  EXPECT_TRUE(*go_lt("abc", "abd"));
  EXPECT_EQ(go_lt(true, false).error().message(), "invalid type for comparison");
  EXPECT_EQ(go_lt(nullptr, 1).error().message(), "invalid type for comparison");
  EXPECT_EQ(go_lt(json::array(), 1).error().message(), "invalid type for comparison");
  EXPECT_EQ(go_lt("a", 1).error().message(), "incompatible types for comparison");
}

TEST(Funcs, CallingImplementationsDirectly) {
  const Builtin* index = find_builtin("index");
  json data = json::parse(R"({"a":[10,20],"labels":{"x":"y"},"mixed":{"n":1,"s":"t"}})");
  std::vector<Value> args = {Value::borrow(data), Value::own("a"), Value::own(1)};
  EXPECT_EQ(index->fn(args)->json(), 20);
  args = {Value::borrow(data), Value::own("labels"), Value::own("missing")};
  EXPECT_EQ(index->fn(args)->json(), "");
  args = {Value::borrow(data), Value::own("mixed"), Value::own("missing")};
  EXPECT_TRUE(index->fn(args)->json().is_null());
  args = {Value::borrow(data), Value::own("a"), Value::own(2)};
  EXPECT_EQ(index->fn(args).error().message(), "index out of range: 2");
  args = {Value::borrow(data), Value::own("a"), Value::own("x")};
  EXPECT_EQ(index->fn(args).error().message(), "cannot index slice/array with type string");
  args = {Value::borrow(data), Value::own(1)};
  EXPECT_EQ(index->fn(args).error().message(), "value has type int; should be string");
  args = {Value()};
  EXPECT_EQ(index->fn(args).error().message(), "index of untyped nil");

  const Builtin* split = find_builtin("split");
  args = {Value::own("a,b,,c"), Value::own(",")};
  EXPECT_EQ(split->fn(args)->json(), json({"a", "b", "", "c"}));
  args = {Value::own("héllo"), Value::own("")};
  EXPECT_EQ(split->fn(args)->json(), json({"h", "é", "l", "l", "o"}));
  args = {Value::own(""), Value::own(",")};
  EXPECT_EQ(split->fn(args)->json(), json({""}));
}

}  // namespace
}  // namespace nook::format::detail
