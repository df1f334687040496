#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "lib/host/host.h"
#include "lib/util/strings.h"

namespace nook::host {

Memory parse_meminfo(std::string_view text) {
  Memory m;
  for (const std::string& line : strings::split(text, '\n')) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    int64_t value = std::atoll(line.c_str() + colon + 1);
    if (line.find(" kB") != std::string::npos) value *= 1024;
    if (key == "MemTotal") m.total = value;
    else if (key == "MemFree") m.free = value;
    else if (key == "SwapTotal") m.swap_total = value;
    else if (key == "SwapFree") m.swap_free = value;
  }
  return m;
}

std::string format_uptime(double seconds) {
  int64_t whole = static_cast<int64_t>(seconds);
  int64_t hours = whole / 3600;
  int64_t minutes = (whole % 3600) / 60;
  double rest = seconds - static_cast<double>(hours * 3600 + minutes * 60);
  std::string out;
  if (hours > 0) out += fmt::format("{}h {}m ", hours, minutes);
  else if (minutes > 0) out += fmt::format("{}m ", minutes);
  out += fmt::format("{:.2f}s", rest);
  if (hours > 0) out += fmt::format(" (Approximately {:.2f} days)", seconds / 86400.0);
  return out;
}

namespace {

std::string version_in_line(std::string_view line) {
  for (const std::string& raw : strings::split(line, ' ')) {
    std::string_view token = strings::trim(raw);
    if (!token.empty() && token.back() == ',') token.remove_suffix(1);
    if (token.size() > 1 && (token.front() == 'v' || token.front() == 'V') &&
        std::isdigit(static_cast<unsigned char>(token[1]))) {
      token.remove_prefix(1);
    }
    if (token.empty() || !std::isdigit(static_cast<unsigned char>(token.front()))) continue;
    if (token.find('.') == std::string_view::npos && token.find('~') == std::string_view::npos) continue;
    size_t end = token.find('_');
    return std::string(token.substr(0, end));
  }
  return {};
}

}  // namespace

std::string parse_version_output(std::string_view text, std::string_view program) {
  std::vector<std::string> lines = strings::split(text, '\n');
  if (!program.empty()) {
    for (const std::string& line : lines) {
      if (line.find(program) == std::string::npos) continue;
      if (std::string version = version_in_line(line); !version.empty()) return version;
    }
  }
  for (const std::string& line : lines) {
    if (std::string version = version_in_line(line); !version.empty()) return version;
  }
  return {};
}

std::optional<std::string> find_in_path(std::string_view name, std::string_view search_path) {
  if (name.find('/') != std::string_view::npos) {
    struct stat st {};
    std::string path(name);
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) return path;
    return std::nullopt;
  }
  for (const std::string& dir : strings::split(search_path, ':')) {
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + std::string(name);
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) return candidate;
  }
  return std::nullopt;
}

}  // namespace nook::host
