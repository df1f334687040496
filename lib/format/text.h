// Text helpers with Go's semantics, shared by the template engine, the fmt emulation and the
// tabwriter: UTF-8 decoding the way Go's unicode/utf8 does it, simple case mapping (strings.ToUpper,
// strings.ToLower, strings.Title), rune classes (letters, digits, spaces) and Go's quoting
// (strconv.Quote and %#U).
//
// Case mapping and the rune classes cover ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic,
// Armenian and the fullwidth Latin letters; other scripts map to themselves. That is enough for
// container names, labels and field names; Go itself uses the full Unicode tables.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nook::format::text {

inline constexpr char32_t kRuneError = 0xFFFD;

struct DecodedRune {
  char32_t rune;  // kRuneError for an invalid or truncated sequence
  size_t size;    // bytes consumed: 1 for an invalid sequence (as Go), 0 only at the end of input
};

// Decodes the first rune of s like utf8.DecodeRuneInString: overlong forms, surrogates and values
// past U+10FFFF are invalid and consume one byte.
DecodedRune decode_rune(std::string_view s);

// Appends the UTF-8 encoding of r; invalid runes (surrogates, > U+10FFFF) encode as U+FFFD.
void append_rune(std::string& out, char32_t r);

// Number of runes as utf8.RuneCountInString counts them (each invalid byte counts as one).
size_t rune_count(std::string_view s);

bool is_valid_utf8(std::string_view s);

// Rune classes (unicode.IsUpper, IsLower, IsLetter, IsDigit, IsSpace, IsPrint approximations).
bool is_upper(char32_t r);
bool is_lower(char32_t r);
bool is_letter(char32_t r);
bool is_digit(char32_t r);
bool is_space(char32_t r);
bool is_print(char32_t r);

char32_t to_upper(char32_t r);
char32_t to_lower(char32_t r);

// strings.ToUpper / strings.ToLower: maps every rune; invalid bytes become U+FFFD.
std::string upper(std::string_view s);
std::string lower(std::string_view s);

// strings.Title: upper-cases the first letter of every word, words being separated by anything
// that is not a letter, a digit or '_'.
std::string title(std::string_view s);

// strconv.Quote (ascii_only = false) and strconv.QuoteToASCII (ascii_only = true).
std::string quote(std::string_view s, bool ascii_only = false);

// strconv.QuoteRune: 'a', '\n', '\u00e9' with ascii_only.
std::string quote_rune(char32_t r, bool ascii_only = false);

// strconv.CanBackquote: no control characters other than tab, no backquote, valid UTF-8.
bool can_backquote(std::string_view s);

// fmt's %#U without the "#": "U+0041 'A'" for printable runes, "U+000A" otherwise. Used by
// the template lexer's error messages ("bad character U+002B '+'").
std::string rune_description(char32_t r);

}  // namespace nook::format::text
