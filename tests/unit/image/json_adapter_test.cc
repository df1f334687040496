#include "lib/image/json_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace nook::image {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(ImageJsonAdapterTest, Parses) {
  Result<nlohmann::json> value = parse_json(R"({"a": [1, 2], "b": "c"})", "manifest");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ((*value)["b"], "c");
}

TEST(ImageJsonAdapterTest, SyntaxErrorsAreCorrupt) {
  for (std::string_view text : {"", "{", "{\"a\" 1}", "[1,]", "nul"}) {
    Result<nlohmann::json> value = parse_json(text, "image config");
    ASSERT_FALSE(value.has_value()) << text;
    EXPECT_EQ(value.error().kind(), ErrorKind::Corrupt) << text;
    EXPECT_THAT(value.error().message(), StartsWith("image config is not valid JSON: ")) << text;
    EXPECT_THAT(value.error().message(), HasSubstr("syntax error")) << text;
    EXPECT_THAT(value.error().message(), Not(HasSubstr("json.exception"))) << text;
  }
}

}  // namespace
}  // namespace nook::image
