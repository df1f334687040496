#include "lib/format/tabwriter.h"

#include <algorithm>
#include <vector>

#include "lib/format/text.h"

namespace nook::format {

namespace {

// One cell: its size in bytes inside buf_, its width in runes (escapes and HTML adjusted) and
// whether a horizontal tab terminated it.
struct Cell {
  size_t size = 0;
  int width = 0;
  bool htab = false;
};

// The state machine of Go's Writer, fed one text and flushed once. Kept as a class because
// format() and write_lines() recurse over shared state, as in Go.
class TabWriter {
 public:
  TabWriter(int minwidth, int tabwidth, int padding, char padchar, unsigned flags)
      : minwidth_(std::max(minwidth, 0)),
        tabwidth_(std::max(tabwidth, 0)),
        padding_(std::max(padding, 0)),
        padchar_(padchar),
        flags_(padchar == '\t' ? flags & ~kAlignRight : flags) {
    reset();
  }

  void write(std::string_view text);
  void flush();
  std::string take() { return std::move(out_); }

 private:
  void reset();
  void add_line() { lines_.emplace_back(); }
  void append(std::string_view text) {
    buf_.append(text);
    cell_.size += text.size();
  }
  void update_width() {
    cell_.width += static_cast<int>(text::rune_count(std::string_view(buf_).substr(pos_)));
    pos_ = buf_.size();
  }
  void start_escape(char ch);
  void end_escape();
  size_t terminate_cell(bool htab);
  void write_padding(int textw, int cellw, bool use_tabs);
  size_t write_lines(size_t pos, size_t line0, size_t line1);
  size_t format(size_t pos, size_t line0, size_t line1);

  int minwidth_;
  int tabwidth_;
  int padding_;
  char padchar_;
  unsigned flags_;

  std::string buf_;    // text without tabs and line breaks
  size_t pos_ = 0;     // position in buf_ up to which cell_.width is computed
  Cell cell_;          // the incomplete cell at the end of buf_
  char end_char_ = 0;  // terminator of the escaped section we are in, 0 outside
  std::vector<std::vector<Cell>> lines_;
  std::vector<int> widths_;  // column widths of the block being formatted
  std::string out_;
};

void TabWriter::reset() {
  buf_.clear();
  pos_ = 0;
  cell_ = Cell{};
  end_char_ = 0;
  lines_.clear();
  widths_.clear();
  add_line();
}

void TabWriter::start_escape(char ch) {
  switch (ch) {
    case kTabwriterEscape: end_char_ = kTabwriterEscape; break;
    case '<': end_char_ = '>'; break;
    case '&': end_char_ = ';'; break;
    default: break;
  }
}

void TabWriter::end_escape() {
  switch (end_char_) {
    case kTabwriterEscape:
      update_width();
      // The escape bytes themselves were counted as (invalid) runes when kept.
      if ((flags_ & kStripEscape) == 0) cell_.width -= 2;
      break;
    case '>':  // a tag has no width
      break;
    case ';':  // an entity counts as one rune
      cell_.width++;
      break;
    default: break;
  }
  pos_ = buf_.size();
  end_char_ = 0;
}

size_t TabWriter::terminate_cell(bool htab) {
  cell_.htab = htab;
  lines_.back().push_back(cell_);
  cell_ = Cell{};
  return lines_.back().size();
}

void TabWriter::write_padding(int textw, int cellw, bool use_tabs) {
  if (padchar_ == '\t' || use_tabs) {
    if (tabwidth_ == 0) return;  // tabs have no width, no padding possible
    cellw = (cellw + tabwidth_ - 1) / tabwidth_ * tabwidth_;
    int n = std::max(cellw - textw, 0);
    out_.append(static_cast<size_t>((n + tabwidth_ - 1) / tabwidth_), '\t');
    return;
  }
  if (cellw > textw) out_.append(static_cast<size_t>(cellw - textw), padchar_);
}

size_t TabWriter::write_lines(size_t pos, size_t line0, size_t line1) {
  for (size_t i = line0; i < line1; ++i) {
    const auto& line = lines_[i];
    bool use_tabs = (flags_ & kTabIndent) != 0;  // pad leading empty cells with tabs
    for (size_t j = 0; j < line.size(); ++j) {
      const Cell& c = line[j];
      if (j > 0 && (flags_ & kDebug) != 0) out_ += '|';
      if (c.size == 0) {
        if (j < widths_.size()) write_padding(c.width, widths_[j], use_tabs);
        continue;
      }
      use_tabs = false;
      if ((flags_ & kAlignRight) == 0) {
        out_.append(buf_, pos, c.size);
        pos += c.size;
        if (j < widths_.size()) write_padding(c.width, widths_[j], false);
      } else {
        if (j < widths_.size()) write_padding(c.width, widths_[j], false);
        out_.append(buf_, pos, c.size);
        pos += c.size;
      }
    }
    if (i + 1 == lines_.size()) {
      // The last buffered line has no newline yet: emit the pending incomplete cell.
      out_.append(buf_, pos, cell_.size);
      pos += cell_.size;
    } else {
      out_ += '\n';
    }
  }
  return pos;
}

size_t TabWriter::format(size_t pos, size_t line0, size_t line1) {
  size_t column = widths_.size();
  for (size_t current = line0; current < line1; ++current) {
    // The last cell of a line is not tab-terminated and never belongs to a column.
    if (column + 1 >= lines_[current].size()) continue;

    // A cell exists in this column: print the lines before the block, then measure the block.
    pos = write_lines(pos, line0, current);
    line0 = current;
    int width = minwidth_;
    bool discardable = true;  // every cell empty and soft-tab terminated
    for (; current < line1; ++current) {
      const auto& line = lines_[current];
      if (column + 1 >= line.size()) break;
      const Cell& c = line[column];
      width = std::max(width, c.width + padding_);
      if (c.width > 0 || c.htab) discardable = false;
    }
    if (discardable && (flags_ & kDiscardEmptyColumns) != 0) width = 0;

    // Format the columns to the right, now that this column's width is known.
    widths_.push_back(width);
    pos = format(pos, line0, current);
    widths_.pop_back();
    line0 = current;
    // The line that ended the block has no cell in this column; the loop's ++ may skip it.
  }
  return write_lines(pos, line0, line1);
}

void TabWriter::flush() {
  if (cell_.size > 0) {
    if (end_char_ != 0) end_escape();  // an unterminated escape ends here
    terminate_cell(false);
  }
  format(0, 0, lines_.size());
  reset();
}

void TabWriter::write(std::string_view text) {
  size_t n = 0;  // start of the text not yet appended to buf_
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (end_char_ == 0) {
      switch (ch) {
        case '\t':
        case '\v':
        case '\n':
        case '\f': {
          append(text.substr(n, i - n));
          update_width();
          n = i + 1;
          size_t ncells = terminate_cell(ch == '\t');
          if (ch == '\n' || ch == '\f') {
            add_line();
            // A formfeed flushes; so does a line of one cell, which cannot affect later columns.
            if (ch == '\f' || ncells == 1) {
              flush();
              if (ch == '\f' && (flags_ & kDebug) != 0) out_ += "---\n";
            }
          }
          break;
        }
        case kTabwriterEscape:
          append(text.substr(n, i - n));
          update_width();
          n = i;
          if ((flags_ & kStripEscape) != 0) ++n;
          start_escape(kTabwriterEscape);
          break;
        case '<':
        case '&':
          if ((flags_ & kFilterHtml) != 0) {
            append(text.substr(n, i - n));
            update_width();
            n = i;
            start_escape(ch);
          }
          break;
        default: break;
      }
    } else if (ch == end_char_) {
      size_t j = i + 1;
      if (ch == kTabwriterEscape && (flags_ & kStripEscape) != 0) j = i;
      append(text.substr(n, j - n));
      n = i + 1;
      end_escape();
    }
  }
  append(text.substr(n));
}

}  // namespace

std::string tabwrite(std::string_view text, int minwidth, int tabwidth, int padding, char padchar, unsigned flags) {
  TabWriter writer(minwidth, tabwidth, padding, padchar, flags);
  writer.write(text);
  writer.flush();
  return writer.take();
}

}  // namespace nook::format
