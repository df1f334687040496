#include "lib/format/go_json.h"

#include <cmath>

#include "lib/format/gofmt.h"
#include "lib/format/text.h"

namespace nook::format {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_string(std::string& out, std::string_view s) {
  out += '"';
  while (!s.empty()) {
    auto b = static_cast<unsigned char>(s[0]);
    if (b < 0x80) {
      s.remove_prefix(1);
      if (b >= 0x20 && b != '"' && b != '\\') {
        out += static_cast<char>(b);
        continue;
      }
      out += '\\';
      switch (b) {
        case '"':
        case '\\': out += static_cast<char>(b); break;
        case '\b': out += 'b'; break;
        case '\f': out += 'f'; break;
        case '\n': out += 'n'; break;
        case '\r': out += 'r'; break;
        case '\t': out += 't'; break;
        default:
          out += "u00";
          out += kHex[b >> 4];
          out += kHex[b & 0xF];
          break;
      }
      continue;
    }
    auto d = text::decode_rune(s);
    if (d.rune == text::kRuneError && d.size == 1) {
      out += "\\ufffd";
    } else if (d.rune == 0x2028 || d.rune == 0x2029) {
      // Line and paragraph separators break JavaScript string literals; Go always escapes them.
      out += d.rune == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(0, d.size));
    }
    s.remove_prefix(d.size);
  }
  out += '"';
}

bool append_float(std::string& out, double f) {
  if (std::isnan(f) || std::isinf(f)) return false;
  double abs = std::fabs(f);
  char verb = 'f';
  if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) verb = 'e';
  std::string s = gofmt::format_float(f, verb, -1);
  if (verb == 'e') {
    // "e-07" -> "e-7", as ES6 prints numbers.
    size_t n = s.size();
    if (n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') s.erase(n - 2, 1);
  }
  out += s;
  return true;
}

bool encode(std::string& out, const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: out += "null"; return true;
    case nlohmann::json::value_t::boolean: out += v.get_ref<const bool&>() ? "true" : "false"; return true;
    case nlohmann::json::value_t::number_integer: out += std::to_string(v.get_ref<const int64_t&>()); return true;
    case nlohmann::json::value_t::number_unsigned: out += std::to_string(v.get_ref<const uint64_t&>()); return true;
    case nlohmann::json::value_t::number_float: return append_float(out, v.get_ref<const double&>());
    case nlohmann::json::value_t::string: append_string(out, v.get_ref<const std::string&>()); return true;
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : v) {
        if (!first) out += ',';
        first = false;
        if (!encode(out, element)) return false;
      }
      out += ']';
      return true;
    }
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out += ',';
        first = false;
        append_string(out, it.key());
        out += ':';
        if (!encode(out, it.value())) return false;
      }
      out += '}';
      return true;
    }
    default: out += "null"; return true;
  }
}

}  // namespace

std::string go_json_marshal(const nlohmann::json& value) {
  std::string out;
  if (!encode(out, value)) return {};
  return out;
}

}  // namespace nook::format
