#include "lib/format/header.h"

#include "lib/format/text.h"

namespace nook::format {

namespace {

enum class RuneClass { None, Lower, Upper, Digit, Other };

RuneClass class_of(char32_t r) {
  if (text::is_lower(r)) return RuneClass::Lower;
  if (text::is_upper(r)) return RuneClass::Upper;
  if (text::is_digit(r)) return RuneClass::Digit;
  return RuneClass::Other;
}

}  // namespace

std::vector<std::string> camelcase_split(std::string_view word) {
  if (!text::is_valid_utf8(word)) return {std::string(word)};
  std::vector<std::u32string> runs;
  RuneClass last = RuneClass::None;
  while (!word.empty()) {
    auto d = text::decode_rune(word);
    word.remove_prefix(d.size);
    RuneClass cls = class_of(d.rune);
    if (cls == last) {
      runs.back() += d.rune;
    } else {
      runs.emplace_back(1, d.rune);
    }
    last = cls;
  }
  // "PDFL" + "oader" -> "PDF" + "Loader".
  for (size_t i = 0; i + 1 < runs.size(); ++i) {
    if (!runs[i].empty() && text::is_upper(runs[i].front()) && text::is_lower(runs[i + 1].front())) {
      runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
      runs[i].pop_back();
    }
  }
  std::vector<std::string> words;
  for (const auto& run : runs) {
    if (run.empty()) continue;
    std::string w;
    for (char32_t r : run) text::append_rune(w, r);
    words.push_back(std::move(w));
  }
  return words;
}

std::string header_for_field(std::string_view field_name) {
  std::string joined;
  for (const auto& w : camelcase_split(field_name)) {
    if (!joined.empty()) joined += ' ';
    joined += w;
  }
  return text::upper(joined);
}

}  // namespace nook::format
