// Column headers for table output, derived from field names as podman's report.Headers does:
// the name is split with the rules of github.com/fatih/camelcase (vendored by podman as
// common/pkg/report/camelcase), the words are joined with a space and upper-cased.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nook::format {

// Splits a camel-case word: "PDFLoader" -> {"PDF", "Loader"}, "GL11Version" -> {"GL", "11",
// "Version"}, "Two  spaces" -> {"Two", "  ", "spaces"}. Runes are classed as lower-case letter,
// upper-case letter, digit or other; a split happens where the class changes, and an upper-case run
// followed by a lower-case run gives its last letter to the lower-case run. Invalid UTF-8 is not
// split. "" -> {}.
std::vector<std::string> camelcase_split(std::string_view word);

// "CreatedAt" -> "CREATED AT", "ID" -> "ID", "OCIRuntime" -> "OCI RUNTIME".
std::string header_for_field(std::string_view field_name);

}  // namespace nook::format
