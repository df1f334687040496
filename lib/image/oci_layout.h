// The OCI image layout (image-spec image-layout.md) as podman and skopeo write it: "oci-layout"
// ({"imageLayoutVersion": "1.0.0"}), "index.json" whose manifests carry the
// "org.opencontainers.image.ref.name" annotation, and blobs under "blobs/<algorithm>/<hex>".
// Also the JSON encoders for the manifests nook writes (save, push). Directory I/O only; the tar
// form (oci-archive) is handled by the caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/image/digest.h"
#include "lib/image/manifest.h"
#include "lib/util/error.h"

namespace nook::image {

inline constexpr std::string_view kOciRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kOciLayoutFile = "{\"imageLayoutVersion\": \"1.0.0\"}";

// "<dir>/blobs/<algorithm>/<hex>".
std::string oci_blob_path(std::string_view dir, const Digest& digest);

// Reads and checks "<dir>/oci-layout" and parses "<dir>/index.json". NotFound when the directory is
// not a layout ("... is not an OCI layout: no oci-layout file"), Corrupt for bad content.
[[nodiscard]] Result<Index> read_oci_index(std::string_view dir);

// The manifest descriptor for `ref` (the ref.name annotation; "" picks the only manifest).
// NotFound "no descriptor found for reference \"x\"" (c/image's wording); InvalidArgument when ""
// is given and the index holds several manifests.
[[nodiscard]] Result<Descriptor> select_oci_manifest(const Index& index, std::string_view ref);

// Reads a blob and checks its digest (Corrupt on mismatch, NotFound when missing). At most
// `max_size` bytes (Corrupt above): for manifests and configs.
[[nodiscard]] Result<std::string> read_oci_blob(std::string_view dir, const Digest& digest,
                                                int64_t max_size = 64 << 20);

// index.json bytes: `existing` (may be empty) with `manifest` added under `ref_name` ("" for no
// annotation); an entry with the same ref name loses it (and is dropped when it has no name then),
// as c/image does.
[[nodiscard]] Result<std::string> add_to_oci_index(std::string_view existing, Descriptor manifest,
                                                   std::string_view ref_name);

// Canonical JSON for a descriptor / an image manifest (OCI when manifest.media_type is the OCI type,
// Docker schema 2 otherwise; mediaType always written). Keys in the order the specs list them.
std::string encode_manifest(const Manifest& manifest);

}  // namespace nook::image
