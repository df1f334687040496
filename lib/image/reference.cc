#include "lib/image/reference.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

namespace nook::image {
namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kOfficialRepoPrefix = "library/";
constexpr size_t kTagMax = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; });
  return out;
}

// [a-z0-9]+ { ("." | "_" | "__" | "-"+) [a-z0-9]+ }
bool valid_path_component(std::string_view s) {
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && is_lower_alnum(s[i])) ++i;
    if (i == start) return false;
    if (i == s.size()) return true;
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

bool valid_path(std::string_view s) {
  while (true) {
    size_t slash = s.find('/');
    if (!valid_path_component(s.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    s.remove_prefix(slash + 1);
  }
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_dns_component(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

// host [":" port], host a DNS name / IPv4 address or a bracketed IPv6 literal (hex and colons only;
// no zone, as distribution).
bool valid_domain(std::string_view s) {
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : s.substr(1, close - 1)) {
      if (!is_hex(c) && c != ':') return false;
    }
    s.remove_prefix(close + 1);
  } else {
    size_t colon = s.find(':');
    std::string_view host = s.substr(0, colon);
    s = colon == std::string_view::npos ? std::string_view{} : s.substr(colon);
    while (true) {
      size_t dot = host.find('.');
      if (!valid_dns_component(host.substr(0, dot))) return false;
      if (dot == std::string_view::npos) break;
      host.remove_prefix(dot + 1);
    }
  }
  if (s.empty()) return true;
  if (s.front() != ':' || s.size() == 1) return false;
  return std::all_of(s.begin() + 1, s.end(), is_digit);
}

bool valid_tag(std::string_view s) {
  if (s.empty() || s.size() > kTagMax || !is_word(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

// The digest grammar of regexp.go: [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" hex{32,}
bool digest_grammar(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view algorithm = s.substr(0, colon), hex = s.substr(colon + 1);
  if (hex.size() < 32 || !std::all_of(hex.begin(), hex.end(), is_hex)) return false;
  bool need_letter = true;
  for (char c : algorithm) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (need_letter) {
      if (!letter) return false;
      need_letter = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      need_letter = true;
    } else if (!is_alnum(c)) {
      return false;
    }
  }
  return !algorithm.empty() && !need_letter;
}

// go-digest's Digest.Validate for a string that passed digest_grammar().
Result<void> validate_digest(std::string_view s) {
  size_t colon = s.find(':');
  std::string_view algorithm = s.substr(0, colon), hex = s.substr(colon + 1);
  size_t size = 0;
  if (algorithm == "sha256") size = 64;
  else if (algorithm == "sha384") size = 96;
  else if (algorithm == "sha512") size = 128;
  else return fail(ErrorKind::InvalidArgument, "unsupported digest algorithm");
  if (hex.size() != size) return fail(ErrorKind::InvalidArgument, "invalid checksum digest length");
  if (!std::all_of(hex.begin(), hex.end(), is_lower_hex)) {
    return fail(ErrorKind::InvalidArgument, "invalid checksum digest format");
  }
  return {};
}

// Splits `s` by the grammar alone; nullopt when it does not match.
std::optional<Reference> split(std::string_view s) {
  Reference ref;
  size_t at = s.find('@');
  if (at != std::string_view::npos) {
    std::string_view digest = s.substr(at + 1);
    if (!digest_grammar(digest)) return std::nullopt;
    ref.digest = digest;
    s = s.substr(0, at);
  }
  size_t colon = s.rfind(':');
  size_t last_slash = s.rfind('/');
  if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    std::string_view tag = s.substr(colon + 1);
    if (!valid_tag(tag)) return std::nullopt;
    ref.tag = tag;
    s = s.substr(0, colon);
  }
  size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = s.substr(0, slash);
    bool looks_like_domain = first.find_first_of(".:") != std::string_view::npos || first == "localhost";
    if (looks_like_domain && valid_domain(first) && valid_path(s.substr(slash + 1))) {
      ref.domain = first;
      ref.path = s.substr(slash + 1);
      return ref;
    }
  }
  if (!valid_path(s)) return std::nullopt;
  ref.path = s;
  return ref;
}

Result<Reference> invalid(std::string message) { return fail(ErrorKind::InvalidArgument, std::move(message)); }

}  // namespace

std::string Reference::name() const { return domain.empty() ? path : domain + "/" + path; }

std::string Reference::string() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar() const {
  Reference short_ref = *this;
  if (short_ref.domain == kDefaultDomain) {
    short_ref.domain.clear();
    if (short_ref.path.starts_with(kOfficialRepoPrefix)) {
      std::string rest = short_ref.path.substr(kOfficialRepoPrefix.size());
      if (rest.find('/') == std::string::npos) short_ref.path = std::move(rest);
    }
  }
  return short_ref.string();
}

Result<Reference> parse_reference(std::string_view text) {
  std::optional<Reference> ref = split(text);
  if (!ref) {
    if (text.empty()) return invalid("repository name must have at least one component");
    if (split(to_lower(text))) return invalid("repository name must be lowercase");
    return invalid("invalid reference format");
  }
  if (ref->name().size() > kNameTotalLengthMax) {
    return invalid(fmt::format("repository name must not be more than {} characters", kNameTotalLengthMax));
  }
  if (!ref->digest.empty()) NOOK_TRY_VOID(validate_digest(ref->digest));
  return *ref;
}

Result<Reference> parse_normalized(std::string_view text) {
  if (text.size() == 64 && std::all_of(text.begin(), text.end(), is_lower_hex)) {
    return invalid(fmt::format("invalid repository name ({}), cannot specify 64-byte hexadecimal strings", text));
  }
  // splitDockerDomain, in containers/image's form (an uppercase first component is no domain).
  std::string domain(kDefaultDomain);
  std::string remainder(text);
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = text.substr(0, slash);
    if (first == kLegacyDefaultDomain) {
      remainder = text.substr(slash + 1);
    } else if (first == "localhost" || first.find_first_of(".:") != std::string_view::npos) {
      domain = first;
      remainder = text.substr(slash + 1);
    }
  }
  if (domain == kDefaultDomain && remainder.find('/') == std::string::npos) {
    remainder.insert(0, kOfficialRepoPrefix);
  }
  std::string_view remote = std::string_view(remainder).substr(0, remainder.find(':'));
  if (to_lower(remote) != remote) return invalid("invalid reference format: repository name must be lowercase");
  Reference ref = NOOK_TRY(parse_reference(domain + "/" + remainder));
  // "foo_bar.com/x": the first component looked like a domain but is none, and Go's regexp would
  // quietly read it as a domain-less path; a normalized reference always has a domain.
  if (ref.domain.empty()) return invalid("invalid reference format");
  return ref;
}

bool is_short_name(std::string_view text) {
  Result<Reference> ref = parse_reference(text);
  return ref && ref->domain.empty();
}

Reference with_default_tag(Reference ref) {
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace nook::image
