#include "lib/format/value.h"

#include <gtest/gtest.h>

namespace nook::format {
namespace {

using nlohmann::json;

TEST(Value, DefaultIsNullAndOwnedValuesKeepChildrenAlive) {
  EXPECT_TRUE(Value()->is_null());
  Value child;
  {
    Value owned = Value::own(json::parse(R"({"a":[1,2]})"));
    child = owned.child(owned.json()["a"]);
  }
  EXPECT_EQ(child.json(), json({1, 2}));
}

TEST(Value, BorrowDoesNotCopy) {
  json data = {{"a", 1}};
  Value v = Value::borrow(data);
  EXPECT_EQ(&v.json(), &data);
}

TEST(Value, GoTruth) {
  for (const char* falsy : {"false", "0", "0.0", "null", "\"\"", "[]", "{}"}) {
    EXPECT_FALSE(is_true(json::parse(falsy))) << falsy;
  }
  for (const char* truthy : {"true", "1", "-1", "0.5", "\"x\"", "[0]", "{\"a\":null}"}) {
    EXPECT_TRUE(is_true(json::parse(truthy))) << truthy;
  }
}

TEST(Value, GoTypeNames) {
  EXPECT_EQ(go_type_name(json("s")), "string");
  EXPECT_EQ(go_type_name(json(1)), "int");
  EXPECT_EQ(go_type_name(json(1u)), "int");
  EXPECT_EQ(go_type_name(json(18446744073709551615ull)), "uint64");
  EXPECT_EQ(go_type_name(json(1.5)), "float64");
  EXPECT_EQ(go_type_name(json(true)), "bool");
  EXPECT_EQ(go_type_name(json(nullptr)), "interface {}");
  EXPECT_EQ(go_type_name(json::array()), "[]interface {}");
  EXPECT_EQ(go_type_name(json::object()), "map[string]interface {}");
}

TEST(Value, FindMemberExactThenIgnoringCase) {
  json o = json::parse(R"({"ID":"upper","id":"lower","ociRuntime":"crun","host":{"kernel":"6.1"}})");
  EXPECT_EQ(*find_member(o, "id"), "lower");
  EXPECT_EQ(*find_member(o, "ID"), "upper");
  EXPECT_EQ(*find_member(o, "Id"), "upper");  // first in key order
  EXPECT_EQ(*find_member(o, "OCIRuntime"), "crun");
  EXPECT_EQ(*find_member(*find_member(o, "Host"), "Kernel"), "6.1");
  EXPECT_EQ(find_member(o, "Missing"), nullptr);
  EXPECT_EQ(find_member(json("x"), "x"), nullptr);
}

TEST(Value, FindMemberIgnoringUnderscores) {
  json o = json::parse(R"({"container_id":0,"host_id":1000,"size":1,"hostid":"exact-ci"})");
  EXPECT_EQ(*find_member(o, "ContainerID"), 0);
  EXPECT_EQ(*find_member(o, "HostID"), "exact-ci") << "a case-insensitive match beats one ignoring underscores";
  EXPECT_EQ(*find_member(o, "Size"), 1);
  EXPECT_EQ(find_member(o, "Host"), nullptr);
  EXPECT_EQ(find_member(o, "HostIDX"), nullptr);
}

TEST(Value, AsInt64) {
  int64_t v = 0;
  EXPECT_TRUE(as_int64(json(-5), v));
  EXPECT_EQ(v, -5);
  EXPECT_TRUE(as_int64(json(7u), v));
  EXPECT_EQ(v, 7);
  EXPECT_FALSE(as_int64(json(18446744073709551615ull), v));
  EXPECT_FALSE(as_int64(json(1.0), v));
  EXPECT_FALSE(as_int64(json("1"), v));
}

}  // namespace
}  // namespace nook::format
