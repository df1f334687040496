#include <string>

#include "lib/host/host.h"
#include "lib/util/strings.h"

namespace nook::host {

namespace {

std::string unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
    return std::string(value.substr(1, value.size() - 2));
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    std::string out;
    value = value.substr(1, value.size() - 2);
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '\\' && i + 1 < value.size()) ++i;
      out += value[i];
    }
    return out;
  }
  return std::string(value);
}

}  // namespace

Distribution parse_os_release(std::string_view text) {
  Distribution d;
  for (const std::string& raw : strings::split(text, '\n')) {
    std::string_view line = strings::trim(raw);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq);
    std::string value = unquote(line.substr(eq + 1));
    if (key == "ID") d.distribution = value;
    else if (key == "VERSION_ID") d.version = value;
    else if (key == "VERSION_CODENAME") d.codename = value;
  }
  if (d.distribution.empty()) d.distribution = "linux";
  if (d.version.empty()) d.version = "unknown";
  return d;
}

}  // namespace nook::host
