#include "lib/util/strings.h"

#include <gtest/gtest.h>

namespace nook::strings {
namespace {

using V = std::vector<std::string>;

TEST(Strings, Split) {
  EXPECT_EQ(split("a,b,c", ','), (V{"a", "b", "c"}));
  EXPECT_EQ(split("a,,b", ','), (V{"a", "", "b"}));
  EXPECT_EQ(split("", ','), (V{""}));
  EXPECT_EQ(split("a,", ','), (V{"a", ""}));
}

TEST(Strings, JoinTrimCase) {
  EXPECT_EQ(join({"a", "b"}, ", "), "a, b");
  EXPECT_EQ(join({}, ","), "");
  EXPECT_EQ(trim("  x y\t\n"), "x y");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(to_lower("AbC"), "abc");
  EXPECT_EQ(to_upper("AbC"), "ABC");
  EXPECT_TRUE(iequals("Docker.IO", "docker.io"));
  EXPECT_FALSE(iequals("docker", "dockers"));
}

TEST(Strings, Contains) {
  const std::vector<std::string> list{"CAP_CHOWN", "ALL"};
  EXPECT_TRUE(contains(list, "ALL"));
  EXPECT_FALSE(contains(list, "all"));
  EXPECT_FALSE(contains({}, ""));
}

TEST(Strings, GlobMatch) {
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("reg*", "registry"));
  EXPECT_TRUE(glob_match("m?unts", "mounts"));
  EXPECT_TRUE(glob_match("*g*y", "registry"));
  EXPECT_FALSE(glob_match("reg*", "store"));
  EXPECT_FALSE(glob_match("mount", "mounts"));
  EXPECT_FALSE(glob_match("?", ""));
}

TEST(Strings, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("ps", "ps"), 0u);
  EXPECT_EQ(edit_distance("psx", "ps"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("inof", "info"), 2u);
}

TEST(Strings, SuggestionsLikeCobra) {
  V commands{"info", "images", "inspect", "version", "ps"};
  EXPECT_EQ(suggestions("inf", commands), (V{"info"}));
  EXPECT_EQ(suggestions("verison", commands), (V{"version"}));
  EXPECT_EQ(suggestions("psx", commands), (V{"ps"}));
  EXPECT_EQ(suggestions("in", commands), (V{"info", "inspect", "ps"}));  // ps: distance 2
  EXPECT_TRUE(suggestions("zzzzzz", commands).empty());
}

TEST(CleanPath, AsGoPathCleanOfAnAbsolutePath) {
  EXPECT_EQ(clean_path("//a/./b/../c/"), "/a/c");
  EXPECT_EQ(clean_path(""), "/");
  EXPECT_EQ(clean_path("/../.."), "/");
  EXPECT_EQ(clean_path("relative/x"), "/relative/x");
  EXPECT_EQ(clean_path("/etc/hosts"), "/etc/hosts");
}

}  // namespace
}  // namespace nook::strings
