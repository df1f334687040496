#include "lib/format/tabwriter.h"

#include <gtest/gtest.h>

#include <string>

namespace nook::format {
namespace {

struct Case {
  const char* name;
  int minwidth;
  int tabwidth;
  int padding;
  char padchar;
  unsigned flags;
  std::string src;
  std::string expected;
};

// The table of Go's text/tabwriter/tabwriter_test.go.
// clang-format off
const Case kGoCases[] = {
    {"1a", 8, 0, 1, '.', 0, "", ""},
    {"1a debug", 8, 0, 1, '.', kDebug, "", ""},
    {"1b esc stripped", 8, 0, 1, '.', kStripEscape, "\xff\xff", ""},
    {"1b esc", 8, 0, 1, '.', 0, "\xff\xff", "\xff\xff"},
    {"1c esc stripped", 8, 0, 1, '.', kStripEscape, "\xff\t\xff", "\t"},
    {"1c esc", 8, 0, 1, '.', 0, "\xff\t\xff", "\xff\t\xff"},
    {"1d esc stripped", 8, 0, 1, '.', kStripEscape, "\xff\"foo\t\n\tbar\"\xff", "\"foo\t\n\tbar\""},
    {"1d esc", 8, 0, 1, '.', 0, "\xff\"foo\t\n\tbar\"\xff", "\xff\"foo\t\n\tbar\"\xff"},
    {"1e esc stripped", 8, 0, 1, '.', kStripEscape, "abc\xff\tdef", "abc\tdef"},
    {"1e esc", 8, 0, 1, '.', 0, "abc\xff\tdef", "abc\xff\tdef"},
    {"2", 8, 0, 1, '.', 0, "\n\n\n", "\n\n\n"},
    {"3", 8, 0, 1, '.', 0, "a\nb\nc", "a\nb\nc"},
    {"4a", 8, 0, 1, '.', 0, "\t", ""},
    {"4b", 8, 0, 1, '.', kAlignRight, "\t", ""},
    {"5", 8, 0, 1, '.', 0, "*\t*", "*.......*"},
    {"5b", 8, 0, 1, '.', 0, "*\t*\n", "*.......*\n"},
    {"5c", 8, 0, 1, '.', 0, "*\t*\t", "*.......*"},
    {"5c debug", 8, 0, 1, '.', kDebug, "*\t*\t", "*.......|*"},
    {"5d", 8, 0, 1, '.', kAlignRight, "*\t*\t", ".......**"},
    {"6", 8, 0, 1, '.', 0, "\t\n", "........\n"},
    {"7a", 8, 0, 1, '.', 0, "a) foo", "a) foo"},
    {"7b", 8, 0, 1, ' ', 0, "b) foo\tbar", "b) foo  bar"},
    {"7c", 8, 0, 1, '.', 0, "c) foo\tbar\t", "c) foo..bar"},
    {"7d", 8, 0, 1, '.', 0, "d) foo\tbar\n", "d) foo..bar\n"},
    {"7e", 8, 0, 1, '.', 0, "e) foo\tbar\t\n", "e) foo..bar.....\n"},
    {"7f", 8, 0, 1, '.', kFilterHtml, "f) f&lt;o\t<b>bar</b>\t\n", "f) f&lt;o..<b>bar</b>.....\n"},
    {"7g", 8, 0, 1, '.', kFilterHtml, "g) f&lt;o\t<b>bar</b>\t non-terminated entity &amp",
     "g) f&lt;o..<b>bar</b>..... non-terminated entity &amp"},
    {"7g debug", 8, 0, 1, '.', kFilterHtml | kDebug, "g) f&lt;o\t<b>bar</b>\t non-terminated entity &amp",
     "g) f&lt;o..|<b>bar</b>.....| non-terminated entity &amp"},
    {"8", 8, 0, 1, '*', 0, "Hello, world!\n", "Hello, world!\n"},
    {"9a", 1, 0, 0, '.', 0, "1\t2\t3\t4\n11\t222\t3333\t44444\n", "1.2..3...4\n11222333344444\n"},
    {"9b", 1, 0, 0, '.', kFilterHtml, "1\t2<!---\f--->\t3\t4\n11\t222\t3333\t44444\n",
     "1.2<!---\f--->..3...4\n11222333344444\n"},
    {"9c", 1, 0, 0, '.', 0, "1\t2\t3\t4\f11\t222\t3333\t44444\n", "1234\n11222333344444\n"},
    {"9c debug", 1, 0, 0, '.', kDebug, "1\t2\t3\t4\f11\t222\t3333\t44444\n", "1|2|3|4\n---\n11|222|3333|44444\n"},
    {"10a", 5, 0, 0, '.', 0, "1\t2\t3\t4\n", "1....2....3....4\n"},
    {"10b", 5, 0, 0, '.', 0, "1\t2\t3\t4\t\n", "1....2....3....4....\n"},
    {"11", 8, 0, 1, '.', 0, "本\tb\tc\naa\t本本本\tcccc\tddddd\naaa\tbbbb\n",
     "本.......b.......c\naa......本本本.....cccc....ddddd\naaa.....bbbb\n"},
    {"12a", 8, 0, 1, ' ', kAlignRight, "a\tè\tc\t\naa\tèèè\tcccc\tddddd\t\naaa\tèèèè\t\n",
     "       a       è       c\n      aa     èèè    cccc   ddddd\n     aaa    èèèè\n"},
    {"12b", 2, 0, 0, ' ', 0, "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n", "a  b  c\naa bbbcccc\naaabbbb\n"},
    {"12c", 8, 0, 1, '_', 0, "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
     "a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n"},
    {"13a", 4, 0, 1, '-', 0,
     "4444\t日本語\t22\t1\t333\n"
     "999999999\t22\n"
     "7\t22\n"
     "\t\t\t88888888\n"
     "\n"
     "666666\t666666\t666666\t4444\n"
     "1\t1\t999999999\t0000000000\n",
     "4444------日本語-22--1---333\n"
     "999999999-22\n"
     "7---------22\n"
     "------------------88888888\n"
     "\n"
     "666666-666666-666666----4444\n"
     "1------1------999999999-0000000000\n"},
    {"13b", 4, 0, 3, '.', 0,
     "4444\t333\t22\t1\t333\n"
     "999999999\t22\n"
     "7\t22\n"
     "\t\t\t88888888\n"
     "\n"
     "666666\t666666\t666666\t4444\n"
     "1\t1\t999999999\t0000000000\n",
     "4444........333...22...1...333\n"
     "999999999...22\n"
     "7...........22\n"
     "....................88888888\n"
     "\n"
     "666666...666666...666666......4444\n"
     "1........1........999999999...0000000000\n"},
    {"13c", 8, 8, 1, '\t', kFilterHtml,
     "4444\t333\t22\t1\t333\n"
     "999999999\t22\n"
     "7\t22\n"
     "\t\t\t88888888\n"
     "\n"
     "666666\t666666\t666666\t4444\n"
     "1\t1\t<font color=red attr=日本語>999999999</font>\t0000000000\n",
     "4444\t\t333\t22\t1\t333\n"
     "999999999\t22\n"
     "7\t\t22\n"
     "\t\t\t\t88888888\n"
     "\n"
     "666666\t666666\t666666\t\t4444\n"
     "1\t1\t<font color=red attr=日本語>999999999</font>\t0000000000\n"},
    {"14", 1, 0, 2, ' ', kAlignRight,
     ".0\t.3\t2.4\t-5.1\t\n"
     "23.0\t12345678.9\t2.4\t-989.4\t\n"
     "5.1\t12.0\t2.4\t-7.0\t\n"
     ".0\t0.0\t332.0\t8908.0\t\n"
     ".0\t-.3\t456.4\t22.1\t\n"
     ".0\t1.2\t44.4\t-13.3\t\t",
     "    .0          .3    2.4    -5.1\n"
     "  23.0  12345678.9    2.4  -989.4\n"
     "   5.1        12.0    2.4    -7.0\n"
     "    .0         0.0  332.0  8908.0\n"
     "    .0         -.3  456.4    22.1\n"
     "    .0         1.2   44.4   -13.3"},
    {"14 debug", 1, 0, 2, ' ', kAlignRight | kDebug,
     ".0\t.3\t2.4\t-5.1\t\n"
     "23.0\t12345678.9\t2.4\t-989.4\t\n"
     "5.1\t12.0\t2.4\t-7.0\t\n"
     ".0\t0.0\t332.0\t8908.0\t\n"
     ".0\t-.3\t456.4\t22.1\t\n"
     ".0\t1.2\t44.4\t-13.3\t\t",
     "    .0|          .3|    2.4|    -5.1|\n"
     "  23.0|  12345678.9|    2.4|  -989.4|\n"
     "   5.1|        12.0|    2.4|    -7.0|\n"
     "    .0|         0.0|  332.0|  8908.0|\n"
     "    .0|         -.3|  456.4|    22.1|\n"
     "    .0|         1.2|   44.4|   -13.3|"},
    {"15a", 4, 0, 0, '.', 0, "a\t\tb", "a.......b"},
    {"15b", 4, 0, 0, '.', kDiscardEmptyColumns, "a\t\tb", "a.......b"},
    {"15c", 4, 0, 0, '.', kDiscardEmptyColumns, "a\v\vb", "a...b"},
    {"15d", 4, 0, 0, '.', kAlignRight | kDiscardEmptyColumns, "a\v\vb", "...ab"},
    {"16a", 100, 100, 0, '\t', 0, "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
     "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n"},
    {"16b", 100, 100, 0, '\t', kDiscardEmptyColumns, "a\vb\v\vd\na\vb\v\vd\ve\na\na\vb\vc\vd\na\vb\vc\vd\ve\n",
     "a\tb\td\na\tb\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n"},
    {"16b debug", 100, 100, 0, '\t', kDiscardEmptyColumns | kDebug,
     "a\vb\v\vd\na\vb\v\vd\ve\na\na\vb\vc\vd\na\vb\vc\vd\ve\n",
     "a\t|b\t||d\na\t|b\t||d\t|e\na\na\t|b\t|c\t|d\na\t|b\t|c\t|d\t|e\n"},
    {"16c", 100, 100, 0, '\t', kDiscardEmptyColumns, "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
     "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n"},
    {"16c debug", 100, 100, 0, '\t', kDiscardEmptyColumns | kDebug,
     "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
     "a\t|b\t|\t|d\na\t|b\t|\t|d\t|e\na\na\t|b\t|c\t|d\na\t|b\t|c\t|d\t|e\n"},
};
// clang-format on

TEST(Tabwriter, GoTestTable) {
  for (const auto& c : kGoCases) {
    EXPECT_EQ(tabwrite(c.src, c.minwidth, c.tabwidth, c.padding, c.padchar, c.flags), c.expected) << c.name;
  }
}

// podman's report.NewWriter tests (containers/common pkg/report/writer_test.go).
TEST(Tabwriter, PodmanWriterCases) {
  EXPECT_EQ(tabwrite("Hello\tWorld", 4, 8, 1, ':', 0), "Hello:World");
  EXPECT_EQ(tabwrite("Be\tGood", 4, 8, 1, ':', 0), "Be::Good");
  EXPECT_EQ(tabwrite("a46001bfea3a4172b46c173101208244\tRandom\tuuid", 12, 2, 2, ' ', 0),
            "a46001bfea3a4172b46c173101208244  Random      uuid");
}

TEST(Tabwriter, PodmanTableAlignsColumnsWithMinimumWidthTwelve) {
  EXPECT_EQ(tabwrite("ID\tNAMES\nabc\tweb\nabcdef0123\tdb\n", 12, 2, 2, ' ', kStripEscape),
            "ID          NAMES\n"
            "abc         web\n"
            "abcdef0123  db\n");
}

TEST(Tabwriter, ColumnBlocksEndAtLinesWithFewerCells) {
  // The second column of lines 1-2 and of line 4 are separate blocks: line 3 has no such cell.
  EXPECT_EQ(tabwrite("a\tbbbbbbbb\tc\nd\te\tf\ng\nh\ti\tj\n", 1, 0, 1, '.', 0),
            "a.bbbbbbbb.c\n"
            "d.e........f\n"
            "g\n"
            "h.i.j\n");
}

TEST(Tabwriter, WidthsCountRunesNotBytes) { EXPECT_EQ(tabwrite("é\tx\nab\ty\n", 1, 0, 1, ' ', 0), "é  x\nab y\n"); }

TEST(Tabwriter, NegativeParametersAreZero) { EXPECT_EQ(tabwrite("a\tb\n", -1, -1, -1, '.', 0), "ab\n"); }

}  // namespace
}  // namespace nook::format
