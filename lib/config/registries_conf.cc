#include "lib/config/registries_conf.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "lib/config/paths.h"
#include "lib/config/toml_adapter.h"

namespace nook::config {

namespace {

bool is_wildcard(std::string_view prefix) { return prefix.starts_with("*."); }

// containers/image parseLocation: strip trailing '/', refuse URI schemes.
Result<std::string> clean_location(const TomlSection& section, std::string_view key, std::string_view value) {
  while (!value.empty() && value.back() == '/') value.remove_suffix(1);
  if (value.starts_with("http://") || value.starts_with("https://")) {
    return fail(section.error_at(key, fmt::format("invalid location \"{}\": URI schemes are not supported", value)));
  }
  return std::string(value);
}

// host[:port] or [v6][:port], nothing else (an unqualified-search-registries entry).
bool valid_domain(std::string_view host) {
  auto all_of = [](std::string_view text, auto predicate) {
    return !text.empty() && std::all_of(text.begin(), text.end(), predicate);
  };
  std::string_view name = host;
  std::string_view port;
  bool has_port = false;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = host.substr(1, close - 1);
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      has_port = true;
    }
    if (!all_of(name, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; })) {
      return false;
    }
  } else {
    size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
      has_port = true;
    }
    if (!all_of(name, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; })) {
      return false;
    }
  }
  return !has_port || all_of(port, [](char c) { return c >= '0' && c <= '9'; });
}

// distribution/reference: lower-case path components of [a-z0-9._-].
bool valid_repository_chars(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
  });
}

// containers/image validateShortName: a repository without registry, tag or digest.
std::optional<std::string> short_name_problem(std::string_view name) {
  if (name.find('@') != std::string_view::npos) return "must not contain a digest";
  size_t slash = name.find('/');
  if (slash != std::string_view::npos && looks_like_domain(name.substr(0, slash))) {
    return "must not contain a registry";
  }
  if (name.find(':') != std::string_view::npos) return "must not contain a tag";
  if (!valid_repository_chars(name)) return "is not a valid repository name";
  return std::nullopt;
}

// containers/image parseShortNameValue: registry/repository without tag or digest, normalized
// as docker.io does ("docker.io/alpine" -> "docker.io/library/alpine").
Result<std::string> alias_value(const TomlSection& section, std::string_view name, std::string_view value) {
  auto problem = [&](std::string_view what) {
    return fail(section.error_at(name, fmt::format("invalid alias \"{}\": {}", value, what)));
  };
  if (value.find('@') != std::string_view::npos) return problem("must not contain a digest");
  size_t slash = value.find('/');
  if (slash == std::string_view::npos || !looks_like_domain(value.substr(0, slash))) {
    return problem("must contain registry and repository");
  }
  std::string_view domain = value.substr(0, slash);
  std::string_view repository = value.substr(slash + 1);
  if (repository.find(':') != std::string_view::npos) return problem("must not contain a tag");
  if (!valid_repository_chars(repository)) return problem("is not a valid repository name");
  if (domain == "index.docker.io") domain = "docker.io";
  if (domain == "docker.io" && repository.find('/') == std::string_view::npos) {
    return fmt::format("docker.io/library/{}", repository);
  }
  return fmt::format("{}/{}", domain, repository);
}

Result<void> read_aliases(const TomlSection& root, std::string_view path, std::map<std::string, ShortNameAlias>& out) {
  auto aliases = NOOK_TRY(root.table("aliases"));
  if (!aliases) return {};
  for (const std::string& name : aliases->keys()) {
    std::string value = NOOK_TRY(aliases->string(name)).value_or("");
    if (auto problem = short_name_problem(name)) {
      return fail(aliases->error_at(name, fmt::format("invalid short name \"{}\": {}", name, *problem)));
    }
    ShortNameAlias alias{.value = "", .origin = std::string(path)};
    if (!value.empty()) alias.value = NOOK_TRY(alias_value(*aliases, name, value));
    out[name] = std::move(alias);
  }
  return {};
}

Result<RegistryEndpoint> read_endpoint(const TomlSection& section, bool is_mirror) {
  RegistryEndpoint endpoint;
  std::string location = NOOK_TRY(section.string("location")).value_or("");
  endpoint.location = NOOK_TRY(clean_location(section, "location", location));
  endpoint.insecure = NOOK_TRY(section.boolean("insecure")).value_or(false);
  if (auto mode = NOOK_TRY(section.string("pull-from-mirror"))) {
    if (!is_mirror) {
      return fail(section.error_at("pull-from-mirror", "may only be set for a [[registry.mirror]]"));
    }
    if (*mode == "all" || mode->empty()) {
      endpoint.pull_from_mirror = PullFromMirror::All;
    } else if (*mode == "digest-only") {
      endpoint.pull_from_mirror = PullFromMirror::DigestOnly;
    } else if (*mode == "tag-only") {
      endpoint.pull_from_mirror = PullFromMirror::TagOnly;
    } else {
      return fail(section.error_at("pull-from-mirror",
                                   fmt::format("unsupported value \"{}\": expected \"all\", \"digest-only\" or \"tag-only\"", *mode)));
    }
  }
  return endpoint;
}

Result<Registry> read_registry(const TomlSection& section, std::string_view path) {
  Registry registry;
  registry.origin = std::string(path);
  registry.endpoint = NOOK_TRY(read_endpoint(section, false));
  std::string prefix = NOOK_TRY(section.string("prefix")).value_or("");
  if (prefix.empty()) {
    if (registry.endpoint.location.empty()) {
      return fail(section.error_at("", "both location and prefix are unset"));
    }
    registry.prefix = registry.endpoint.location;
  } else {
    registry.prefix = NOOK_TRY(clean_location(section, "prefix", prefix));
    if (is_wildcard(registry.prefix)) {
      if (registry.prefix.find_first_of("/@:") != std::string::npos) {
        return fail(section.error_at("prefix", fmt::format("wildcarded prefix \"{}\" must be in the format *.example.com",
                                                           registry.prefix)));
      }
    } else if (registry.prefix.find('*') != std::string::npos) {
      return fail(section.error_at("prefix", fmt::format("invalid prefix \"{}\": a wildcard is only allowed as a leading \"*.\"",
                                                         registry.prefix)));
    } else if (registry.endpoint.location.empty()) {
      return fail(section.error_at("prefix", "location is unset and prefix is not in the format *.example.com"));
    }
  }
  registry.blocked = NOOK_TRY(section.boolean("blocked")).value_or(false);
  registry.mirror_by_digest_only = NOOK_TRY(section.boolean("mirror-by-digest-only")).value_or(false);
  if (auto mirrors = NOOK_TRY(section.table_array("mirror"))) {
    for (const TomlSection& mirror_section : *mirrors) {
      RegistryEndpoint mirror = NOOK_TRY(read_endpoint(mirror_section, true));
      if (mirror.location.empty()) return fail(mirror_section.error_at("", "mirror location is unset"));
      if (registry.mirror_by_digest_only && mirror_section.contains("pull-from-mirror")) {
        return fail(mirror_section.error_at(
            "pull-from-mirror", "cannot be combined with mirror-by-digest-only on the registry"));
      }
      registry.mirrors.push_back(std::move(mirror));
    }
  }
  return registry;
}

Result<std::optional<ShortNameMode>> read_short_name_mode(const TomlSection& root) {
  auto mode = NOOK_TRY(root.string("short-name-mode"));
  if (!mode || mode->empty()) return std::optional<ShortNameMode>();
  if (*mode == "enforcing") return std::optional(ShortNameMode::Enforcing);
  if (*mode == "permissive") return std::optional(ShortNameMode::Permissive);
  if (*mode == "disabled") return std::optional(ShortNameMode::Disabled);
  return fail(root.error_at("short-name-mode",
                            fmt::format("invalid short-name mode \"{}\": expected \"enforcing\", \"permissive\" or \"disabled\"", *mode)));
}

}  // namespace

bool looks_like_domain(std::string_view component) {
  return component.find('.') != std::string_view::npos || component.find(':') != std::string_view::npos ||
         component == "localhost";
}

std::string_view short_name_mode_name(ShortNameMode mode) {
  switch (mode) {
    case ShortNameMode::Enforcing: return "enforcing";
    case ShortNameMode::Permissive: return "permissive";
    case ShortNameMode::Disabled: return "disabled";
  }
  return "permissive";
}

std::optional<size_t> match_prefix(std::string_view ref, std::string_view prefix) {
  if (prefix.empty()) return std::nullopt;
  if (is_wildcard(prefix)) {
    // refMatchingSubdomainPrefix: ".example.com" inside the host part, then the end of the host.
    std::string_view suffix = prefix.substr(1);
    size_t at = ref.find(suffix);
    if (at == std::string_view::npos || ref.substr(0, at).find('/') != std::string_view::npos) return std::nullopt;
    size_t end = at + suffix.size();
    if (end == ref.size() || ref[end] == ':' || ref[end] == '/' || ref[end] == '@') return end;
    return std::nullopt;
  }
  if (!ref.starts_with(prefix)) return std::nullopt;
  if (ref.size() == prefix.size()) return prefix.size();
  char next = ref[prefix.size()];
  // Upstream also lets "example.com" match "example.com:5000" through the ':' rule; kept for
  // compatibility (containers/image says not to rely on it).
  if (next == ':' || next == '/' || next == '@') return prefix.size();
  return std::nullopt;
}

const Registry* RegistriesConf::find_registry(std::string_view ref) const {
  const Registry* best = nullptr;
  for (const Registry& registry : registries) {
    if (!match_prefix(ref, registry.prefix)) continue;
    if (best == nullptr || registry.prefix.size() > best->prefix.size()) best = &registry;
  }
  return best;
}

const ShortNameAlias* RegistriesConf::resolve_alias(std::string_view short_name) const {
  for (const auto* table : {&cached_aliases, &aliases}) {
    auto it = table->find(std::string(short_name));
    if (it != table->end()) return it->second.value.empty() ? nullptr : &it->second;
  }
  return nullptr;
}

std::string rewrite_location(const Registry& registry, const RegistryEndpoint& endpoint, std::string_view ref) {
  std::optional<size_t> matched = match_prefix(ref, registry.prefix);
  if (!matched || endpoint.location.empty()) return std::string(ref);
  return endpoint.location + std::string(ref.substr(*matched));
}

std::string rewrite_location(const Registry& registry, std::string_view ref) {
  return rewrite_location(registry, registry.endpoint, ref);
}

std::vector<PullSource> pull_sources(const Registry& registry, std::string_view ref) {
  bool digested = ref.find('@') != std::string_view::npos;
  std::vector<PullSource> sources;
  for (const RegistryEndpoint& mirror : registry.mirrors) {
    if (registry.mirror_by_digest_only && !digested) continue;
    if (mirror.pull_from_mirror == PullFromMirror::DigestOnly && !digested) continue;
    if (mirror.pull_from_mirror == PullFromMirror::TagOnly && digested) continue;
    sources.push_back({mirror, rewrite_location(registry, mirror, ref)});
  }
  sources.push_back({registry.endpoint, rewrite_location(registry, ref)});
  return sources;
}

Result<void> merge_registries_conf(const toml::table& file, std::string_view path, RegistriesConf& conf) {
  TomlSection root(file, path);
  if (auto v1 = NOOK_TRY(root.table("registries"))) {
    if (v1->contains("search") || v1->contains("insecure") || v1->contains("block")) {
      return fail(root.error_at("registries",
                                "the version 1 format ([registries.search], [registries.insecure], "
                                "[registries.block]) is not supported; use [[registry]] tables (version 2)"));
    }
  }

  std::vector<Registry> parsed;
  std::set<std::string> prefixes;
  if (auto sections = NOOK_TRY(root.table_array("registry"))) {
    for (const TomlSection& section : *sections) {
      Registry registry = NOOK_TRY(read_registry(section, path));
      // Conflicting security settings for one location within a file are an error upstream.
      for (const Registry& other : parsed) {
        const std::string& a = registry.endpoint.location.empty() ? registry.prefix : registry.endpoint.location;
        const std::string& b = other.endpoint.location.empty() ? other.prefix : other.endpoint.location;
        if (a != b) continue;
        if (registry.endpoint.insecure != other.endpoint.insecure) {
          return fail(section.error_at("insecure", fmt::format("registry \"{}\" is defined multiple times with conflicting 'insecure' setting", a)));
        }
        if (registry.blocked != other.blocked) {
          return fail(section.error_at("blocked", fmt::format("registry \"{}\" is defined multiple times with conflicting 'blocked' setting", a)));
        }
      }
      if (prefixes.insert(registry.prefix).second) parsed.push_back(std::move(registry));
    }
  }

  std::vector<std::string> search;
  bool has_search = false;
  if (auto entries = NOOK_TRY(root.string_array("unqualified-search-registries"))) {
    has_search = true;
    for (std::string& entry : entries->values) {
      std::string cleaned = NOOK_TRY(clean_location(root, "unqualified-search-registries", entry));
      if (!valid_domain(cleaned)) {
        return fail(root.error_at("unqualified-search-registries",
                                  fmt::format("invalid entry \"{}\": expected host[:port]", cleaned)));
      }
      search.push_back(std::move(cleaned));
    }
  }
  std::optional<ShortNameMode> mode = NOOK_TRY(read_short_name_mode(root));
  std::optional<TomlStringArray> helpers = NOOK_TRY(root.string_array("credential-helpers"));
  std::map<std::string, ShortNameAlias> aliases;
  NOOK_TRY_VOID(read_aliases(root, path, aliases));

  // Everything validated: apply.
  for (Registry& registry : parsed) {
    auto it = std::find_if(conf.registries.begin(), conf.registries.end(),
                           [&](const Registry& r) { return r.prefix == registry.prefix; });
    if (it != conf.registries.end()) {
      *it = std::move(registry);
    } else {
      conf.registries.push_back(std::move(registry));
    }
  }
  std::sort(conf.registries.begin(), conf.registries.end(),
            [](const Registry& a, const Registry& b) { return a.prefix < b.prefix; });
  if (has_search) {
    conf.unqualified_search_registries = std::move(search);
    conf.unqualified_search_registries_origin = std::string(path);
  }
  if (mode) conf.short_name_mode = *mode;
  if (helpers && !helpers->values.empty()) conf.credential_helpers = std::move(helpers->values);
  for (auto& [name, alias] : aliases) conf.aliases[name] = std::move(alias);
  return {};
}

Result<void> merge_alias_cache(const toml::table& file, std::string_view path, RegistriesConf& conf) {
  return read_aliases(TomlSection(file, path), path, conf.cached_aliases);
}

Result<RegistriesConf> load_registries_conf(const Environment& env, std::vector<std::string>* files_read) {
  RegistriesConf conf;
  std::vector<ConfigFile> files = NOOK_TRY(registries_conf_files(env));
  for (const ConfigFile& file : files) {
    Result<toml::table> table = read_toml_file(file.path);
    if (!table) {
      if (table.error().kind() == ErrorKind::NotFound && !file.required) continue;
      return fail(table.error().context("loading registries configuration"));
    }
    Result<void> merged = merge_registries_conf(*table, file.path, conf);
    if (!merged) return fail(merged.error().context("loading registries configuration"));
    if (files_read != nullptr) files_read->push_back(file.path);
  }
  std::string cache = short_name_alias_cache_path(env);
  Result<toml::table> table = read_toml_file(cache);
  if (table) {
    Result<void> merged = merge_alias_cache(*table, cache, conf);
    if (!merged) return fail(merged.error().context("loading short-name aliases"));
    if (files_read != nullptr) files_read->push_back(cache);
  } else if (table.error().kind() != ErrorKind::NotFound) {
    return fail(table.error().context("loading short-name aliases"));
  }
  return conf;
}

}  // namespace nook::config
