#include "lib/format/gofmt.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace nook::format::gofmt {
namespace {

using nlohmann::json;

std::string f(std::string_view format, const std::vector<json>& args) {
  std::vector<const json*> ptrs;
  for (const auto& a : args) ptrs.push_back(&a);
  return sprintf(format, ptrs);
}

TEST(GoFmt, FormatFloatShortestAsStrconv) {
  EXPECT_EQ(format_float(1.5, 'g', -1), "1.5");
  EXPECT_EQ(format_float(3.0, 'g', -1), "3");
  EXPECT_EQ(format_float(100, 'g', -1), "100");
  EXPECT_EQ(format_float(123456, 'g', -1), "123456");
  EXPECT_EQ(format_float(1e6, 'g', -1), "1e+06");
  EXPECT_EQ(format_float(1234567, 'g', -1), "1.234567e+06");
  EXPECT_EQ(format_float(1e21, 'g', -1), "1e+21");
  EXPECT_EQ(format_float(0.0001, 'g', -1), "0.0001");
  EXPECT_EQ(format_float(0.00001, 'g', -1), "1e-05");
  EXPECT_EQ(format_float(1e-7, 'g', -1), "1e-07");
  EXPECT_EQ(format_float(-2.5, 'g', -1), "-2.5");
  EXPECT_EQ(format_float(0, 'g', -1), "0");
  EXPECT_EQ(format_float(0.1 + 0.2, 'g', -1), "0.30000000000000004");
  EXPECT_EQ(format_float(1e21, 'f', -1), "1000000000000000000000");
  EXPECT_EQ(format_float(1.5, 'f', -1), "1.5");
  EXPECT_EQ(format_float(1234.5, 'e', -1), "1.2345e+03");
  EXPECT_EQ(format_float(0, 'e', -1), "0e+00");
  EXPECT_EQ(format_float(1e100, 'g', -1), "1e+100");
  EXPECT_EQ(format_float(std::numeric_limits<double>::infinity(), 'g', -1), "+Inf");
  EXPECT_EQ(format_float(-std::numeric_limits<double>::infinity(), 'f', 2), "-Inf");
  EXPECT_EQ(format_float(std::nan(""), 'g', -1), "NaN");
}

TEST(GoFmt, FormatFloatWithPrecision) {
  EXPECT_EQ(format_float(3.14159, 'f', 2), "3.14");
  EXPECT_EQ(format_float(2.5, 'f', 0), "2");  // round half to even
  EXPECT_EQ(format_float(1234.5678, 'e', 3), "1.235e+03");
  EXPECT_EQ(format_float(1234.5678, 'E', 3), "1.235E+03");
  EXPECT_EQ(format_float(1234.5678, 'g', 3), "1.23e+03");
  EXPECT_EQ(format_float(0.5, 'g', 3), "0.5");
  EXPECT_EQ(format_float(1.0, 'g', 10), "1");
  EXPECT_EQ(format_float(100, 'g', 2), "1e+02");
  EXPECT_EQ(format_float(100, 'g', 3), "100");
  EXPECT_EQ(format_float(0, 'g', 3), "0");
  EXPECT_EQ(format_float(123.456, 'g', 0), "1e+02");
  EXPECT_EQ(format_float(0.000012345, 'G', 2), "1.2E-05");
  EXPECT_EQ(format_float(1e308, 'f', 2).size(), 312u);
  EXPECT_EQ(format_float(1.0, 'e', 2000).size(), 2006u);
  EXPECT_EQ(format_float(0.1, 'f', 30), "0.100000000000000005551115123126");
}

TEST(GoFmt, SprintValueIsPercentV) {
  EXPECT_EQ(sprint_value(json("abc")), "abc");
  EXPECT_EQ(sprint_value(json(42)), "42");
  EXPECT_EQ(sprint_value(json(-7)), "-7");
  EXPECT_EQ(sprint_value(json(18446744073709551615ull)), "18446744073709551615");
  EXPECT_EQ(sprint_value(json(1.5)), "1.5");
  EXPECT_EQ(sprint_value(json(3.0)), "3");
  EXPECT_EQ(sprint_value(json(true)), "true");
  EXPECT_EQ(sprint_value(json(nullptr)), "<nil>");
  EXPECT_EQ(sprint_value(json::parse(R"([1,"a",null,[true]])")), "[1 a <nil> [true]]");
  EXPECT_EQ(sprint_value(json::parse(R"({"b":1,"a":{"c":"d"}})")), "map[a:map[c:d] b:1]");
  EXPECT_EQ(sprint_value(json::array()), "[]");
  EXPECT_EQ(sprint_value(json::object()), "map[]");
}

TEST(GoFmt, SprintfIntegers) {
  EXPECT_EQ(f("%d", {42}), "42");
  EXPECT_EQ(f("%5d|", {42}), "   42|");
  EXPECT_EQ(f("%-5d|", {42}), "42   |");
  EXPECT_EQ(f("%05d", {-42}), "-0042");
  EXPECT_EQ(f("%+d %+d", {5, -5}), "+5 -5");
  EXPECT_EQ(f("% d", {5}), " 5");
  EXPECT_EQ(f("%.3d", {7}), "007");
  EXPECT_EQ(f("%.0d|", {0}), "|");
  EXPECT_EQ(f("%x %X %#x %x", {255, 255, 255, -255}), "ff FF 0xff -ff");
  EXPECT_EQ(f("%o %#o %O", {8, 8, 8}), "10 010 0o10");
  EXPECT_EQ(f("%b %#b", {5, 5}), "101 0b101");
  EXPECT_EQ(f("%c%c", {72, 0x263A}), "H☺");
  EXPECT_EQ(f("%q", {65}), "'A'");
  EXPECT_EQ(f("%U %#U", {0x1F600, 65}), "U+1F600 U+0041 'A'");
  EXPECT_EQ(f("%v", {uint64_t{18446744073709551615ull}}), "18446744073709551615");
}

TEST(GoFmt, SprintfStrings) {
  EXPECT_EQ(f("%s", {"abc"}), "abc");
  EXPECT_EQ(f("%10s|", {"abc"}), "       abc|");
  EXPECT_EQ(f("%-10s|", {"abc"}), "abc       |");
  EXPECT_EQ(f("%010s|", {"abc"}), "       abc|");  // '0' is ignored for strings
  EXPECT_EQ(f("%.2s", {"abcdef"}), "ab");
  EXPECT_EQ(f("%.1s", {"日本"}), "日");
  EXPECT_EQ(f("%5s|", {"日本"}), "   日本|");
  EXPECT_EQ(f("%q", {"a\"b\n"}), "\"a\\\"b\\n\"");
  EXPECT_EQ(f("%#q", {"ab"}), "`ab`");
  EXPECT_EQ(f("%+q", {"é"}), "\"\\u00e9\"");
  EXPECT_EQ(f("%x % x %#x %# X", {"hi", "hi", "hi", "hi"}), "6869 68 69 0x6869 0X68 0X69");
  EXPECT_EQ(f("%v|%#v", {"x", "x"}), "x|\"x\"");
}

TEST(GoFmt, SprintfFloats) {
  EXPECT_EQ(f("%.2f", {3.14159}), "3.14");
  EXPECT_EQ(f("%8.3f|", {3.14159}), "   3.142|");
  EXPECT_EQ(f("%-8.3f|", {3.14159}), "3.142   |");
  EXPECT_EQ(f("%08.3f", {-3.14159}), "-003.142");
  EXPECT_EQ(f("%+.1f", {2.0}), "+2.0");
  EXPECT_EQ(f("%f", {1.5}), "1.500000");
  EXPECT_EQ(f("%e", {1234.5678}), "1.234568e+03");
  EXPECT_EQ(f("%g %G", {1e6, 1e-10}), "1e+06 1E-10");
  EXPECT_EQ(f("%v", {2.5}), "2.5");
  EXPECT_EQ(f("%6.2f%%", {12.3456}), " 12.35%");
  EXPECT_EQ(f("%#g", {1.0}), "1.00000");
  EXPECT_EQ(f("%#.0f", {3.0}), "3.");
  // Not Go: integers accept the floating-point verbs (integral float fields arrive as integers).
  EXPECT_EQ(f("%.2f", {3}), "3.00");
}

TEST(GoFmt, SprintfOtherValues) {
  EXPECT_EQ(f("%t %v", {true, false}), "true false");
  EXPECT_EQ(f("%5t|", {true}), " true|");
  EXPECT_EQ(f("%v", {nullptr}), "<nil>");
  EXPECT_EQ(f("%v", {json::parse(R"([1,"a",null])")}), "[1 a <nil>]");
  EXPECT_EQ(f("%d", {json::parse("[1,2]")}), "[1 2]");
  EXPECT_EQ(f("%d", {json::parse(R"([1,"a"])")}), "[1 %!d(string=a)]");
  EXPECT_EQ(f("%v", {json::parse(R"({"b":2,"a":1})")}), "map[a:1 b:2]");
  EXPECT_EQ(f("%+v", {json::parse(R"({"a":1})")}), "map[a:1]");
  EXPECT_EQ(f("%#v", {json::parse(R"([1,"a"])")}), "[]interface {}{1, \"a\"}");
  EXPECT_EQ(f("%#v", {json::parse(R"({"a":null})")}), "map[string]interface {}{\"a\":interface {}(nil)}");
  EXPECT_EQ(f("%3v|", {json::parse("[1,22]")}), "[  1  22]|");
  EXPECT_EQ(f("%T %T %T %T %T %T %T", {"s", 1, 1.5, true, nullptr, json::array(), json::object()}),
            "string int float64 bool <nil> []interface {} map[string]interface {}");
}

TEST(GoFmt, SprintfErrorsInline) {
  EXPECT_EQ(f("%d", {"abc"}), "%!d(string=abc)");
  EXPECT_EQ(f("%s", {5}), "%!s(int=5)");
  EXPECT_EQ(f("%d", {1.5}), "%!d(float64=1.5)");
  EXPECT_EQ(f("%s", {true}), "%!s(bool=true)");
  EXPECT_EQ(f("%d", {nullptr}), "%!d(<nil>)");
  EXPECT_EQ(f("%z", {1}), "%!z(int=1)");
  EXPECT_EQ(f("%5d", {"ab"}), "%!d(string=   ab)");
  EXPECT_EQ(f("%d %d", {1}), "1 %!d(MISSING)");
  EXPECT_EQ(f("hi", {1, "x"}), "hi%!(EXTRA int=1, string=x)");
  EXPECT_EQ(f("%", {}), "%!(NOVERB)");
  EXPECT_EQ(f("100%%", {}), "100%");
  EXPECT_EQ(f("%*d|%-*d|", {5, 42, 4, 7}), "   42|7   |");
  EXPECT_EQ(f("%*d", {"x", 42}), "%!(BADWIDTH)42");
}

TEST(GoFmt, SprintAndSprintln) {
  std::vector<json> values = {"a", "b", 1, 2, "c", nullptr};
  std::vector<const json*> ptrs;
  for (const auto& v : values) ptrs.push_back(&v);
  EXPECT_EQ(sprint(ptrs), "ab1 2c<nil>");  // nil is not a string, but follows one
  EXPECT_EQ(sprintln(ptrs), "a b 1 2 c <nil>\n");
  EXPECT_EQ(sprint({}), "");
  EXPECT_EQ(sprintln({}), "\n");
}

}  // namespace
}  // namespace nook::format::gofmt
