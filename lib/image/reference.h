// Image references: the grammar of distribution/reference (regexp.go), hand-written.
//
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path-component { "/" path-component }     (at most 255 characters)
//   domain     := host [ ":" port ];  host := dns-name | "[" ipv6-hex-and-colons "]"
//   path-comp  := [a-z0-9]+ { ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ }
//   tag        := [\w][\w.-]{0,127}
//   digest     := algorithm ":" hex{32,}, then validated as go-digest does (sha256/sha384/sha512)
//
// Domain detection follows containers/image and normalize.go's splitDockerDomain rather than the
// bare regexp: the first "/"-separated component is a domain only when it contains '.' or ':' or
// is "localhost" (so "foo/bar" has no domain, where distribution's Parse would report "foo").
// Transport prefixes ("docker://") are not handled here; the caller strips them.
//
// Errors are ErrorKind::InvalidArgument with distribution's / go-digest's messages.
// Pure functions, no I/O; safe from any thread and after fork.
#pragma once

#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook::image {

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"; "" when none was given
  std::string path;    // "library/busybox"
  std::string tag;     // "" when none
  std::string digest;  // "sha256:<hex>"; "" when none

  // domain + "/" + path (just path without a domain).
  std::string name() const;
  // The canonical form: name[:tag][@digest].
  std::string string() const;
  // Docker's short form: "docker.io/" dropped, and "library/" when one component follows it.
  std::string familiar() const;

  bool operator==(const Reference&) const = default;
};

inline constexpr size_t kNameTotalLengthMax = 255;

// Strict parse, no normalization: "busybox" has no domain and no tag.
[[nodiscard]] Result<Reference> parse_reference(std::string_view text);

// Docker's ParseNormalizedNamed: no domain -> "docker.io", "index.docker.io" -> "docker.io",
// "library/" for a single docker.io component. Refuses a 64-hex string (an image ID). Adds no tag.
// The result always has a domain ("foo_bar.com/x", which Go reads as a domain-less path, is refused).
[[nodiscard]] Result<Reference> parse_normalized(std::string_view text);

// True when `text` parses and names no domain ("busybox:1", "library/fedora"); false for
// "quay.io/x", "localhost/x", "host:5000/x" and for text that does not parse.
bool is_short_name(std::string_view text);

// `ref` with tag "latest" when it has neither tag nor digest.
Reference with_default_tag(Reference ref);

}  // namespace nook::image
