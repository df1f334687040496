#include "lib/config/json_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nook::config {
namespace {

using ::testing::HasSubstr;

TEST(JsonAdapterTest, Parses) {
  Result<nlohmann::json> value = parse_json(R"({"a": [1, 2], "b": "c"})", "/f.json");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ((*value)["b"], "c");
}

TEST(JsonAdapterTest, SyntaxErrorNamesFileLineAndColumn) {
  Result<nlohmann::json> value = parse_json("{\n  \"a\": 1,\n  \"b\" 2\n}\n", "/etc/containers/policy.json");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_THAT(value.error().message(), HasSubstr("parsing \"/etc/containers/policy.json\": line 3, column "));
  EXPECT_THAT(value.error().message(), HasSubstr("syntax error"));
  EXPECT_THAT(value.error().message(), ::testing::Not(HasSubstr("json.exception")));
}

TEST(JsonAdapterTest, EmptyInputIsAnError) {
  Result<nlohmann::json> value = parse_json("", "/f.json");
  ASSERT_FALSE(value.has_value());
  EXPECT_THAT(value.error().message(), HasSubstr("/f.json"));
}

TEST(JsonAdapterTest, DuplicateKeysRejectedOnRequest) {
  std::string_view text = R"({"a": {"x": 1, "x": 2}})";
  EXPECT_TRUE(parse_json(text, "/f.json").has_value());
  Result<nlohmann::json> strict = parse_json(text, "/f.json", JsonParseOptions{.reject_duplicate_keys = true});
  ASSERT_FALSE(strict.has_value());
  EXPECT_THAT(strict.error().message(), HasSubstr("duplicate key \"x\""));
  // The same key in sibling objects is fine.
  EXPECT_TRUE(parse_json(R"({"a": {"x": 1}, "b": {"x": 2}})", "/f", JsonParseOptions{.reject_duplicate_keys = true}));
}

TEST(JsonAdapterTest, DumpDoesNotThrowOnInvalidUtf8) {
  nlohmann::json value = {{"k", std::string("bad \xff byte")}};
  std::string text = dump_json(value);
  EXPECT_THAT(text, HasSubstr("bad "));
  EXPECT_EQ(dump_json(nlohmann::json{{"a", 1}}, 1, '\t'), "{\n\t\"a\": 1\n}");
}

}  // namespace
}  // namespace nook::config
