#include "lib/image/platform.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include <fmt/format.h>

#include "lib/image/manifest.h"

namespace nook::image {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// uname(2) machine -> GOARCH and variant.
std::pair<std::string, std::string> arch_of_machine(std::string_view machine) {
  if (machine == "x86_64" || machine == "amd64") return {"amd64", ""};
  if (machine == "i386" || machine == "i486" || machine == "i586" || machine == "i686") return {"386", ""};
  if (machine == "aarch64" || machine == "arm64" || machine == "armv8l") return {"arm64", "v8"};
  if (machine.starts_with("armv7")) return {"arm", "v7"};
  if (machine.starts_with("armv6")) return {"arm", "v6"};
  if (machine.starts_with("armv5")) return {"arm", "v5"};
  if (machine == "ppc64le") return {"ppc64le", ""};
  if (machine == "ppc64") return {"ppc64", ""};
  if (machine == "s390x") return {"s390x", ""};
  if (machine == "riscv64") return {"riscv64", ""};
  if (machine == "mips64") return {"mips64", ""};
  if (machine == "mips64el") return {"mips64le", ""};
  if (machine == "loongarch64") return {"loong64", ""};
  return {std::string(machine), ""};
}

// Variants a `wanted` platform accepts, best first, each tier as a list of equal candidates.
std::vector<std::vector<std::string>> acceptable_variants(const Platform& wanted) {
  if (wanted.architecture == "arm64" && (wanted.variant.empty() || wanted.variant == "v8")) {
    return {{"v8", ""}};
  }
  if (wanted.architecture == "arm" && wanted.variant.size() == 2 && wanted.variant[0] == 'v' &&
      wanted.variant[1] >= '5' && wanted.variant[1] <= '8') {
    std::vector<std::vector<std::string>> tiers;
    for (char v = wanted.variant[1]; v >= '5'; --v) tiers.push_back({std::string("v") + v});
    return tiers;
  }
  return {{wanted.variant}};
}

}  // namespace

std::string to_string(const Platform& platform) {
  std::string out = platform.os + "/" + platform.architecture;
  if (!platform.variant.empty()) out += "/" + platform.variant;
  return out;
}

Platform host_platform() {
  Platform platform;
  platform.os = "linux";
  struct utsname uts {};
  if (uname(&uts) == 0) {
    auto [arch, variant] = arch_of_machine(uts.machine);
    platform.architecture = std::move(arch);
    platform.variant = std::move(variant);
  }
  return platform;
}

Platform normalize_platform(Platform platform) {
  platform.os = lower(platform.os);
  std::string arch = lower(platform.architecture);
  std::string variant = lower(platform.variant);
  if (variant.size() == 1 && std::isdigit(static_cast<unsigned char>(variant[0]))) variant = "v" + variant;
  if (arch == "i386" || arch == "i486" || arch == "i586" || arch == "i686") {
    arch = "386";
    variant.clear();
  } else if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    arch = "amd64";
    if (variant == "v1") variant.clear();
  } else if (arch == "aarch64" || arch == "arm64") {
    arch = "arm64";
    if (variant.empty()) variant = "v8";
  } else if (arch == "armhf") {
    arch = "arm";
    variant = "v7";
  } else if (arch == "armel") {
    arch = "arm";
    variant = "v6";
  } else if (arch == "arm") {
    if (variant.empty()) variant = "v7";
  }
  platform.architecture = std::move(arch);
  platform.variant = std::move(variant);
  return platform;
}

Result<Platform> parse_platform(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    parts.push_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  auto invalid = [&](std::string_view why) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid platform \"{}\": {}", text, why));
  };
  if (parts.size() < 2) return invalid("expected OS/ARCH[/VARIANT]");
  if (parts.size() > 3) return invalid("too many parts, expected OS/ARCH[/VARIANT]");
  if (parts[0].empty()) return invalid("empty OS");
  if (parts[1].empty()) return invalid("empty architecture");
  if (parts.size() == 3 && parts[2].empty()) return invalid("empty variant");
  Platform platform;
  platform.os = parts[0];
  platform.architecture = parts[1];
  if (parts.size() == 3) platform.variant = parts[2];
  return normalize_platform(std::move(platform));
}

Result<const Descriptor*> select_manifest(const Index& index, const Platform& wanted_raw) {
  Platform wanted = normalize_platform(wanted_raw);
  for (const std::vector<std::string>& tier : acceptable_variants(wanted)) {
    for (const Descriptor& descriptor : index.manifests) {
      if (!descriptor.platform) continue;
      Platform have = normalize_platform(*descriptor.platform);
      if (have.os != wanted.os || have.architecture != wanted.architecture) continue;
      if (std::find(tier.begin(), tier.end(), have.variant) != tier.end()) return &descriptor;
    }
  }
  for (const Descriptor& descriptor : index.manifests) {
    if (!descriptor.platform) return &descriptor;
  }
  return fail(ErrorKind::NotFound,
              fmt::format("no image found in image index for architecture \"{}\", variant \"{}\", OS \"{}\"",
                          wanted.architecture, wanted.variant, wanted.os));
}

}  // namespace nook::image
