// Credentials for a registry, from auth.json files or docker-credential-<helper> programs
// (docker-credential-helpers protocol: `get` reads the server on stdin and prints
// {"ServerURL","Username","Secret"}; `store` reads that JSON; `erase` reads the server).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/config/auth.h"
#include "lib/util/error.h"

namespace nook::registry {

// How long a credential helper may run.
inline constexpr std::chrono::seconds kHelperTimeout{30};

// The credentials for `key` (a registry host[:port], or host/repository path): the first auth
// file of `auth_read_paths` with an answer wins (config::lookup_credentials); a credHelpers or
// credsStore answer runs the helper for the registry. Nothing found, or a helper answering
// "credentials not found", is anonymous (empty Credentials).
[[nodiscard]] Result<config::Credentials> credentials_for(const std::vector<std::string>& auth_read_paths,
                                                          std::string_view key);

// The --creds flag of pull and push: "USERNAME[:PASSWORD]" (the password may contain ':').
// InvalidArgument for an empty value or an empty username (podman's messages).
[[nodiscard]] Result<config::Credentials> parse_creds(std::string_view creds);

// docker-credential-<helper> get: nullopt when the helper has none for `server`. A username of
// "<token>" means the secret is an identity token.
[[nodiscard]] Result<std::optional<config::Credentials>> helper_get(std::string_view helper,
                                                                    std::string_view server);
// docker-credential-<helper> store.
[[nodiscard]] Result<void> helper_store(std::string_view helper, std::string_view server,
                                        std::string_view username, std::string_view secret);
// docker-credential-<helper> erase: false when the helper had nothing for `server`.
[[nodiscard]] Result<bool> helper_erase(std::string_view helper, std::string_view server);

// The helper that owns `key`'s registry in the auth file at `path` (its credHelpers entry), if any.
[[nodiscard]] Result<std::optional<std::string>> owning_helper(const std::string& path, std::string_view key);

// `login`: stores the credentials for `key` in the file at `write_path`, or through the helper
// that its credHelpers names for the registry.
[[nodiscard]] Result<void> store_credentials(const std::string& write_path, std::string_view key,
                                             std::string_view username, std::string_view password);

// `logout`: removes them again; false when there was nothing to remove.
[[nodiscard]] Result<bool> erase_stored_credentials(const std::string& write_path, std::string_view key);

}  // namespace nook::registry
