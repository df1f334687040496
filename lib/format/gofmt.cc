#include "lib/format/gofmt.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

#include "lib/format/text.h"
#include "lib/format/value.h"

namespace nook::format::gofmt {

namespace {

using Json = nlohmann::json;

// ---- strconv.FormatFloat ---------------------------------------------------------------------

// A decimal d1 d2 ... dn x 10^(dp - n): the value is 0.d1d2...dn * 10^dp. Zero has no digits.
struct Decimal {
  std::string digits;
  int dp = 0;
};

Decimal parse_scientific(std::string_view s) {
  // s is "d[.ddd]e[+-]xx" as std::to_chars writes it.
  Decimal d;
  size_t e = s.find('e');
  std::string_view mantissa = s.substr(0, e);
  for (char c : mantissa) {
    if (c != '.') d.digits += c;
  }
  int exp = 0;
  std::string_view exp_text = s.substr(e + 1);
  if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  while (!d.digits.empty() && d.digits.back() == '0') d.digits.pop_back();
  if (d.digits.empty()) {
    d.dp = 0;  // zero
  } else {
    d.dp = exp + 1;
  }
  return d;
}

// The shortest decimal that reads back as v (v >= 0, finite).
Decimal shortest_decimal(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return parse_scientific(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
}

// v rounded to `significant` digits (>= 1), trailing zeros dropped.
Decimal rounded_decimal(double v, int significant) {
  std::string buf(static_cast<size_t>(significant) + 16, '\0');
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific, significant - 1);
  return parse_scientific(std::string_view(buf.data(), static_cast<size_t>(res.ptr - buf.data())));
}

void append_exponent(std::string& out, char letter, int exp) {
  out += letter;
  out += exp < 0 ? '-' : '+';
  exp = std::abs(exp);
  if (exp < 10) out += '0';
  out += std::to_string(exp);
}

// %e: d.ddddde±dd with prec digits after the point.
std::string fmt_e(const Decimal& d, int prec, char letter) {
  std::string out;
  out += d.digits.empty() ? '0' : d.digits[0];
  if (prec > 0) {
    out += '.';
    int nd = static_cast<int>(d.digits.size());
    for (int i = 1; i <= prec; ++i) out += i < nd ? d.digits[static_cast<size_t>(i)] : '0';
  }
  append_exponent(out, letter, d.digits.empty() ? 0 : d.dp - 1);
  return out;
}

// %f: ddd.ddd with prec digits after the point.
std::string fmt_f(const Decimal& d, int prec) {
  std::string out;
  int nd = static_cast<int>(d.digits.size());
  if (d.dp > 0) {
    for (int i = 0; i < d.dp; ++i) out += i < nd ? d.digits[static_cast<size_t>(i)] : '0';
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (int i = 1; i <= prec; ++i) {
      int j = d.dp + i - 1;
      out += (j >= 0 && j < nd) ? d.digits[static_cast<size_t>(j)] : '0';
    }
  }
  return out;
}

std::string format_abs(double v, char verb, int prec) {
  bool shortest = prec < 0;
  switch (verb) {
    case 'f': {
      if (shortest) {
        Decimal d = shortest_decimal(v);
        return fmt_f(d, std::max(static_cast<int>(d.digits.size()) - d.dp, 0));
      }
      // Up to 309 integer digits, the point and prec decimals.
      std::string buf(static_cast<size_t>(prec) + 320, '\0');
      auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, prec);
      buf.resize(static_cast<size_t>(res.ptr - buf.data()));
      return buf;
    }
    case 'e':
    case 'E': {
      Decimal d = shortest ? shortest_decimal(v) : rounded_decimal(v, prec + 1);
      if (shortest) prec = static_cast<int>(d.digits.size()) - 1;
      return fmt_e(d, prec, verb);
    }
    default: {  // 'g', 'G'
      if (!shortest && prec == 0) prec = 1;
      Decimal d = shortest ? shortest_decimal(v) : rounded_decimal(v, prec);
      int nd = static_cast<int>(d.digits.size());
      if (shortest) prec = nd;
      int eprec = prec;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      // %e is used when the exponent is below -4 or at least the precision; the shortest form
      // decides with precision 6, as strconv does.
      if (shortest) eprec = 6;
      int exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmt_e(d, prec - 1, verb == 'g' ? 'e' : 'E');
      }
      if (prec > d.dp) prec = nd;
      return fmt_f(d, std::max(prec - d.dp, 0));
    }
  }
}

// ---- the printer -----------------------------------------------------------------------------

struct Flags {
  bool plus = false;
  bool minus = false;
  bool sharp = false;
  bool space = false;
  bool zero = false;
  bool plus_v = false;   // %+v
  bool sharp_v = false;  // %#v
  bool wid_present = false;
  bool prec_present = false;
  int wid = 0;
  int prec = 0;
};

constexpr std::string_view kLowerDigits = "0123456789abcdefx";
constexpr std::string_view kUpperDigits = "0123456789ABCDEFX";

class Printer {
 public:
  std::string& buf() { return buf_; }
  Flags& flags() { return f_; }
  void clear_flags() { f_ = Flags{}; }

  void print_arg(const Json* arg, char32_t verb, int depth);

 private:
  void write_padding(int n, bool allow_zero);
  void pad(std::string_view s, bool allow_zero);
  void bad_verb(char32_t verb, const Json* arg);
  void fmt_bool(bool v, char32_t verb, const Json* arg);
  void fmt_integer(uint64_t u, bool is_signed, char32_t verb, const Json* arg);
  void fmt_integer_base(uint64_t u, int base, bool is_signed, char32_t verb, std::string_view digits);
  void fmt_float(double v, char32_t verb, const Json* arg);
  void fmt_float_verb(double v, char verb, int prec);
  void fmt_string(const std::string& s, char32_t verb, const Json* arg);
  void fmt_sx(std::string_view s, std::string_view digits);
  void fmt_q(std::string_view s);
  void fmt_unicode(uint64_t u);
  std::string truncate(std::string_view s) const;

  std::string buf_;
  Flags f_;
};

void Printer::write_padding(int n, bool allow_zero) {
  if (n <= 0) return;
  char pad_byte = (allow_zero && f_.zero && !f_.minus) ? '0' : ' ';
  buf_.append(static_cast<size_t>(n), pad_byte);
}

void Printer::pad(std::string_view s, bool allow_zero) {
  if (!f_.wid_present || f_.wid == 0) {
    buf_ += s;
    return;
  }
  int width = f_.wid - static_cast<int>(text::rune_count(s));
  if (!f_.minus) {
    write_padding(width, allow_zero);
    buf_ += s;
  } else {
    buf_ += s;
    write_padding(width, allow_zero);
  }
}

std::string Printer::truncate(std::string_view s) const {
  if (!f_.prec_present) return std::string(s);
  size_t n = 0;
  std::string_view rest = s;
  while (!rest.empty()) {
    if (static_cast<int>(n) >= f_.prec) return std::string(s.substr(0, s.size() - rest.size()));
    rest.remove_prefix(text::decode_rune(rest).size);
    ++n;
  }
  return std::string(s);
}

void Printer::bad_verb(char32_t verb, const Json* arg) {
  buf_ += "%!";
  text::append_rune(buf_, verb);
  buf_ += '(';
  if (arg != nullptr && !arg->is_null()) {
    buf_ += go_type_name(*arg);
    buf_ += '=';
    print_arg(arg, 'v', 0);
  } else {
    buf_ += "<nil>";
  }
  buf_ += ')';
}

void Printer::fmt_bool(bool v, char32_t verb, const Json* arg) {
  if (verb == 't' || verb == 'v') {
    pad(v ? "true" : "false", false);
  } else {
    bad_verb(verb, arg);
  }
}

void Printer::fmt_integer_base(uint64_t u, int base, bool is_signed, char32_t verb, std::string_view digits) {
  bool negative = is_signed && static_cast<int64_t>(u) < 0;
  if (negative) u = ~u + 1;
  int prec = 0;
  if (f_.prec_present) {
    prec = f_.prec;
    // Precision 0 and value 0 print nothing but the padding.
    if (prec == 0 && u == 0) {
      bool old_zero = f_.zero;
      f_.zero = false;
      write_padding(f_.wid, true);
      f_.zero = old_zero;
      return;
    }
  } else if (f_.zero && !f_.minus && f_.wid_present) {
    prec = f_.wid;
    if (negative || f_.plus || f_.space) --prec;  // room for the sign
  }
  std::string rev;
  do {
    rev += digits[u % static_cast<uint64_t>(base)];
    u /= static_cast<uint64_t>(base);
  } while (u != 0);
  while (static_cast<int>(rev.size()) < prec) rev += '0';
  if (f_.sharp) {
    switch (base) {
      case 2: rev += "b0"; break;
      case 8:
        if (rev.back() != '0') rev += '0';
        break;
      case 16:
        rev += digits[16];
        rev += '0';
        break;
      default: break;
    }
  }
  if (verb == 'O') rev += "o0";
  if (negative) {
    rev += '-';
  } else if (f_.plus) {
    rev += '+';
  } else if (f_.space) {
    rev += ' ';
  }
  std::reverse(rev.begin(), rev.end());
  // Zero padding was done above as precision, or is ignored because of an explicit precision.
  bool old_zero = f_.zero;
  f_.zero = false;
  pad(rev, true);
  f_.zero = old_zero;
}

void Printer::fmt_unicode(uint64_t u) {
  std::string hex;
  uint64_t x = u;
  do {
    hex += kUpperDigits[x % 16];
    x /= 16;
  } while (x != 0);
  int prec = f_.prec_present && f_.prec > 4 ? f_.prec : 4;
  while (static_cast<int>(hex.size()) < prec) hex += '0';
  std::reverse(hex.begin(), hex.end());
  std::string out = "U+" + hex;
  if (f_.sharp && u <= 0x10FFFF && text::is_print(static_cast<char32_t>(u))) {
    out += " '";
    text::append_rune(out, static_cast<char32_t>(u));
    out += '\'';
  }
  bool old_zero = f_.zero;
  f_.zero = false;
  pad(out, true);
  f_.zero = old_zero;
}

void Printer::fmt_integer(uint64_t u, bool is_signed, char32_t verb, const Json* arg) {
  switch (verb) {
    case 'v':
    case 'd': fmt_integer_base(u, 10, is_signed, verb, kLowerDigits); break;
    case 'b': fmt_integer_base(u, 2, is_signed, verb, kLowerDigits); break;
    case 'o':
    case 'O': fmt_integer_base(u, 8, is_signed, verb, kLowerDigits); break;
    case 'x': fmt_integer_base(u, 16, is_signed, verb, kLowerDigits); break;
    case 'X': fmt_integer_base(u, 16, is_signed, verb, kUpperDigits); break;
    case 'c': {
      std::string s;
      text::append_rune(s, u > 0x10FFFF ? text::kRuneError : static_cast<char32_t>(u));
      pad(s, true);
      break;
    }
    case 'q': pad(text::quote_rune(u > 0x10FFFF ? text::kRuneError : static_cast<char32_t>(u), f_.plus), true); break;
    case 'U': fmt_unicode(u); break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      // Not Go (which prints "%!f(int=3)"): integral values of float fields arrive as integers.
      double v = is_signed ? static_cast<double>(static_cast<int64_t>(u)) : static_cast<double>(u);
      fmt_float(v, verb, arg);
      break;
    }
    default: bad_verb(verb, arg); break;
  }
}

void Printer::fmt_float_verb(double v, char verb, int prec) {
  if (f_.prec_present) prec = f_.prec;
  std::string num = format_float(v, verb, prec);
  if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
  if (f_.space && num[0] == '+' && !f_.plus) num[0] = ' ';
  if (num[1] == 'I' || num[1] == 'N') {
    // Infinities and NaN are not padded with zeros.
    bool old_zero = f_.zero;
    f_.zero = false;
    if (num[1] == 'N' && !f_.space && !f_.plus) num.erase(0, 1);
    pad(num, true);
    f_.zero = old_zero;
    return;
  }
  if (f_.sharp) {
    // '#' keeps the decimal point and the trailing zeros %g would drop.
    int digits = 0;
    if (verb == 'g' || verb == 'G') digits = prec == -1 ? 6 : prec;
    std::string tail;
    bool has_point = false;
    bool saw_nonzero = false;
    for (size_t i = 1; i < num.size(); ++i) {
      char c = num[i];
      if (c == '.') {
        has_point = true;
      } else if (c == 'e' || c == 'E') {
        tail = num.substr(i);
        num.resize(i);
        break;
      } else {
        if (c != '0') saw_nonzero = true;
        if (saw_nonzero) --digits;
      }
    }
    if (!has_point) {
      if (num.size() == 2 && num[1] == '0') --digits;  // a lone leading zero counts once
      num += '.';
    }
    for (; digits > 0; --digits) num += '0';
    num += tail;
  }
  if (f_.plus || num[0] != '+') {
    // Zero padding goes between the sign and the digits.
    if (f_.zero && !f_.minus && f_.wid_present && f_.wid > static_cast<int>(num.size())) {
      buf_ += num[0];
      write_padding(f_.wid - static_cast<int>(num.size()), true);
      buf_.append(num, 1);
      return;
    }
    pad(num, true);
    return;
  }
  pad(std::string_view(num).substr(1), true);
}

void Printer::fmt_float(double v, char32_t verb, const Json* arg) {
  switch (verb) {
    case 'v': fmt_float_verb(v, 'g', -1); break;
    case 'g':
    case 'G': fmt_float_verb(v, static_cast<char>(verb), -1); break;
    case 'e':
    case 'E':
    case 'f': fmt_float_verb(v, static_cast<char>(verb), 6); break;
    case 'F': fmt_float_verb(v, 'f', 6); break;
    default: bad_verb(verb, arg); break;
  }
}

void Printer::fmt_sx(std::string_view s, std::string_view digits) {
  size_t length = s.size();
  if (f_.prec_present && f_.prec >= 0 && static_cast<size_t>(f_.prec) < length) length = static_cast<size_t>(f_.prec);
  int width = 2 * static_cast<int>(length);
  if (width > 0) {
    if (f_.space) {
      if (f_.sharp) width *= 2;
      width += static_cast<int>(length) - 1;
    } else if (f_.sharp) {
      width += 2;
    }
  } else {
    if (f_.wid_present) write_padding(f_.wid, false);
    return;
  }
  if (f_.wid_present && f_.wid > width && !f_.minus) write_padding(f_.wid - width, false);
  if (f_.sharp) {
    buf_ += '0';
    buf_ += digits[16];
  }
  for (size_t i = 0; i < length; ++i) {
    if (f_.space && i > 0) {
      buf_ += ' ';
      if (f_.sharp) {
        buf_ += '0';
        buf_ += digits[16];
      }
    }
    auto c = static_cast<unsigned char>(s[i]);
    buf_ += digits[c >> 4];
    buf_ += digits[c & 0xF];
  }
  if (f_.wid_present && f_.wid > width && f_.minus) write_padding(f_.wid - width, false);
}

void Printer::fmt_q(std::string_view s) {
  std::string t = truncate(s);
  if (f_.sharp && text::can_backquote(t)) {
    pad("`" + t + "`", false);
    return;
  }
  pad(text::quote(t, f_.plus), false);
}

void Printer::fmt_string(const std::string& s, char32_t verb, const Json* arg) {
  switch (verb) {
    case 'v':
      if (f_.sharp_v) {
        fmt_q(s);
      } else {
        pad(truncate(s), false);
      }
      break;
    case 's': pad(truncate(s), false); break;
    case 'x': fmt_sx(s, kLowerDigits); break;
    case 'X': fmt_sx(s, kUpperDigits); break;
    case 'q': fmt_q(s); break;
    default: bad_verb(verb, arg); break;
  }
}

void Printer::print_arg(const Json* arg, char32_t verb, int depth) {
  const Json& v = *arg;
  if (verb == 'T') {
    pad(v.is_null() ? "<nil>" : go_type_name(v), false);
    return;
  }
  switch (v.type()) {
    case Json::value_t::null:
      if (depth > 0) {
        // A nil inside a slice or map prints without padding, whatever the verb.
        buf_ += f_.sharp_v ? "interface {}(nil)" : "<nil>";
      } else if (verb == 'v') {
        pad("<nil>", false);
      } else {
        bad_verb(verb, nullptr);
      }
      return;
    case Json::value_t::boolean: fmt_bool(v.get_ref<const bool&>(), verb, arg); return;
    case Json::value_t::number_integer:
      fmt_integer(static_cast<uint64_t>(v.get_ref<const int64_t&>()), true, verb, arg);
      return;
    case Json::value_t::number_unsigned: fmt_integer(v.get_ref<const uint64_t&>(), false, verb, arg); return;
    case Json::value_t::number_float: fmt_float(v.get_ref<const double&>(), verb, arg); return;
    case Json::value_t::string: fmt_string(v.get_ref<const std::string&>(), verb, arg); return;
    case Json::value_t::array: {
      if (f_.sharp_v) {
        buf_ += "[]interface {}{";
      } else {
        buf_ += '[';
      }
      bool first = true;
      for (const auto& element : v) {
        if (!first) buf_ += f_.sharp_v ? ", " : " ";
        first = false;
        print_arg(&element, verb, depth + 1);
      }
      buf_ += f_.sharp_v ? '}' : ']';
      return;
    }
    case Json::value_t::object: {
      buf_ += f_.sharp_v ? "map[string]interface {}{" : "map[";
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) buf_ += f_.sharp_v ? ", " : " ";
        first = false;
        Json key = it.key();
        print_arg(&key, verb, depth + 1);
        buf_ += ':';
        print_arg(&it.value(), verb, depth + 1);
      }
      buf_ += f_.sharp_v ? '}' : ']';
      return;
    }
    default: bad_verb(verb, arg); return;
  }
}

// Parses a decimal number at format[i...]; Go caps widths and precisions at 1e6.
bool parse_number(std::string_view format, size_t& i, int& out) {
  if (i >= format.size() || format[i] < '0' || format[i] > '9') return false;
  int n = 0;
  while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
    if (n > 1000000) return false;
    n = n * 10 + (format[i] - '0');
    ++i;
  }
  out = n;
  return true;
}

// An integer operand for '*'.
bool int_from_arg(const Json* arg, int& out) {
  int64_t v = 0;
  if (arg == nullptr || !as_int64(*arg, v)) return false;
  if (v > 1000000 || v < -1000000) return false;
  out = static_cast<int>(v);
  return true;
}

}  // namespace

std::string format_float(double v, char verb, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::string body = format_abs(std::fabs(v), verb, prec);
  return std::signbit(v) ? "-" + body : body;
}

std::string sprint_value(const nlohmann::json& v) {
  Printer p;
  p.print_arg(&v, 'v', 0);
  return std::move(p.buf());
}

std::string sprintf(std::string_view format, std::span<const nlohmann::json* const> args) {
  Printer p;
  std::string& out = p.buf();
  Flags& f = p.flags();
  size_t arg_num = 0;
  size_t end = format.size();
  size_t i = 0;
  while (i < end) {
    size_t lasti = i;
    while (i < end && format[i] != '%') ++i;
    out.append(format.substr(lasti, i - lasti));
    if (i >= end) break;
    ++i;  // skip '%'
    p.clear_flags();
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') {
        f.sharp = true;
      } else if (c == '0') {
        f.zero = !f.minus;  // zero padding only to the left
      } else if (c == '+') {
        f.plus = true;
      } else if (c == '-') {
        f.minus = true;
        f.zero = false;
      } else if (c == ' ') {
        f.space = true;
      } else {
        break;
      }
    }
    // Width.
    if (i < end && format[i] == '*') {
      ++i;
      const Json* arg = arg_num < args.size() ? args[arg_num] : nullptr;
      f.wid_present = int_from_arg(arg, f.wid);
      if (arg_num < args.size()) ++arg_num;
      if (!f.wid_present) out += "%!(BADWIDTH)";
      if (f.wid < 0) {
        f.wid = -f.wid;
        f.minus = true;
        f.zero = false;
      }
    } else {
      f.wid_present = parse_number(format, i, f.wid);
    }
    // Precision.
    if (i + 1 <= end && i < end && format[i] == '.') {
      ++i;
      if (i < end && format[i] == '*') {
        ++i;
        const Json* arg = arg_num < args.size() ? args[arg_num] : nullptr;
        f.prec_present = int_from_arg(arg, f.prec);
        if (arg_num < args.size()) ++arg_num;
        if (f.prec < 0) {
          f.prec = 0;
          f.prec_present = false;
        }
        if (!f.prec_present) out += "%!(BADPREC)";
      } else {
        f.prec_present = parse_number(format, i, f.prec);
        if (!f.prec_present) {
          f.prec = 0;
          f.prec_present = true;
        }
      }
    }
    if (i >= end) {
      out += "%!(NOVERB)";
      break;
    }
    auto d = text::decode_rune(format.substr(i));
    char32_t verb = d.rune;
    i += d.size;
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (arg_num >= args.size()) {
      out += "%!";
      text::append_rune(out, verb);
      out += "(MISSING)";
      continue;
    }
    if (verb == 'v') {
      f.sharp_v = f.sharp;
      f.sharp = false;
      f.plus_v = f.plus;
      f.plus = false;
    }
    p.print_arg(args[arg_num], verb, 0);
    ++arg_num;
  }
  if (arg_num < args.size()) {
    p.clear_flags();
    out += "%!(EXTRA ";
    for (size_t k = arg_num; k < args.size(); ++k) {
      if (k > arg_num) out += ", ";
      if (args[k]->is_null()) {
        out += "<nil>";
      } else {
        out += go_type_name(*args[k]);
        out += '=';
        p.print_arg(args[k], 'v', 0);
      }
    }
    out += ')';
  }
  return std::move(out);
}

std::string sprint(std::span<const nlohmann::json* const> args) {
  Printer p;
  bool prev_string = false;
  for (size_t k = 0; k < args.size(); ++k) {
    bool is_string = args[k]->is_string();
    if (k > 0 && !is_string && !prev_string) p.buf() += ' ';
    p.print_arg(args[k], 'v', 0);
    prev_string = is_string;
  }
  return std::move(p.buf());
}

std::string sprintln(std::span<const nlohmann::json* const> args) {
  Printer p;
  for (size_t k = 0; k < args.size(); ++k) {
    if (k > 0) p.buf() += ' ';
    p.print_arg(args[k], 'v', 0);
  }
  p.buf() += '\n';
  return std::move(p.buf());
}

}  // namespace nook::format::gofmt
