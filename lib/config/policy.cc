#include "lib/config/policy.h"

#include <algorithm>
#include <initializer_list>

#include <fmt/format.h>

#include "lib/config/file_io.h"
#include "lib/config/json_adapter.h"
#include "lib/config/registries_conf.h"

namespace nook::config {

namespace {

using json = nlohmann::json;

// Builds errors "parsing \"PATH\": WHERE: PROBLEM".
struct PolicyParser {
  std::string_view path;

  Error error(std::string_view where, std::string_view problem) const {
    if (where.empty()) return Error(ErrorKind::InvalidArgument, fmt::format("parsing \"{}\": {}", path, problem));
    return Error(ErrorKind::InvalidArgument, fmt::format("parsing \"{}\": {}: {}", path, where, problem));
  }

  Result<void> only_fields(const json& object, std::string_view where,
                           std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : object.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return fail(error(where, fmt::format("unknown field \"{}\"", key)));
      }
    }
    return {};
  }

  Result<std::string> string_field(const json& object, std::string_view where, std::string_view key,
                                   bool required) const {
    auto it = object.find(key);
    if (it == object.end()) {
      if (required) return fail(error(where, fmt::format("field \"{}\" is missing", key)));
      return std::string();
    }
    if (!it->is_string()) return fail(error(where, fmt::format("field \"{}\" must be a string", key)));
    return it->get_ref<const std::string&>();
  }

  Result<void> string_array_field(const json& object, std::string_view where, std::string_view key) const {
    auto it = object.find(key);
    if (it == object.end()) return {};
    bool ok = it->is_array() && std::all_of(it->begin(), it->end(), [](const json& v) { return v.is_string(); });
    if (!ok) return fail(error(where, fmt::format("field \"{}\" must be an array of strings", key)));
    return {};
  }

  Result<void> signed_identity(const json& object, std::string_view where) const {
    auto it = object.find("signedIdentity");
    if (it == object.end()) return {};
    std::string here = fmt::format("{}.signedIdentity", where);
    if (!it->is_object()) return fail(error(here, "must be an object"));
    std::string type = NOOK_TRY(string_field(*it, here, "type", true));
    if (type == "matchExact" || type == "matchRepoDigestOrExact" || type == "matchRepository") {
      return only_fields(*it, here, {"type"});
    }
    if (type == "exactReference") {
      NOOK_TRY_VOID(only_fields(*it, here, {"type", "dockerReference"}));
      NOOK_TRY(string_field(*it, here, "dockerReference", true));
      return {};
    }
    if (type == "exactRepository") {
      NOOK_TRY_VOID(only_fields(*it, here, {"type", "dockerRepository"}));
      NOOK_TRY(string_field(*it, here, "dockerRepository", true));
      return {};
    }
    if (type == "remapIdentity") {
      NOOK_TRY_VOID(only_fields(*it, here, {"type", "prefix", "signedPrefix"}));
      NOOK_TRY(string_field(*it, here, "prefix", true));
      NOOK_TRY(string_field(*it, here, "signedPrefix", true));
      return {};
    }
    return fail(error(here, fmt::format("unknown identity type \"{}\"", type)));
  }

  size_t count_present(const json& object, std::initializer_list<std::string_view> keys) const {
    return static_cast<size_t>(std::count_if(keys.begin(), keys.end(),
                                             [&](std::string_view key) { return object.contains(key); }));
  }

  Result<PolicyRequirement> requirement(const json& value, std::string_view where) const {
    if (!value.is_object()) return fail(error(where, "a requirement must be an object"));
    std::string type = NOOK_TRY(string_field(value, where, "type", true));
    PolicyRequirement req;
    req.raw = value;
    if (type == "insecureAcceptAnything" || type == "reject") {
      NOOK_TRY_VOID(only_fields(value, where, {"type"}));
      req.type = type == "reject" ? PolicyRequirementType::Reject : PolicyRequirementType::InsecureAcceptAnything;
      return req;
    }
    if (type == "signedBy") {
      NOOK_TRY_VOID(only_fields(value, where, {"type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity"}));
      std::string key_type = NOOK_TRY(string_field(value, where, "keyType", true));
      if (key_type != "GPGKeys" && key_type != "signedByGPGKeys" && key_type != "X509Certificates" &&
          key_type != "signedByX509CAs") {
        return fail(error(where, fmt::format("invalid keyType \"{}\"", key_type)));
      }
      NOOK_TRY(string_field(value, where, "keyPath", false));
      NOOK_TRY_VOID(string_array_field(value, where, "keyPaths"));
      NOOK_TRY(string_field(value, where, "keyData", false));
      if (count_present(value, {"keyPath", "keyPaths", "keyData"}) != 1) {
        return fail(error(where, "exactly one of keyPath, keyPaths and keyData must be specified"));
      }
      NOOK_TRY_VOID(signed_identity(value, where));
      req.type = PolicyRequirementType::SignedBy;
      return req;
    }
    if (type == "sigstoreSigned") {
      NOOK_TRY_VOID(only_fields(value, where, {"type", "keyPath", "keyPaths", "keyData", "keyDatas", "fulcio", "pki",
                                               "rekorPublicKeyPath", "rekorPublicKeyPaths", "rekorPublicKeyData",
                                               "rekorPublicKeyDatas", "signedIdentity"}));
      NOOK_TRY(string_field(value, where, "keyPath", false));
      NOOK_TRY_VOID(string_array_field(value, where, "keyPaths"));
      NOOK_TRY(string_field(value, where, "keyData", false));
      NOOK_TRY_VOID(string_array_field(value, where, "keyDatas"));
      if (count_present(value, {"keyPath", "keyPaths", "keyData", "keyDatas", "fulcio", "pki"}) != 1) {
        return fail(error(where, "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio and pki must be specified"));
      }
      NOOK_TRY_VOID(signed_identity(value, where));
      req.type = PolicyRequirementType::SigstoreSigned;
      return req;
    }
    if (type == "signedBaseLayer") {
      NOOK_TRY_VOID(only_fields(value, where, {"type", "baseLayerIdentity"}));
      req.type = PolicyRequirementType::SignedBaseLayer;
      return req;
    }
    return fail(error(where, fmt::format("unknown policy requirement type \"{}\"", type)));
  }

  Result<PolicyRequirements> requirements(const json& value, std::string_view where) const {
    if (!value.is_array()) return fail(error(where, "must be an array of requirements"));
    if (value.empty()) return fail(error(where, "the list of requirements must not be empty"));
    PolicyRequirements result;
    for (size_t i = 0; i < value.size(); ++i) {
      result.push_back(NOOK_TRY(requirement(value[i], fmt::format("{}[{}]", where, i))));
    }
    return result;
  }
};

// Scope syntax per transport (containers/image ValidatePolicyConfigurationScope, simplified).
std::optional<std::string> scope_problem(std::string_view transport, std::string_view scope) {
  if (scope.empty()) return std::nullopt;
  if (transport == "docker" || transport == "atomic") {
    if (scope.starts_with("*.")) {
      if (scope.find_first_of("/@:") != std::string_view::npos) return "a wildcard scope must be *.example.com";
      return std::nullopt;
    }
    if (scope.find("://") != std::string_view::npos) return "must not contain a URI scheme";
    if (!looks_like_domain(scope.substr(0, scope.find('/')))) {
      return "must be a fully expanded reference starting with a registry host (e.g. docker.io/library/busybox)";
    }
    return std::nullopt;
  }
  if (transport == "dir" || transport == "oci") {
    if (!scope.starts_with("/")) return "must be an absolute path";
    if (scope == "/") return "\"/\" is not allowed; use the transport default scope \"\"";
  }
  return std::nullopt;
}

void push_parent_dirs(std::vector<std::string>& out, std::string_view path) {
  while (true) {
    size_t slash = path.rfind('/');
    if (slash == std::string_view::npos || slash == 0) return;
    path = path.substr(0, slash);
    out.emplace_back(path);
  }
}

}  // namespace

std::string_view policy_decision_name(PolicyDecision decision) {
  switch (decision) {
    case PolicyDecision::Accept: return "accept";
    case PolicyDecision::Reject: return "reject";
    case PolicyDecision::SignatureRequired: return "signature required";
  }
  return "reject";
}

std::vector<std::string> policy_scopes(std::string_view transport, std::string_view identity) {
  std::vector<std::string> scopes;
  if (identity.empty()) return scopes;
  scopes.emplace_back(identity);
  if (transport == "docker" || transport == "atomic") {
    std::string_view name = identity.substr(0, identity.find('@'));
    size_t last_slash = name.rfind('/');
    size_t colon = name.rfind(':');
    if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash) &&
        last_slash != std::string_view::npos) {
      name = name.substr(0, colon);  // a tag, not a host's port
    }
    if (name != identity) scopes.emplace_back(name);
    while (true) {
      size_t slash = name.rfind('/');
      if (slash == std::string_view::npos) break;
      name = name.substr(0, slash);
      scopes.emplace_back(name);
    }
    // `name` is now the host: add *.domain for each parent domain, without the port.
    std::string_view host = name.substr(0, name.find(':'));
    while (true) {
      size_t dot = host.find('.');
      if (dot == std::string_view::npos) break;
      host = host.substr(dot + 1);
      scopes.push_back(fmt::format("*.{}", host));
    }
    return scopes;
  }
  if (transport == "dir") {
    push_parent_dirs(scopes, identity);
    return scopes;
  }
  if (transport == "oci") {
    std::string_view dir = identity;
    size_t colon = dir.rfind(':');
    if (colon != std::string_view::npos && dir.find('/', colon) == std::string_view::npos) {
      dir = dir.substr(0, colon);
      scopes.emplace_back(dir);
    }
    push_parent_dirs(scopes, dir);
  }
  return scopes;
}

PolicyEvaluation Policy::evaluate(std::string_view transport, std::string_view identity) const {
  PolicyEvaluation result;
  auto transport_it = transports.find(std::string(transport));
  if (transport_it != transports.end()) {
    const auto& scopes = transport_it->second;
    for (const std::string& scope : policy_scopes(transport, identity)) {
      auto it = scopes.find(scope);
      if (it != scopes.end()) {
        result.scope = scope;
        result.requirements = &it->second;
        break;
      }
    }
    if (result.requirements == nullptr) {
      auto it = scopes.find("");
      if (it != scopes.end()) result.requirements = &it->second;
    }
  }
  if (result.requirements == nullptr) {
    result.requirements = &default_requirements;
    result.global_default = true;
  }
  bool needs_signature = false;
  bool rejected = result.requirements->empty();
  for (const PolicyRequirement& req : *result.requirements) {
    switch (req.type) {
      case PolicyRequirementType::Reject:
      case PolicyRequirementType::SignedBaseLayer: rejected = true; break;  // upstream: not implemented
      case PolicyRequirementType::SignedBy:
      case PolicyRequirementType::SigstoreSigned: needs_signature = true; break;
      case PolicyRequirementType::InsecureAcceptAnything: break;
    }
  }
  result.decision = rejected ? PolicyDecision::Reject
                   : needs_signature ? PolicyDecision::SignatureRequired
                                     : PolicyDecision::Accept;
  return result;
}

Result<Policy> parse_policy(std::string_view text, std::string_view path) {
  json document = NOOK_TRY(parse_json(text, path, JsonParseOptions{.reject_duplicate_keys = true}));
  PolicyParser parser{path};
  if (!document.is_object()) return fail(parser.error("", "the policy must be a JSON object"));
  NOOK_TRY_VOID(parser.only_fields(document, "", {"default", "transports"}));
  Policy policy;
  policy.path = std::string(path);
  auto default_it = document.find("default");
  if (default_it == document.end()) return fail(parser.error("", "the \"default\" policy is missing"));
  policy.default_requirements = NOOK_TRY(parser.requirements(*default_it, "default"));
  auto transports_it = document.find("transports");
  if (transports_it == document.end() || transports_it->is_null()) return policy;
  if (!transports_it->is_object()) return fail(parser.error("transports", "must be an object"));
  for (const auto& [transport, scopes] : transports_it->items()) {
    std::string where = fmt::format("transports.{}", transport);
    if (!scopes.is_object()) return fail(parser.error(where, "must be an object of scopes"));
    auto& out = policy.transports[transport];
    for (const auto& [scope, reqs] : scopes.items()) {
      std::string scope_where = fmt::format("{}[\"{}\"]", where, scope);
      if (auto problem = scope_problem(transport, scope)) {
        return fail(parser.error(scope_where, fmt::format("invalid scope: {}", *problem)));
      }
      out[scope] = NOOK_TRY(parser.requirements(reqs, scope_where));
    }
  }
  return policy;
}

Result<Policy> load_policy(const std::string& path) {
  std::string text = NOOK_TRY(read_text_file(path));
  return parse_policy(text, path);
}

Policy default_policy() {
  Policy policy;
  policy.default_requirements.push_back(
      {PolicyRequirementType::InsecureAcceptAnything, json{{"type", "insecureAcceptAnything"}}});
  return policy;
}

}  // namespace nook::config
