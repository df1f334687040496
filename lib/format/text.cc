#include "lib/format/text.h"

#include <fmt/format.h>

namespace nook::format::text {

namespace {

constexpr char32_t kMaxRune = 0x10FFFF;

bool in(char32_t r, char32_t lo, char32_t hi) { return r >= lo && r <= hi; }
bool odd(char32_t r) { return (r & 1u) != 0; }

}  // namespace

DecodedRune decode_rune(std::string_view s) {
  if (s.empty()) return {kRuneError, 0};
  auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return {b0, 1};
  size_t need = 0;
  char32_t r = 0;
  char32_t min = 0;
  if (in(b0, 0xC2, 0xDF)) {
    need = 1, r = b0 & 0x1Fu, min = 0x80;
  } else if (in(b0, 0xE0, 0xEF)) {
    need = 2, r = b0 & 0x0Fu, min = 0x800;
  } else if (in(b0, 0xF0, 0xF4)) {
    need = 3, r = b0 & 0x07u, min = 0x10000;
  } else {
    return {kRuneError, 1};
  }
  if (s.size() < need + 1) return {kRuneError, 1};
  for (size_t i = 1; i <= need; ++i) {
    auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0u) != 0x80u) return {kRuneError, 1};
    r = (r << 6) | (b & 0x3Fu);
  }
  if (r < min || r > kMaxRune || in(r, 0xD800, 0xDFFF)) return {kRuneError, 1};
  return {r, need + 1};
}

void append_rune(std::string& out, char32_t r) {
  if (r > kMaxRune || in(r, 0xD800, 0xDFFF)) r = kRuneError;
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

size_t rune_count(std::string_view s) {
  size_t n = 0;
  while (!s.empty()) {
    auto d = decode_rune(s);
    s.remove_prefix(d.size);
    ++n;
  }
  return n;
}

bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    auto d = decode_rune(s);
    if (d.rune == kRuneError && d.size == 1) return false;
    s.remove_prefix(d.size);
  }
  return true;
}

char32_t to_upper(char32_t r) {
  if (r < 0x80) return in(r, 'a', 'z') ? r - 32 : r;
  if (r == 0xB5) return 0x39C;
  if (in(r, 0xE0, 0xFE) && r != 0xF7) return r - 32;
  if (r == 0xFF) return 0x178;
  if (in(r, 0x100, 0x12F) || in(r, 0x132, 0x137) || in(r, 0x14A, 0x177)) return odd(r) ? r - 1 : r;
  if (r == 0x131) return 'I';
  if (in(r, 0x139, 0x148) || in(r, 0x179, 0x17E)) return odd(r) ? r : r - 1;
  if (r == 0x17F) return 'S';
  if (in(r, 0x3B1, 0x3C1) || in(r, 0x3C3, 0x3CB)) return r - 32;
  if (r == 0x3C2) return 0x3A3;
  if (r == 0x3AC) return 0x386;
  if (in(r, 0x3AD, 0x3AF)) return r - 37;
  if (r == 0x3CC) return 0x38C;
  if (in(r, 0x3CD, 0x3CE)) return r - 63;
  if (in(r, 0x430, 0x44F)) return r - 32;
  if (in(r, 0x450, 0x45F)) return r - 80;
  if (in(r, 0x460, 0x481) || in(r, 0x48A, 0x4BF) || in(r, 0x4D0, 0x52F)) return odd(r) ? r - 1 : r;
  if (in(r, 0x4C1, 0x4CE)) return odd(r) ? r : r - 1;
  if (r == 0x4CF) return 0x4C0;
  if (in(r, 0x561, 0x586)) return r - 48;
  if (in(r, 0xFF41, 0xFF5A)) return r - 32;
  return r;
}

char32_t to_lower(char32_t r) {
  if (r < 0x80) return in(r, 'A', 'Z') ? r + 32 : r;
  if (in(r, 0xC0, 0xDE) && r != 0xD7) return r + 32;
  if (r == 0x178) return 0xFF;
  if (in(r, 0x100, 0x12F) || in(r, 0x132, 0x137) || in(r, 0x14A, 0x177)) return odd(r) ? r : r + 1;
  if (r == 0x130) return 'i';
  if (in(r, 0x139, 0x148) || in(r, 0x179, 0x17E)) return odd(r) ? r + 1 : r;
  if (in(r, 0x391, 0x3A1) || in(r, 0x3A3, 0x3AB)) return r + 32;
  if (r == 0x386) return 0x3AC;
  if (in(r, 0x388, 0x38A)) return r + 37;
  if (r == 0x38C) return 0x3CC;
  if (in(r, 0x38E, 0x38F)) return r + 63;
  if (in(r, 0x410, 0x42F)) return r + 32;
  if (in(r, 0x400, 0x40F)) return r + 80;
  if (in(r, 0x460, 0x481) || in(r, 0x48A, 0x4BF) || in(r, 0x4D0, 0x52F)) return odd(r) ? r : r + 1;
  if (r == 0x4C0) return 0x4CF;
  if (in(r, 0x4C1, 0x4CE)) return odd(r) ? r + 1 : r;
  if (in(r, 0x531, 0x556)) return r + 48;
  if (in(r, 0xFF21, 0xFF3A)) return r + 32;
  return r;
}

bool is_upper(char32_t r) { return to_lower(r) != r; }

bool is_lower(char32_t r) {
  // Lower-case letters without a simple upper-case mapping: sharp s, kra, n preceded by apostrophe.
  return to_upper(r) != r || r == 0xDF || r == 0x138 || r == 0x149;
}

bool is_letter(char32_t r) {
  if (r < 0x80) return in(r, 'a', 'z') || in(r, 'A', 'Z');
  if (r == 0xAA || r == 0xB5 || r == 0xBA) return true;
  if (in(r, 0xC0, 0x24F)) return r != 0xD7 && r != 0xF7;
  if (in(r, 0x250, 0x2AF)) return true;
  if (in(r, 0x370, 0x3FF)) return r != 0x375 && r != 0x37E && r != 0x384 && r != 0x385 && r != 0x387;
  if (in(r, 0x400, 0x481) || in(r, 0x48A, 0x52F)) return true;
  if (in(r, 0x531, 0x556) || in(r, 0x561, 0x587)) return true;
  if (in(r, 0x5D0, 0x5EA) || in(r, 0x620, 0x64A)) return true;
  if (in(r, 0x3041, 0x3096) || in(r, 0x30A1, 0x30FA)) return true;
  if (in(r, 0x4E00, 0x9FFF) || in(r, 0xAC00, 0xD7A3)) return true;
  return in(r, 0xFF21, 0xFF3A) || in(r, 0xFF41, 0xFF5A);
}

bool is_digit(char32_t r) { return in(r, '0', '9') || in(r, 0x660, 0x669) || in(r, 0xFF10, 0xFF19); }

bool is_space(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return true;
    default: return in(r, 0x2000, 0x200A);
  }
}

bool is_print(char32_t r) {
  if (r < 0x80) return in(r, 0x20, 0x7E);
  if (r > kMaxRune || in(r, 0xD800, 0xDFFF)) return false;
  if (in(r, 0x80, 0xA0) || r == 0xAD) return false;
  if (r == 0x1680 || in(r, 0x2000, 0x200F) || in(r, 0x2028, 0x202F) || in(r, 0x205F, 0x206F)) return false;
  if (r == 0x3000 || r == 0xFEFF || in(r, 0xFFF9, 0xFFFB) || r == 0xFFFE || r == 0xFFFF) return false;
  if (in(r, 0xE000, 0xF8FF) || r >= 0xF0000) return false;  // private use
  return true;
}

namespace {

template <class Map>
std::string map_runes(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    auto d = decode_rune(s);
    append_rune(out, map(d.rune));
    s.remove_prefix(d.size);
  }
  return out;
}

bool is_word_separator(char32_t r) {
  if (r < 0x80) return !(in(r, '0', '9') || in(r, 'a', 'z') || in(r, 'A', 'Z') || r == '_');
  if (is_letter(r) || is_digit(r)) return false;
  return is_space(r);
}

void append_hex(std::string& out, char prefix, uint32_t value, int digits) {
  out += '\\';
  out += prefix;
  out += fmt::format("{:0{}x}", value, digits);
}

void append_escaped_rune(std::string& out, char32_t r, char quote_char, bool ascii_only) {
  if (r == static_cast<char32_t>(quote_char) || r == '\\') {
    out += '\\';
    out += static_cast<char>(r);
    return;
  }
  bool printable = ascii_only ? (r < 0x80 && is_print(r)) : is_print(r);
  if (printable) {
    append_rune(out, r);
    return;
  }
  switch (r) {
    case '\a': out += "\\a"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\v': out += "\\v"; return;
    default: break;
  }
  if (r < ' ' || r == 0x7F) {
    append_hex(out, 'x', r, 2);
  } else if (r > kMaxRune || in(r, 0xD800, 0xDFFF)) {
    append_hex(out, 'u', kRuneError, 4);
  } else if (r < 0x10000) {
    append_hex(out, 'u', r, 4);
  } else {
    append_hex(out, 'U', r, 8);
  }
}

}  // namespace

std::string upper(std::string_view s) {
  return map_runes(s, [](char32_t r) { return to_upper(r); });
}

std::string lower(std::string_view s) {
  return map_runes(s, [](char32_t r) { return to_lower(r); });
}

std::string title(std::string_view s) {
  char32_t prev = ' ';
  return map_runes(s, [&prev](char32_t r) {
    bool start = is_word_separator(prev);
    prev = r;
    return start ? to_upper(r) : r;
  });
}

std::string quote(std::string_view s, bool ascii_only) {
  std::string out = "\"";
  while (!s.empty()) {
    auto d = decode_rune(s);
    if (d.rune == kRuneError && d.size == 1) {
      append_hex(out, 'x', static_cast<unsigned char>(s[0]), 2);
    } else {
      append_escaped_rune(out, d.rune, '"', ascii_only);
    }
    s.remove_prefix(d.size);
  }
  out += '"';
  return out;
}

std::string quote_rune(char32_t r, bool ascii_only) {
  if (r > kMaxRune || in(r, 0xD800, 0xDFFF)) r = kRuneError;
  std::string out = "'";
  append_escaped_rune(out, r, '\'', ascii_only);
  out += '\'';
  return out;
}

bool can_backquote(std::string_view s) {
  while (!s.empty()) {
    auto d = decode_rune(s);
    s.remove_prefix(d.size);
    if (d.size > 1) {
      if (d.rune == 0xFEFF) return false;
      continue;
    }
    if (d.rune == kRuneError) return false;
    if ((d.rune < ' ' && d.rune != '\t') || d.rune == '`' || d.rune == 0x7F) return false;
  }
  return true;
}

std::string rune_description(char32_t r) {
  std::string out = fmt::format("U+{:04X}", static_cast<uint32_t>(r));
  if (is_print(r)) {
    out += " '";
    append_rune(out, r);
    out += '\'';
  }
  return out;
}

}  // namespace nook::format::text
