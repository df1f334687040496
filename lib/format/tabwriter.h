// Go's text/tabwriter (elastic tabstops) as a pure function over a whole text.
//
// Cells are runs of text terminated by a horizontal tab ('\t'), a vertical tab ('\v'), a newline
// or a formfeed ('\f'). Tab-terminated cells in consecutive lines form a column block; every cell
// of a block is padded to the block's width = max(minwidth, widest cell + padding), counted in
// runes. The last cell of a line is never part of a column. A formfeed ends a line and every open
// column. Text between two Escape bytes (0xff) is passed through uninterpreted.
//
// podman prints tables with tabwrite(text, 12, 2, 2, ' ', kStripEscape) (report.Formatter);
// report.NewWriterDefault uses the same numbers with flags 0.
#pragma once

#include <string>
#include <string_view>

namespace nook::format {

// Flags, with the values of Go's constants.
inline constexpr unsigned kFilterHtml = 1u << 0;           // tags have width 0, entities width 1
inline constexpr unsigned kStripEscape = 1u << 1;          // drop the Escape bytes from the output
inline constexpr unsigned kAlignRight = 1u << 2;           // pad on the left of cells
inline constexpr unsigned kDiscardEmptyColumns = 1u << 3;  // drop columns of empty '\v' cells
inline constexpr unsigned kTabIndent = 1u << 4;            // pad leading empty cells with tabs
inline constexpr unsigned kDebug = 1u << 5;                // print '|' between columns

inline constexpr char kTabwriterEscape = '\xff';

// Formats text as a tabwriter.Writer would after Write(text) and Flush(). Negative minwidth,
// tabwidth or padding are treated as 0 (Go panics). With padchar '\t' the padding is done with
// tabs of width tabwidth and cells are left-aligned.
std::string tabwrite(std::string_view text, int minwidth, int tabwidth, int padding, char padchar, unsigned flags);

}  // namespace nook::format
