// Short-name resolution as podman does it (containers/image pkg/shortnames,
// containers-registries.conf(5) "SHORT-NAME ALIASING"): which fully-qualified references a name the
// user typed may be pulled from, or looked up as in local storage.
//
// Pure functions over a loaded RegistriesConf; no prompting and no I/O. Where podman would prompt
// (enforcing mode, several candidates, a TTY) the candidates are returned and the caller prompts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/config/registries_conf.h"
#include "lib/image/reference.h"
#include "lib/util/error.h"

namespace nook::image {

struct Candidate {
  Reference ref;       // fully qualified, with a tag ("latest" when the user gave none) or a digest
  std::string origin;  // "alias", "search" or "fully-qualified"
  std::string alias_file;  // for an alias: the file that set it
};

// The references to try, in order, for pulling `user_input` (no transport prefix):
//  - a fully-qualified name (a domain is given) -> itself, docker.io-normalized;
//  - a short name with an alias (looked up without tag/digest) -> the alias, with the user's tag
//    and digest applied;
//  - otherwise one candidate per unqualified-search registry, in order ("docker.io" gets
//    "library/" for a single component).
// Candidates whose registry is blocked ([[registry]] blocked = true) are dropped; if that leaves
// none, the error names the blocked registry. In disabled and permissive mode every candidate is
// returned; in enforcing mode more than one candidate is an error unless `interactive` (a TTY on
// stdin and stdout), in which case the caller prompts for one.
// Errors (InvalidArgument): unparsable input or alias, no alias and no search registries, ambiguity
// without a TTY in enforcing mode, every candidate blocked.
[[nodiscard]] Result<std::vector<Candidate>> resolve_pull_candidates(std::string_view user_input,
                                                                     const config::RegistriesConf& conf,
                                                                     bool interactive = false);

// The names under which a local image may be stored for `short_name`, in lookup order
// (pkg/shortnames ResolveLocally): the alias if there is one, "localhost/NAME", then NAME under each
// unqualified-search registry; each with "latest" when neither tag nor digest is given. A
// fully-qualified input gives just itself; an input that does not parse gives nothing.
std::vector<Reference> local_candidates(std::string_view short_name, const config::RegistriesConf& conf);

}  // namespace nook::image
