// YAML rendering of a JSON value the way podman prints `info` (sigs.k8s.io/yaml over go-yaml v2):
// keys sorted, two-space indentation for maps, sequences at the same indentation as their key,
// `{}`/`[]` for empty containers, strings quoted only when plain YAML would read them as
// something else.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace nook::format {

std::string to_yaml(const nlohmann::json& value);

// The scalar as YAML would print it: quoted with double quotes when needed.
std::string yaml_scalar(const nlohmann::json& value);

}  // namespace nook::format
