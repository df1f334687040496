// containers-registries.conf(5), version 2 format (version 1 is rejected with a message), with the
// drop-in merge rules of containers-registries.conf.d(5) and the short-name alias cache.
//
// Merge across files (containers/image sysregistriesv2): [[registry]] tables replace earlier ones
// with the same prefix and are kept sorted by prefix; unqualified-search-registries,
// short-name-mode and credential-helpers replace earlier values when a file sets them; [aliases]
// entries replace earlier ones by name and an empty value erases the alias. Within one file the
// first [[registry]] with a given prefix wins.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "lib/config/environment.h"
#include "lib/util/error.h"

namespace nook::config {

enum class ShortNameMode { Enforcing, Permissive, Disabled };
std::string_view short_name_mode_name(ShortNameMode mode);

enum class PullFromMirror { All, DigestOnly, TagOnly };

struct RegistryEndpoint {
  std::string location;  // host[:port][/namespace...]; "" only for a wildcard prefix's registry
  bool insecure = false;
  PullFromMirror pull_from_mirror = PullFromMirror::All;  // mirrors only
};

struct Registry {
  std::string prefix;  // "example.com/foo", "example.com:5000", or "*.example.com"
  RegistryEndpoint endpoint;
  bool blocked = false;
  bool mirror_by_digest_only = false;
  std::vector<RegistryEndpoint> mirrors;
  std::string origin;  // the file that defined it
};

struct ShortNameAlias {
  std::string value;   // fully-qualified, docker.io-normalized; "" when a file erased the alias
  std::string origin;  // the file that set it
};

// One place to pull from: an endpoint and the reference rewritten for it.
struct PullSource {
  RegistryEndpoint endpoint;
  std::string reference;
};

struct RegistriesConf {
  std::vector<std::string> unqualified_search_registries;
  std::string unqualified_search_registries_origin;
  ShortNameMode short_name_mode = ShortNameMode::Permissive;
  std::vector<std::string> credential_helpers = {"containers-auth.json"};
  std::vector<Registry> registries;                       // unique prefixes, sorted by prefix
  std::map<std::string, ShortNameAlias> aliases;          // from registries.conf and drop-ins
  std::map<std::string, ShortNameAlias> cached_aliases;   // short-name-aliases.conf; wins

  // The [[registry]] whose prefix matches `ref` with the longest prefix; nullptr when none matches.
  // `ref` is a registry, namespace, repository or full image reference in normalized form, starting
  // with a host ("docker.io/library/busybox", not "busybox"); a tag or digest may follow.
  const Registry* find_registry(std::string_view ref) const;

  // The alias of a short name (no tag or digest): the cache first, then registries.conf. nullptr
  // when there is none or it was erased.
  const ShortNameAlias* resolve_alias(std::string_view short_name) const;
};

// How much of `ref` the prefix matches, or nullopt. A plain prefix matches when `ref` equals it or
// continues with ':', '/' or '@' right after it (so "example.com/foo" does not match
// "example.com/foobar"); "*.example.com" matches any subdomain host of example.com (not
// example.com itself), up to the end of the host.
std::optional<size_t> match_prefix(std::string_view ref, std::string_view prefix);

// Whether the first component of a reference names a registry host rather than a repository:
// it has a '.' or a ':' or is "localhost" (distribution/reference's rule).
bool looks_like_domain(std::string_view component);

// `ref` with the part matched by the registry's prefix replaced by `endpoint.location`
// (containers-registries.conf(5) "location"). An empty location leaves `ref` as it is; `ref` is
// returned unchanged when the prefix does not match it.
std::string rewrite_location(const Registry& registry, const RegistryEndpoint& endpoint, std::string_view ref);
// The same with the registry's own location.
std::string rewrite_location(const Registry& registry, std::string_view ref);

// Where to pull `ref` from, in order: the mirrors allowed for it (mirror-by-digest-only /
// pull-from-mirror against whether `ref` has a digest), then the primary location.
std::vector<PullSource> pull_sources(const Registry& registry, std::string_view ref);

// Merges one parsed registries.conf (or drop-in) into `conf`; `path` is for messages and origins.
[[nodiscard]] Result<void> merge_registries_conf(const toml::table& file, std::string_view path,
                                                 RegistriesConf& conf);

// Merges the [aliases] of a short-name-aliases.conf into conf.cached_aliases.
[[nodiscard]] Result<void> merge_alias_cache(const toml::table& file, std::string_view path,
                                             RegistriesConf& conf);

// Every file of registries_conf_files(env) that exists, then the alias cache if it exists.
[[nodiscard]] Result<RegistriesConf> load_registries_conf(const Environment& env,
                                                          std::vector<std::string>* files_read = nullptr);

}  // namespace nook::config
