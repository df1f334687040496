#include "lib/util/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nook::log {
namespace {

std::vector<std::string> g_lines;

void capture(Level level, Category category, std::string_view message) {
  g_lines.push_back(std::string(level_name(level)) + "/" + std::string(category_name(category)) + ": " +
                    std::string(message));
}

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_lines.clear();
    set_sink(&capture);
    set_level(Level::Warn);
    reset_categories();
  }
  void TearDown() override {
    set_sink(nullptr);
    set_level(Level::Warn);
    reset_categories();
  }
};

TEST_F(LogTest, ParseLevelAcceptsPodmanNames) {
  EXPECT_EQ(*parse_level("debug"), Level::Debug);
  EXPECT_EQ(*parse_level("warning"), Level::Warn);
  EXPECT_EQ(*parse_level("warn"), Level::Warn);
  EXPECT_EQ(*parse_level("fatal"), Level::Error);
  EXPECT_EQ(*parse_level("trace"), Level::Trace);
  auto bad = parse_level("loud");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("\"loud\""), std::string::npos);
}

TEST_F(LogTest, LevelFilters) {
  NOOK_WARN(Config, "w {}", 1);
  NOOK_INFO(Config, "i");
  NOOK_DEBUG(Config, "d");
  ASSERT_EQ(g_lines.size(), 1u);
  EXPECT_EQ(g_lines[0], "warning/config: w 1");
  set_level(Level::Debug);
  NOOK_DEBUG(Store, "d2");
  NOOK_TRACE(Store, "t");
  ASSERT_EQ(g_lines.size(), 2u);
  EXPECT_EQ(g_lines[1], "debug/store: d2");
}

TEST_F(LogTest, CategoriesEnableDebugSelectively) {
  ASSERT_TRUE(enable_categories("mounts, reg*"));
  NOOK_DEBUG(Mounts, "m");
  NOOK_TRACE(Registry, "r");
  NOOK_DEBUG(Cgroup, "c");
  NOOK_INFO(Mounts, "info is not debug");
  ASSERT_EQ(g_lines.size(), 2u);
  EXPECT_EQ(g_lines[0], "debug/mounts: m");
  EXPECT_EQ(g_lines[1], "trace/registry: r");
}

TEST_F(LogTest, WildcardEnablesAll) {
  ASSERT_TRUE(enable_categories("*"));
  for (const CategoryInfo& info : categories()) EXPECT_TRUE(enabled(Level::Debug, info.category));
}

TEST_F(LogTest, UnknownCategoryIsAnError) {
  auto r = enable_categories("mounts,bogus");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "unknown debug category \"bogus\"");
}

TEST_F(LogTest, FormattingIsSkippedWhenDisabled) {
  int evaluated = 0;
  auto count = [&] { return ++evaluated; };
  NOOK_DEBUG(Store, "{}", count());
  EXPECT_EQ(evaluated, 0);
  NOOK_WARN(Store, "{}", count());
  EXPECT_EQ(evaluated, 1);
}

TEST_F(LogTest, CategoryNamesAreUniqueAndDescribed) {
  std::vector<std::string> names;
  for (const CategoryInfo& info : categories()) {
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_EQ(category_name(info.category), info.name);
    names.emplace_back(info.name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

}  // namespace
}  // namespace nook::log
