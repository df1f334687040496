#include "lib/format/go_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace nook::format {
namespace {

using nlohmann::json;

TEST(GoJson, CompactWithSortedKeys) {
  EXPECT_EQ(go_json_marshal(json::parse(R"({"b":[1,2,{"z":null,"y":true}],"a":"x"})")),
            R"({"a":"x","b":[1,2,{"y":true,"z":null}]})");
  EXPECT_EQ(go_json_marshal(json::array({"ident1", "ident2", "ident3"})), R"(["ident1","ident2","ident3"])");
  EXPECT_EQ(go_json_marshal(json::object()), "{}");
  EXPECT_EQ(go_json_marshal(json::array()), "[]");
  EXPECT_EQ(go_json_marshal(json(nullptr)), "null");
  EXPECT_EQ(go_json_marshal(json(-12)), "-12");
  EXPECT_EQ(go_json_marshal(json(18446744073709551615ull)), "18446744073709551615");
}

TEST(GoJson, StringsWithoutHtmlEscaping) {
  EXPECT_EQ(go_json_marshal(json("<a href=\"x\">&</a>")), R"("<a href=\"x\">&</a>")");
  EXPECT_EQ(go_json_marshal(json("tab\tnl\ncr\rbs\\bell\a\b\f")), R"("tab\tnl\ncr\rbs\\bell\u0007\b\f")");
  EXPECT_EQ(go_json_marshal(json("\x1b[0m")), R"("\u001b[0m")");
  EXPECT_EQ(go_json_marshal(json("日本\u2028\u2029")), "\"日本\\u2028\\u2029\"");
  EXPECT_EQ(go_json_marshal(json(std::string("a\xff") + "b")), R"("a\ufffdb")");
  EXPECT_EQ(go_json_marshal(json("\x7f")), "\"\x7f\"");
}

TEST(GoJson, FloatsAsEncodingJson) {
  EXPECT_EQ(go_json_marshal(json(1.5)), "1.5");
  EXPECT_EQ(go_json_marshal(json(3.0)), "3");
  EXPECT_EQ(go_json_marshal(json(-0.25)), "-0.25");
  EXPECT_EQ(go_json_marshal(json(1e20)), "100000000000000000000");
  EXPECT_EQ(go_json_marshal(json(1e21)), "1e+21");
  EXPECT_EQ(go_json_marshal(json(0.000001)), "0.000001");
  EXPECT_EQ(go_json_marshal(json(1e-7)), "1e-7");
  EXPECT_EQ(go_json_marshal(json(1.5e-10)), "1.5e-10");
  EXPECT_EQ(go_json_marshal(json(0.0)), "0");
  EXPECT_EQ(go_json_marshal(json::array({1.0, std::nan("")})), "");
}

}  // namespace
}  // namespace nook::format
