// Image transport references as podman and skopeo write them (containers-transports(5)):
//   docker://REF                       a registry (the default for a bare reference)
//   oci:PATH[:REF]                     an OCI image layout directory; REF is the
//                                      org.opencontainers.image.ref.name annotation
//   oci-archive:PATH[:REF]             the same layout in a tar file
//   docker-archive:PATH[:REF|:@INDEX]  `docker save` format; REF a RepoTags entry, @N the Nth image
//   dir:PATH                           a directory of blobs named by digest hex (skopeo's dir)
//   containers-storage:REF             the local store
// Pure parsing, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/util/error.h"

namespace nook::image {

enum class Transport { Docker, Oci, OciArchive, DockerArchive, Dir, ContainersStorage };

struct TransportRef {
  Transport transport = Transport::Docker;
  std::string path;                  // oci, oci-archive, docker-archive, dir
  std::string reference;             // docker / containers-storage reference, or the REF part
  std::optional<int> source_index;   // docker-archive "@N"
};

// "docker", "oci", "oci-archive", "docker-archive", "dir", "containers-storage".
std::string_view transport_name(Transport transport);

// Parses "TRANSPORT:..." or a bare reference (Docker). InvalidArgument for an unknown transport
// ("unsupported transport \"x\" in \"x:y\": ..."), a missing path, a bad @index, or a docker://
// reference that is not "//"-prefixed. A bare reference is only taken as such when it has no
// known transport prefix; "localhost:5000/x" stays a Docker reference (the part before ':' contains
// no transport name).
[[nodiscard]] Result<TransportRef> parse_transport(std::string_view text);

// Back to text: "oci:/p:ref", "docker://ref", ...
std::string to_string(const TransportRef& ref);

}  // namespace nook::image
