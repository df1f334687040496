#include "lib/util/json_error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nook {
namespace {

TEST(JsonError, KeepsTheProblemAfterThePosition) {
  EXPECT_EQ(json_error_problem("[json.exception.parse_error.101] parse error at line 1, column 2: syntax error "
                               "while parsing value - invalid literal; last read: 'x'"),
            "syntax error while parsing value - invalid literal; last read: 'x'");
  EXPECT_EQ(json_error_problem("[json.exception.type_error.316] invalid UTF-8 byte at index 1: 0xFF"),
            "invalid UTF-8 byte at index 1: 0xFF");
  EXPECT_EQ(json_error_problem("plain message"), "plain message");
}

TEST(JsonError, OnARealParserMessage) {
  std::string what;
  try {
    nlohmann::json parsed = nlohmann::json::parse("{\"a\": }");
    what = "parsed without error: " + parsed.dump();
  } catch (const std::exception& e) {
    what = e.what();
  }
  ASSERT_FALSE(what.empty());
  std::string problem = json_error_problem(what);
  EXPECT_EQ(problem.find("[json.exception"), std::string::npos) << problem;
  EXPECT_NE(problem.find("syntax error"), std::string::npos) << problem;
}

}  // namespace
}  // namespace nook
