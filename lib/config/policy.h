// containers-policy.json(5): which images may be pulled, and whether they must be signed.
//
// Parsing is strict as upstream's is: unknown or duplicated fields, an unknown requirement type, an
// empty requirement list or a missing "default" reject the whole file, with an error naming it.
// Signature verification itself is not here: evaluate() says whether one is required, and hands
// back the requirements (raw JSON included) for the verifier.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::config {

enum class PolicyRequirementType { InsecureAcceptAnything, Reject, SignedBy, SigstoreSigned, SignedBaseLayer };

struct PolicyRequirement {
  PolicyRequirementType type = PolicyRequirementType::Reject;
  nlohmann::json raw;  // the requirement object as written (keys, identities)
};
using PolicyRequirements = std::vector<PolicyRequirement>;

enum class PolicyDecision { Accept, Reject, SignatureRequired };
std::string_view policy_decision_name(PolicyDecision decision);

struct PolicyEvaluation {
  PolicyDecision decision = PolicyDecision::Reject;
  std::string scope;            // the scope that matched; "" for the transport's default
  bool global_default = false;  // true when the top-level "default" applied
  // Points into the Policy evaluated: valid while that Policy lives and is not moved.
  const PolicyRequirements* requirements = nullptr;
};

struct Policy {
  std::string path;  // the file it came from ("" for the built-in one)
  PolicyRequirements default_requirements;
  std::map<std::string, std::map<std::string, PolicyRequirements>> transports;  // transport -> scope -> reqs

  // The requirements of the most specific scope for `identity` in `transport` (see policy_scopes),
  // else the transport's "" scope, else "default"; then the decision: Reject when any requirement
  // rejects (reject, signedBaseLayer), else SignatureRequired when any is signedBy/sigstoreSigned,
  // else Accept.
  PolicyEvaluation evaluate(std::string_view transport, std::string_view identity) const;
};

// The scopes searched for `identity`, most specific first (containers/image
// PolicyConfigurationIdentity + PolicyConfigurationNamespaces). For "docker" (and "atomic"):
// "host/ns/repo:tag" (or @digest), "host/ns/repo", "host/ns", "host", then "*.parent.domain" for each
// parent domain of the host with any port removed. For "dir"/"oci": the path ("oci": "path:tag" then
// path) and its parent directories except "/". Other transports: the identity only.
std::vector<std::string> policy_scopes(std::string_view transport, std::string_view identity);

// Parses policy.json text; `path` names the file in messages.
[[nodiscard]] Result<Policy> parse_policy(std::string_view text, std::string_view path);
[[nodiscard]] Result<Policy> load_policy(const std::string& path);

// What nook uses when no policy.json exists: {"default": [{"type": "insecureAcceptAnything"}]},
// the policy Debian's and upstream's containers-common install.
Policy default_policy();

}  // namespace nook::config
