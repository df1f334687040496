// Platforms (os/architecture/variant) and choosing an image from an image index for one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::image {

struct Descriptor;
struct Index;

// OCI image-spec "platform" object, with Go's GOOS/GOARCH names ("linux", "amd64", "arm64").
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;     // "v8" for arm64, "v7"/"v6"/"v5" for arm, usually "" otherwise
  std::string os_version;  // "os.version"
  std::vector<std::string> os_features;  // "os.features"

  bool operator==(const Platform&) const = default;
};

// "os/arch" or "os/arch/variant".
std::string to_string(const Platform& platform);

// The platform this process runs on, from uname(2): machine names mapped to GOARCH (x86_64 ->
// amd64, aarch64 -> arm64 v8, armv7l -> arm v7, ...); os is always "linux". An unknown machine
// name is passed through unchanged.
Platform host_platform();

// Brings an os/architecture/variant triple into the canonical form used for matching (as podman
// and containerd do): lower case; x86_64/x86-64 -> amd64 (variant v1 -> ""); aarch64 -> arm64 with
// variant "" or "8" -> "v8"; armhf -> arm v7, armel -> arm v6, arm without variant -> v7; a bare
// digit variant gets its "v"; i386/i686 -> 386.
Platform normalize_platform(Platform platform);

// Parses a --platform value "os/arch[/variant]" and normalizes it. InvalidArgument
// "invalid platform \"x\": ..." for an empty part or more than three parts.
[[nodiscard]] Result<Platform> parse_platform(std::string_view text);

// Chooses the manifest for `wanted` from `index`, the way containers/image does: os and architecture
// must be equal (after normalization); arm64 "v8" and "" are the same variant; for arm vN an exact
// variant is preferred anywhere in the index, then vN-1 ... v5 in that order; other architectures
// need an equal variant. Among equals the first in index order wins. If nothing matches, the first
// descriptor without a platform is taken. Otherwise NotFound
// "no image found in image index for architecture \"arm64\", variant \"v8\", OS \"linux\"".
// The pointer points into `index`.
[[nodiscard]] Result<const Descriptor*> select_manifest(const Index& index, const Platform& wanted);

}  // namespace nook::image
