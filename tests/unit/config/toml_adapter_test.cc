#include "lib/config/toml_adapter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/test_support.h"

namespace nook::config {
namespace {

using ::testing::HasSubstr;

toml::table parsed_toml(std::string_view text) {
  Result<toml::table> table = parse_toml(text, "/test/file.conf");
  EXPECT_TRUE(table.has_value()) << table.error().message();
  return table ? std::move(*table) : toml::table{};
}

TEST(TomlAdapterTest, CommentLinesAreBlankedKeepingPositions) {
  EXPECT_EQ(blank_comment_lines("# top\n[engine]\n  # indented\nx = 1 # trailing\n#"),
            "\n[engine]\n\nx = 1 # trailing\n");
  EXPECT_EQ(blank_comment_lines("a = \"#not\"\n"), "a = \"#not\"\n");
  // In a multi-line string a '#' line is content: such text is left alone.
  std::string multi = "a = \"\"\"\n# kept\n\"\"\"\n# comment\n";
  EXPECT_EQ(blank_comment_lines(multi), multi);
  EXPECT_EQ(parsed_toml(multi)["a"].value<std::string>().value_or(""), "# kept\n");
  // Errors after comment lines still name their line.
  Result<toml::table> bad = parse_toml("# one\n# two\nx = = 1\n", "/test/file.conf");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), HasSubstr("line 3"));
}

TEST(TomlAdapterTest, SyntaxErrorNamesFileLineAndColumn) {
  Result<toml::table> table = parse_toml("[containers]\nenv = []\npids_limit 5\n", "/home/u/containers.conf");
  ASSERT_FALSE(table.has_value());
  EXPECT_EQ(table.error().kind(), ErrorKind::InvalidArgument);
  const std::string& message = table.error().message();
  EXPECT_THAT(message, HasSubstr("parsing \"/home/u/containers.conf\": line 3, column "));
  EXPECT_THAT(message, HasSubstr("'='"));
}

TEST(TomlAdapterTest, DuplicateKeyIsASyntaxError) {
  Result<toml::table> table = parse_toml("a = 1\na = 2\n", "/x.conf");
  ASSERT_FALSE(table.has_value());
  EXPECT_THAT(table.error().message(), HasSubstr("line 2"));
}

TEST(TomlAdapterTest, ReadTomlFileMissingIsNotFound) {
  testing::TempDir dir;
  Result<toml::table> table = read_toml_file(dir / "missing.conf");
  ASSERT_FALSE(table.has_value());
  EXPECT_EQ(table.error().kind(), ErrorKind::NotFound);
}

TEST(TomlAdapterTest, TypedReads) {
  toml::table table = parsed_toml("s = \"x\"\ni = 42\nb = true\na = [\"p\", \"q\"]\n[t]\nk = \"v\"\n");
  TomlSection root(table, "/test/file.conf");
  EXPECT_EQ(*root.string("s"), "x");
  EXPECT_EQ(*root.integer("i"), 42);
  EXPECT_EQ(*root.boolean("b"), true);
  EXPECT_EQ(root.string_array("a")->value().values, (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(*root.string("missing"), std::nullopt);
  auto sub = root.table("t");
  ASSERT_TRUE(sub.has_value() && sub->has_value());
  EXPECT_EQ(*(*sub)->string("k"), "v");
  EXPECT_EQ((*sub)->dotted("k"), "t.k");
  EXPECT_TRUE(root.contains("s"));
  EXPECT_FALSE(root.contains("nope"));
}

TEST(TomlAdapterTest, ReadStringSetsOnlyWhatIsThere) {
  toml::table table = parsed_toml("s = \"x\"\ni = 1\n");
  TomlSection root(table, "/test/file.conf");
  std::string out = "kept";
  ASSERT_TRUE(read_string(root, "missing", out).has_value());
  EXPECT_EQ(out, "kept");
  ASSERT_TRUE(read_string(root, "s", out).has_value());
  EXPECT_EQ(out, "x");
  Result<void> wrong = read_string(root, "i", out);
  ASSERT_FALSE(wrong.has_value());
  EXPECT_THAT(wrong.error().message(), HasSubstr("i: expected a string, found an integer"));
  EXPECT_EQ(out, "x");
}

TEST(TomlAdapterTest, WrongTypeNamesFileLineKeyAndExpectedType) {
  toml::table table = parsed_toml("[containers]\n\npids_limit = \"x\"\n");
  TomlSection containers(table, "/test/file.conf");
  auto sub = containers.table("containers");
  ASSERT_TRUE(sub.has_value());
  Result<std::optional<int64_t>> value = (*sub)->integer("pids_limit");
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(value.error().message(),
            "parsing \"/test/file.conf\": line 3, column 14: containers.pids_limit: expected an integer, found a string");
}

TEST(TomlAdapterTest, ArrayElementsMustBeStrings) {
  toml::table table = parsed_toml("a = [\"x\", 3]\n");
  Result<std::optional<TomlStringArray>> value = TomlSection(table, "/f").string_array("a");
  ASSERT_FALSE(value.has_value());
  EXPECT_THAT(value.error().message(), HasSubstr("element 2 is an integer"));
}

TEST(TomlAdapterTest, AppendAttribute) {
  toml::table table = parsed_toml("a = [\"x\", {append=true}]\nb = [\"y\", {append=false}]\nc = [{append=true}, \"z\"]\n");
  TomlSection root(table, "/f");
  auto a = root.string_array("a", true);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ((*a)->values, std::vector<std::string>{"x"});
  EXPECT_EQ((*a)->append, true);
  EXPECT_EQ(root.string_array("b", true)->value().append, false);
  EXPECT_FALSE(root.string_array("c", true).has_value());   // only as the last element
  EXPECT_FALSE(root.string_array("a", false).has_value());  // only where allowed
}

TEST(TomlAdapterTest, TableArrayElementsArePrefixedWithTheirIndex) {
  toml::table table = parsed_toml("[[registry]]\nlocation = \"a\"\n[[registry]]\nlocation = 5\n");
  auto registries = TomlSection(table, "/f").table_array("registry");
  ASSERT_TRUE(registries.has_value() && registries->has_value());
  ASSERT_EQ((*registries)->size(), 2u);
  Result<std::optional<std::string>> bad = (**registries)[1].string("location");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message(), HasSubstr("line 4"));
  EXPECT_THAT(bad.error().message(), HasSubstr("registry[2].location: expected a string, found an integer"));
}

TEST(TomlAdapterTest, NotATable) {
  toml::table table = parsed_toml("containers = 1\n");
  auto sub = TomlSection(table, "/f").table("containers");
  ASSERT_FALSE(sub.has_value());
  EXPECT_THAT(sub.error().message(), HasSubstr("containers: expected a table, found an integer"));
}

}  // namespace
}  // namespace nook::config
