// Registry authentication, the pure parts: WWW-Authenticate challenges (RFC 7235 with the quoted
// parameters the distribution token spec uses), token endpoint URLs and scopes, token responses.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::registry {

struct Challenge {
  std::string scheme;                         // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lower case, values unquoted ("realm", "service")

  // The parameter's value, "" when absent.
  std::string param(std::string_view key) const;
};

// Every challenge of one WWW-Authenticate header value, in order. Quoted values may contain ',' and
// '\"' escapes; unknown schemes are kept. Garbage is skipped (an empty vector for an empty value).
std::vector<Challenge> parse_www_authenticate(std::string_view value);

// "repository:NAME:pull" or "repository:NAME:pull,push".
std::string repository_scope(std::string_view repository, bool push);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

// The GET URL of a bearer challenge's token endpoint: realm?service=S&scope=A&scope=B (service and
// scopes only when non-empty; '&' when the realm already has a query). InvalidArgument without a
// realm or with a realm that is not http(s).
[[nodiscard]] Result<std::string> token_url(const Challenge& challenge, const std::vector<std::string>& scopes);

// The POST body of an OAuth2 refresh-token request (identity tokens).
std::string refresh_token_form(const Challenge& challenge, const std::vector<std::string>& scopes,
                               std::string_view refresh_token, std::string_view client_id);

struct Token {
  std::string token;
  std::chrono::seconds expires_in{60};
};

// A token endpoint's JSON answer: "token" or "access_token", "expires_in" (60 s when absent or
// below 1, as the spec says). Corrupt for anything else.
[[nodiscard]] Result<Token> parse_token_response(std::string_view body);

}  // namespace nook::registry
