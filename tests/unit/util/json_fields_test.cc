#include "lib/util/json_fields.h"

#include <gtest/gtest.h>

namespace nook {
namespace {

using nlohmann::json;

TEST(JsonFields, ReadsTypedValues) {
  json obj = {{"s", "text"}, {"i", -3}, {"u", 7}, {"b", true}, {"l", {"a", "b"}}, {"m", {{"k", "v"}}}};
  JsonFields fields(obj, "thing");
  EXPECT_EQ(fields.str("s"), "text");
  EXPECT_EQ(fields.integer("i"), -3);
  EXPECT_EQ(fields.unsigned_integer("u"), 7u);
  EXPECT_TRUE(fields.boolean("b"));
  EXPECT_EQ(fields.strings("l"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fields.string_map("m"), (std::map<std::string, std::string>{{"k", "v"}}));
  EXPECT_FALSE(fields.error());
}

TEST(JsonFields, MissingAndNullGiveFallbacks) {
  json obj = {{"n", nullptr}};
  JsonFields fields(obj, "thing");
  EXPECT_EQ(fields.str("n"), "");
  EXPECT_EQ(fields.integer("missing", 42), 42);
  EXPECT_TRUE(fields.boolean("missing", true));
  EXPECT_TRUE(fields.strings("missing").empty());
  EXPECT_FALSE(fields.error());
}

TEST(JsonFields, KeepsTheFirstProblem) {
  json obj = {{"s", 1}, {"i", "x"}, {"l", {1}}};
  JsonFields fields(obj, "\"f\": record");
  EXPECT_EQ(fields.str("s"), "");
  EXPECT_EQ(fields.integer("i", 5), 5);
  EXPECT_TRUE(fields.strings("l").empty());
  ASSERT_TRUE(fields.error());
  EXPECT_EQ(fields.error()->kind(), ErrorKind::Corrupt);
  EXPECT_EQ(fields.error()->message(), "\"f\": record field \"s\" is not a string");
}

TEST(JsonFields, RejectsWrongContainerTypes) {
  json obj = {{"m", {{"k", 1}}}, {"u", -1}};
  JsonFields fields(obj, "r");
  EXPECT_TRUE(fields.string_map("m").empty());
  EXPECT_EQ(fields.error()->message(), "r field \"m\" must map strings to strings");
  JsonFields other(obj, "r");
  EXPECT_EQ(other.unsigned_integer("u", 9), 9u);
  EXPECT_EQ(other.error()->message(), "r field \"u\" is not an unsigned integer");
}

}  // namespace
}  // namespace nook
