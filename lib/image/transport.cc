#include "lib/image/transport.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <utility>

namespace nook::image {

namespace {

constexpr std::array<std::pair<std::string_view, Transport>, 6> kTransports = {{
    {"docker", Transport::Docker},
    {"oci", Transport::Oci},
    {"oci-archive", Transport::OciArchive},
    {"docker-archive", Transport::DockerArchive},
    {"dir", Transport::Dir},
    {"containers-storage", Transport::ContainersStorage},
}};

std::optional<Transport> find_transport(std::string_view name) {
  for (const auto& [n, t] : kTransports) {
    if (n == name) return t;
  }
  return std::nullopt;
}

}  // namespace

std::string_view transport_name(Transport transport) {
  for (const auto& [n, t] : kTransports) {
    if (t == transport) return n;
  }
  return "unknown";
}

Result<TransportRef> parse_transport(std::string_view text) {
  size_t colon = text.find(':');
  std::optional<Transport> transport;
  if (colon != std::string_view::npos) transport = find_transport(text.substr(0, colon));
  TransportRef out;
  if (!transport) {
    // A bare reference ("busybox", "localhost:5000/x"): a registry image.
    if (text.empty()) return fail(ErrorKind::InvalidArgument, "invalid image name \"\"");
    out.transport = Transport::Docker;
    out.reference = std::string(text);
    return out;
  }
  out.transport = *transport;
  std::string_view rest = text.substr(colon + 1);
  auto invalid = [&](std::string_view why) {
    return fail(ErrorKind::InvalidArgument, fmt::format("invalid image name {:?}: {}", text, why));
  };
  switch (*transport) {
    case Transport::Docker:
      if (!rest.starts_with("//")) return invalid("docker references must start with \"docker://\"");
      rest.remove_prefix(2);
      if (rest.empty()) return invalid("empty reference");
      out.reference = std::string(rest);
      return out;
    case Transport::ContainersStorage:
      if (rest.empty()) return invalid("empty reference");
      out.reference = std::string(rest);
      return out;
    case Transport::Dir:
      if (rest.empty()) return invalid("empty path");
      out.path = std::string(rest);
      return out;
    case Transport::Oci:
    case Transport::OciArchive:
    case Transport::DockerArchive: {
      size_t sep = rest.find(':');
      out.path = std::string(rest.substr(0, sep));
      if (out.path.empty()) return invalid("empty path");
      if (sep == std::string_view::npos) return out;
      std::string_view ref = rest.substr(sep + 1);
      if (*transport == Transport::DockerArchive && ref.starts_with('@')) {
        int index = -1;
        std::string_view digits = ref.substr(1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || index < 0) {
          return invalid(fmt::format("invalid source index {:?}", digits));
        }
        out.source_index = index;
        return out;
      }
      if (ref.empty()) return invalid("empty reference after the path");
      out.reference = std::string(ref);
      return out;
    }
  }
  return invalid("unknown transport");
}

std::string to_string(const TransportRef& ref) {
  switch (ref.transport) {
    case Transport::Docker:
      return "docker://" + ref.reference;
    case Transport::ContainersStorage:
      return "containers-storage:" + ref.reference;
    case Transport::Dir:
      return "dir:" + ref.path;
    default:
      break;
  }
  std::string out = fmt::format("{}:{}", transport_name(ref.transport), ref.path);
  if (ref.source_index) return fmt::format("{}:@{}", out, *ref.source_index);
  if (!ref.reference.empty()) out += ":" + ref.reference;
  return out;
}

}  // namespace nook::image
