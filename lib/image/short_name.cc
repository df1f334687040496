#include "lib/image/short_name.h"

#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nook::image {
namespace {

// The alias for `user` (parsed, no domain) with the user's tag and digest applied; nullopt when
// there is none. Aliases are looked up by the name without tag or digest.
Result<std::optional<Reference>> apply_alias(const Reference& user, const config::RegistriesConf& conf) {
  const config::ShortNameAlias* alias = conf.resolve_alias(user.path);
  if (alias == nullptr) return std::nullopt;
  Result<Reference> value = parse_normalized(alias->value);
  if (!value) {
    return fail(value.error().context(
        fmt::format("parsing alias \"{}\"=\"{}\" from \"{}\"", user.path, alias->value, alias->origin)));
  }
  if (!user.tag.empty()) value->tag = user.tag;
  if (!user.digest.empty()) value->digest = user.digest;
  return with_default_tag(*value);
}

Result<Reference> with_search_registry(std::string_view registry, std::string_view user_input) {
  Result<Reference> ref = parse_normalized(fmt::format("{}/{}", registry, user_input));
  if (!ref) {
    return fail(
        ref.error().context(fmt::format("creating reference with unqualified-search registry \"{}\"", registry)));
  }
  return with_default_tag(*ref);
}

bool is_blocked(const Reference& ref, const config::RegistriesConf& conf) {
  const config::Registry* registry = conf.find_registry(ref.string());
  return registry != nullptr && registry->blocked;
}

}  // namespace

Result<std::vector<Candidate>> resolve_pull_candidates(std::string_view user_input,
                                                       const config::RegistriesConf& conf, bool interactive) {
  Result<Reference> user = parse_reference(user_input);
  if (!user) return fail(user.error().context(fmt::format("cannot parse input: \"{}\"", user_input)));

  std::vector<Candidate> candidates;
  if (!user->domain.empty()) {
    Result<Reference> full = parse_normalized(user_input);
    if (!full) return fail(full.error().context(fmt::format("cannot normalize input: \"{}\"", user_input)));
    candidates.push_back({with_default_tag(*full), "fully-qualified"});
  } else {
    std::optional<Reference> alias = NOOK_TRY(apply_alias(*user, conf));
    if (alias) {
      const config::ShortNameAlias* set_by = conf.resolve_alias(user->path);
      candidates.push_back({std::move(*alias), "alias", set_by != nullptr ? set_by->origin : ""});
    } else {
      if (conf.unqualified_search_registries.empty()) {
        if (!conf.unqualified_search_registries_origin.empty()) {
          return fail(ErrorKind::InvalidArgument,
                      fmt::format("short-name \"{}\" did not resolve to an alias and no unqualified-search "
                                  "registries are defined in \"{}\"",
                                  user_input, conf.unqualified_search_registries_origin));
        }
        return fail(ErrorKind::InvalidArgument,
                    fmt::format("short-name \"{}\" did not resolve to an alias and no containers-registries.conf(5) "
                                "was found",
                                user_input));
      }
      for (const std::string& registry : conf.unqualified_search_registries) {
        candidates.push_back({NOOK_TRY(with_search_registry(registry, user_input)), "search"});
      }
    }
  }

  std::vector<std::string> blocked;
  std::erase_if(candidates, [&](const Candidate& candidate) {
    if (!is_blocked(candidate.ref, conf)) return false;
    blocked.push_back(fmt::format("\"{}\"", candidate.ref.domain));
    return true;
  });
  if (candidates.empty()) {
    if (blocked.size() == 1) {
      return fail(ErrorKind::InvalidArgument, fmt::format("registry {} is blocked in registries.conf", blocked[0]));
    }
    return fail(ErrorKind::InvalidArgument,
                fmt::format("registries {} are blocked in registries.conf", fmt::join(blocked, ", ")));
  }

  if (candidates.size() > 1 && conf.short_name_mode == config::ShortNameMode::Enforcing && !interactive) {
    return fail(ErrorKind::InvalidArgument, "short-name resolution enforced but cannot prompt without a TTY");
  }
  return candidates;
}

std::vector<Reference> local_candidates(std::string_view short_name, const config::RegistriesConf& conf) {
  std::vector<Reference> out;
  Result<Reference> user = parse_reference(short_name);
  if (!user) return out;
  if (!user->domain.empty()) {
    Result<Reference> full = parse_normalized(short_name);
    if (full) out.push_back(with_default_tag(*full));
    return out;
  }
  Result<std::optional<Reference>> alias = apply_alias(*user, conf);
  if (alias && *alias) out.push_back(**alias);
  auto add = [&](std::string_view registry) {
    Result<Reference> ref = with_search_registry(registry, short_name);
    if (ref) out.push_back(*ref);
  };
  add("localhost");
  for (const std::string& registry : conf.unqualified_search_registries) add(registry);
  return out;
}

}  // namespace nook::image
