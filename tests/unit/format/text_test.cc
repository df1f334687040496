#include "lib/format/text.h"

#include <gtest/gtest.h>

namespace nook::format::text {
namespace {

TEST(Text, DecodeRuneLikeGo) {
  EXPECT_EQ(decode_rune("a").rune, U'a');
  EXPECT_EQ(decode_rune("é").rune, 0xE9u);
  EXPECT_EQ(decode_rune("é").size, 2u);
  EXPECT_EQ(decode_rune("本").size, 3u);
  EXPECT_EQ(decode_rune("\xF0\x9F\x98\x80").rune, 0x1F600u);
  // Invalid: a lone continuation byte, an overlong form, a surrogate, a truncated sequence.
  for (std::string_view bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82"}) {
    auto d = decode_rune(bad);
    EXPECT_EQ(d.rune, kRuneError) << bad;
    EXPECT_EQ(d.size, 1u) << bad;
  }
  EXPECT_EQ(decode_rune("").size, 0u);
}

TEST(Text, RuneCountCountsInvalidBytesOneEach) {
  EXPECT_EQ(rune_count("héllo"), 5u);
  EXPECT_EQ(rune_count("\xff\xff"), 2u);
  EXPECT_EQ(rune_count("日本語"), 3u);
  EXPECT_TRUE(is_valid_utf8("日本語"));
  EXPECT_FALSE(is_valid_utf8("a\xffz"));
}

TEST(Text, AppendRuneEncodesAndReplacesInvalid) {
  std::string s;
  append_rune(s, U'€');
  append_rune(s, 0xD800);
  EXPECT_EQ(s, "€\xEF\xBF\xBD");
}

TEST(Text, CaseMappingAsStringsToUpperAndToLower) {
  EXPECT_EQ(upper("hello, World"), "HELLO, WORLD");
  EXPECT_EQ(lower("HELLO, World"), "hello, world");
  EXPECT_EQ(upper("straße"), "STRAßE");  // no single-rune upper case for sharp s
  EXPECT_EQ(upper("éàü ÿ"), "ÉÀÜ Ÿ");
  EXPECT_EQ(lower("ÉÀÜ Ÿ"), "éàü ÿ");
  EXPECT_EQ(upper("αβγ ж"), "ΑΒΓ Ж");
  EXPECT_EQ(lower("ĞİŞ"), "ğiş");
  EXPECT_EQ(upper("a\xffz"), "A\xEF\xBF\xBDZ");
}

TEST(Text, TitleAsStringsTitle) {
  EXPECT_EQ(title("hello world"), "Hello World");
  EXPECT_EQ(title("her royal highness"), "Her Royal Highness");
  EXPECT_EQ(title("running-state x_y"), "Running-State X_y");
  EXPECT_EQ(title("élan vital"), "Élan Vital");
  EXPECT_EQ(title("up 2 days"), "Up 2 Days");
  EXPECT_EQ(title(""), "");
}

TEST(Text, RuneClasses) {
  EXPECT_TRUE(is_upper(U'A'));
  EXPECT_TRUE(is_upper(U'É'));
  EXPECT_FALSE(is_upper(U'a'));
  EXPECT_TRUE(is_lower(U'ß'));
  EXPECT_TRUE(is_letter(U'本'));
  EXPECT_FALSE(is_letter(U'1'));
  EXPECT_TRUE(is_digit(U'7'));
  EXPECT_TRUE(is_space(0xA0));
  EXPECT_FALSE(is_print(0x85));
  EXPECT_TRUE(is_print(U'é'));
}

TEST(Text, QuoteAsStrconvQuote) {
  EXPECT_EQ(quote("abc"), "\"abc\"");
  EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote("tab\tnl\nbell\a"), "\"tab\\tnl\\nbell\\a\"");
  EXPECT_EQ(quote("\x01\x7f"), "\"\\x01\\x7f\"");
  EXPECT_EQ(quote("☺"), "\"☺\"");
  EXPECT_EQ(quote("☺", true), "\"\\u263a\"");
  EXPECT_EQ(quote("\U0001F600", true), "\"\\U0001f600\"");
  EXPECT_EQ(quote("\xff"), "\"\\xff\"");
  EXPECT_EQ(quote("\u00a0"), "\"\\u00a0\"");
  EXPECT_EQ(quote_rune(U'a'), "'a'");
  EXPECT_EQ(quote_rune(U'\''), "'\\''");
  EXPECT_EQ(quote_rune(U'\n'), "'\\n'");
}

TEST(Text, CanBackquote) {
  EXPECT_TRUE(can_backquote("abc\tdef"));
  EXPECT_FALSE(can_backquote("a`b"));
  EXPECT_FALSE(can_backquote("a\nb"));
  EXPECT_FALSE(can_backquote("\xff"));
}

TEST(Text, RuneDescriptionAsPercentHashU) {
  EXPECT_EQ(rune_description(U'+'), "U+002B '+'");
  EXPECT_EQ(rune_description(U'\n'), "U+000A");
  EXPECT_EQ(rune_description(U'é'), "U+00E9 'é'");
}

}  // namespace
}  // namespace nook::format::text
