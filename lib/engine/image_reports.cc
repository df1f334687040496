// podman's formatting of image data (see image_reports.h).
#include "lib/engine/image_reports.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace nook::engine {

namespace {

bool read_digits(std::string_view text, size_t pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string utc_date_time(int64_t seconds, char separator) {
  time_t t = static_cast<time_t>(seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, separator,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// ".5" for 500000000 ns, "" for 0 (Go's .999999999 layout element).
std::string fraction(int32_t nanos) {
  if (nanos == 0) return {};
  std::string digits = fmt::format("{:09}", nanos);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return "." + digits;
}

const nlohmann::json* member(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_member(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json* value = member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

// "docker.io/library/busybox" of "docker.io/library/busybox:latest" or "...@sha256:...".
std::string repository_of(std::string_view name) {
  size_t at = name.find('@');
  if (at != std::string_view::npos) name = name.substr(0, at);
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) name = name.substr(0, colon);
  return std::string(name);
}

bool is_tagged_name(std::string_view name) { return name.find('@') == std::string_view::npos; }

void push_unique(std::vector<std::string>& out, const std::string& value) {
  if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
}

nlohmann::json string_array(const std::vector<std::string>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& v : values) out.push_back(v);
  return out;
}

// An object of string values, or null (Go's nil map) when absent or empty-null.
nlohmann::json string_map_or_null(const nlohmann::json* value) {
  if (value == nullptr || !value->is_object()) return nullptr;
  return *value;
}

// The fields of the OCI image-spec ImageConfig, as Go's encoding/json writes them (omitempty).
nlohmann::json oci_image_config(const nlohmann::json& config) {
  nlohmann::json out = nlohmann::json::object();
  const nlohmann::json* cfg = member(config, "config");
  if (cfg == nullptr || !cfg->is_object()) return out;
  for (const char* key : {"User", "WorkingDir", "StopSignal"}) {
    std::string value = string_member(*cfg, key);
    if (!value.empty()) out[key] = value;
  }
  for (const char* key : {"ExposedPorts", "Volumes", "Labels"}) {
    const nlohmann::json* value = member(*cfg, key);
    if (value != nullptr && value->is_object() && !value->empty()) out[key] = *value;
  }
  for (const char* key : {"Env", "Entrypoint", "Cmd"}) {
    const nlohmann::json* value = member(*cfg, key);
    if (value != nullptr && value->is_array() && !value->empty()) out[key] = *value;
  }
  const nlohmann::json* escaped = member(*cfg, "ArgsEscaped");
  if (escaped != nullptr && escaped->is_boolean() && escaped->get<bool>()) out["ArgsEscaped"] = true;
  return out;
}

// ociv1.History with Go's omitempty: created, created_by, author, comment, empty_layer.
nlohmann::json oci_history(const nlohmann::json& config) {
  nlohmann::json out = nlohmann::json::array();
  const nlohmann::json* history = member(config, "history");
  if (history == nullptr || !history->is_array()) return out;
  for (const nlohmann::json& entry : *history) {
    nlohmann::json item = nlohmann::json::object();
    if (auto created = parse_rfc3339(string_member(entry, "created"))) item["created"] = format_rfc3339_nano(*created);
    for (const char* key : {"created_by", "author", "comment"}) {
      std::string value = string_member(entry, key);
      if (!value.empty()) item[key] = value;
    }
    const nlohmann::json* empty = member(entry, "empty_layer");
    if (empty != nullptr && empty->is_boolean() && empty->get<bool>()) item["empty_layer"] = true;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || !read_digits(text, 0, 4, year) || text[4] != '-' || !read_digits(text, 5, 2, month) ||
      text[7] != '-' || !read_digits(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !read_digits(text, 11, 2, hour) || text[13] != ':' || !read_digits(text, 14, 2, minute) || text[16] != ':' ||
      !read_digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t pos = 19;
  int32_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100000000;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (scale > 0) nanos += static_cast<int32_t>((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= text.size()) return std::nullopt;
  int64_t offset = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh, om;
    if (!read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !read_digits(text, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return Timestamp{days * 86400 + hour * 3600 + minute * 60 + second - offset, nanos};
}

std::string format_rfc3339_nano(Timestamp t) { return utc_date_time(t.seconds, 'T') + fraction(t.nanos) + "Z"; }

Timestamp now() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return {static_cast<int64_t>(ts.tv_sec), static_cast<int32_t>(ts.tv_nsec)};
}

double seconds_since(const Timestamp& t) {
  Timestamp n = now();
  return static_cast<double>(n.seconds - t.seconds) + static_cast<double>(n.nanos - t.nanos) / 1e9;
}

std::string format_rfc3339(Timestamp t) { return utc_date_time(t.seconds, 'T') + "Z"; }

std::string go_time_string(Timestamp t) { return utc_date_time(t.seconds, ' ') + fraction(t.nanos) + " +0000 UTC"; }

std::string human_size(double size, int precision) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  size_t unit = 0;
  while (size >= 1000.0 && unit + 1 < std::size(kUnits)) {
    size /= 1000.0;
    ++unit;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", precision, size);
  return std::string(buffer) + kUnits[unit];
}

std::string spaced_size(int64_t size) {
  std::string text = human_size(static_cast<double>(size), 3);
  size_t last_digit = text.find_last_of("0123456789");
  if (last_digit == std::string::npos) return text;
  return text.substr(0, last_digit + 1) + " " + text.substr(last_digit + 1);
}

std::string human_duration(double seconds_in) {
  int64_t seconds = static_cast<int64_t>(seconds_in);
  if (seconds < 1) return "Less than a second";
  if (seconds == 1) return "1 second";
  if (seconds < 60) return fmt::format("{} seconds", seconds);
  int64_t minutes = static_cast<int64_t>(seconds_in / 60);
  if (minutes == 1) return "About a minute";
  if (minutes < 60) return fmt::format("{} minutes", minutes);
  int64_t hours = static_cast<int64_t>(std::round(seconds_in / 3600));
  if (hours == 1) return "About an hour";
  if (hours < 48) return fmt::format("{} hours", hours);
  if (hours < 24 * 7 * 2) return fmt::format("{} days", hours / 24);
  if (hours < 24 * 30 * 2) return fmt::format("{} weeks", hours / 24 / 7);
  if (hours < 24 * 365 * 2) return fmt::format("{} months", hours / 24 / 30);
  return fmt::format("{} years", static_cast<int64_t>(seconds_in / 3600) / 24 / 365);
}

std::vector<std::string> names_history(const storage::ImageRecord& record) {
  std::vector<std::string> out;
  for (const std::string& name : record.names) push_unique(out, name);
  for (const std::string& name : record.history_names) push_unique(out, name);
  return out;
}

std::vector<std::string> repo_digests(const storage::ImageRecord& record) {
  std::vector<std::string> out;
  for (const std::string& name : record.names) {
    for (const std::string& digest : record.digests) push_unique(out, repository_of(name) + "@" + digest);
  }
  for (const std::string& rd : record.repo_digests) push_unique(out, rd);
  return out;
}

Timestamp image_created(const ImageFacts& facts) {
  return parse_rfc3339(facts.record.created).value_or(Timestamp{});
}

nlohmann::json image_summary(const ImageFacts& facts) {
  const storage::ImageRecord& r = facts.record;
  nlohmann::json out = nlohmann::json::object();
  out["Id"] = r.id;
  out["ParentId"] = "";
  std::vector<std::string> tags;
  for (const std::string& name : r.names) {
    if (is_tagged_name(name)) tags.push_back(name);
  }
  out["RepoTags"] = string_array(tags);
  out["RepoDigests"] = string_array(repo_digests(r));
  out["Created"] = image_created(facts).seconds;
  out["Size"] = facts.size;
  out["SharedSize"] = 0;
  out["VirtualSize"] = facts.size;
  const nlohmann::json* cfg = member(facts.config, "config");
  out["Labels"] = string_map_or_null(cfg == nullptr ? nullptr : member(*cfg, "Labels"));
  out["Containers"] = 0;
  if (r.names.empty()) out["Dangling"] = true;
  if (!r.names.empty()) out["Names"] = string_array(r.names);
  if (!r.digests.empty()) out["Digest"] = r.digests.front();
  out["ConfigDigest"] = "sha256:" + r.id;
  std::vector<std::string> history = names_history(r);
  if (!history.empty()) out["History"] = string_array(history);
  return out;
}

nlohmann::json image_inspect_data(const ImageFacts& facts, const GraphDriverInfo& driver) {
  const storage::ImageRecord& r = facts.record;
  const nlohmann::json& config = facts.config;
  nlohmann::json out = nlohmann::json::object();
  out["Id"] = r.id;
  out["Digest"] = r.digests.empty() ? std::string() : r.digests.front();
  std::vector<std::string> tags;
  for (const std::string& name : r.names) {
    if (is_tagged_name(name)) tags.push_back(name);
  }
  out["RepoTags"] = string_array(tags);
  out["RepoDigests"] = string_array(repo_digests(r));
  out["Parent"] = "";
  out["Comment"] = string_member(config, "comment");
  auto created = parse_rfc3339(string_member(config, "created"));
  out["Created"] = created ? nlohmann::json(format_rfc3339_nano(*created)) : nlohmann::json(nullptr);
  out["Config"] = oci_image_config(config);
  out["Version"] = string_member(config, "docker_version");
  out["Author"] = string_member(config, "author");
  out["Architecture"] = string_member(config, "architecture");
  out["Os"] = string_member(config, "os");
  out["Size"] = facts.size;
  out["VirtualSize"] = facts.size;
  out["GraphDriver"] = {{"Name", driver.name}, {"Data", driver.data}};
  nlohmann::json layers = nlohmann::json::array();
  if (const nlohmann::json* rootfs = member(config, "rootfs")) {
    if (const nlohmann::json* ids = member(*rootfs, "diff_ids"); ids != nullptr && ids->is_array()) {
      for (const nlohmann::json& id : *ids) {
        if (id.is_string()) layers.push_back(id);
      }
    }
  }
  out["RootFS"] = {{"Type", "layers"}, {"Layers", layers}};
  const nlohmann::json* cfg = member(config, "config");
  out["Labels"] = string_map_or_null(cfg == nullptr ? nullptr : member(*cfg, "Labels"));
  out["Annotations"] = string_map_or_null(member(facts.manifest, "annotations"));
  out["ManifestType"] = r.manifest_media_type;
  out["User"] = cfg == nullptr ? std::string() : string_member(*cfg, "User");
  out["History"] = oci_history(config);
  out["NamesHistory"] = string_array(names_history(r));
  if (cfg != nullptr) {
    if (const nlohmann::json* health = member(*cfg, "Healthcheck"); health != nullptr && health->is_object()) {
      out["Healthcheck"] = *health;
    }
  }
  return out;
}

namespace {

void render_children(const std::vector<TextTree>& children, const std::string& prefix, std::string& out) {
  for (size_t i = 0; i < children.size(); ++i) {
    bool last = i + 1 == children.size();
    const TextTree& child = children[i];
    size_t start = 0;
    bool first_line = true;
    while (true) {
      size_t nl = child.text.find('\n', start);
      std::string_view line = std::string_view(child.text).substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      std::string_view indicator = first_line ? (last ? "└── " : "├── ") : (last ? "    " : "│   ");
      out += prefix;
      out += indicator;
      out += line;
      out += '\n';
      first_line = false;
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    render_children(child.children, prefix + (last ? "    " : "│   "), out);
  }
}

}  // namespace

std::string render_text_tree(const TextTree& tree) {
  std::string out = tree.text + "\n";
  render_children(tree.children, "", out);
  return out;
}

}  // namespace nook::engine
