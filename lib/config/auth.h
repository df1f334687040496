// containers-auth.json(5) (and Docker's config.json, read the same way): registry credentials.
//
// Lookup follows containers/image pkg/docker/config: files are tried in order and the first one
// with an answer wins; in a file, a credHelpers entry for the registry wins, then the key and its
// parent namespaces ("quay.io/org/repo", "quay.io/org", "quay.io"), then any entry whose key
// normalizes to the registry ("https://index.docker.io/v1/" -> docker.io). Running credential
// helpers is the caller's job: a lookup returns the helper's name.
//
// Writing (login/logout) edits one file atomically (temp file, fsync, rename; mode 0600, parent
// directory created 0700) and keeps every field it does not understand.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/util/error.h"

namespace nook::config {

struct AuthEntry {
  std::string auth;            // base64("user:password"), as stored
  std::string identity_token;  // OAuth2 refresh token, if any
};

struct AuthFile {
  std::string path;
  std::map<std::string, AuthEntry> auths;          // key as written in the file
  std::map<std::string, std::string> cred_helpers;  // registry -> helper name (docker-credential-NAME)
  std::string creds_store;                          // Docker's default helper, "" if none
  nlohmann::json document = nlohmann::json::object();  // the whole file, for lossless rewrites
};

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;
};

struct AuthLookup {
  enum class Kind { None, Credentials, Helper };
  Kind kind = Kind::None;
  Credentials credentials;  // Kind::Credentials
  std::string helper;       // Kind::Helper: run docker-credential-<helper> for `registry`
  std::string registry;     // the host part of the key looked up
  std::string matched_key;  // the file key that matched (Kind::Credentials)
  std::string path;         // the file that answered
};

// Parses auth.json / config.json text; errors name `path`.
[[nodiscard]] Result<AuthFile> parse_auth_file(std::string_view text, std::string_view path);
// Reads a file; a missing file is an empty AuthFile (upstream treats it the same way).
[[nodiscard]] Result<AuthFile> read_auth_file(const std::string& path);

// A key is a registry host[:port], optionally with a namespace or repository ("quay.io/org/repo");
// InvalidArgument for "https://..." prefixes, '@', or a tag.
[[nodiscard]] Result<void> validate_auth_key(std::string_view key);

// Looks `key` up in one file (see the header comment). Invalid base64 is an error naming the file
// and key; an entry without "user:password" is skipped, as Docker does.
[[nodiscard]] Result<AuthLookup> find_credentials(const AuthFile& file, std::string_view key);

// Looks `key` up in each existing file of `paths` in order; the first answer wins.
[[nodiscard]] Result<AuthLookup> lookup_credentials(const std::vector<std::string>& paths, std::string_view key);

// Stores base64(username:password) under `key` in the file at `path` (created if missing).
// Unsupported when a credHelpers entry owns the key's registry (the caller runs the helper).
[[nodiscard]] Result<void> set_credentials(const std::string& path, std::string_view key,
                                           std::string_view username, std::string_view password);

// Removes `key` from the file's auths. Returns false when there was nothing to remove (podman
// reports "not logged in"); the file is then left untouched.
[[nodiscard]] Result<bool> erase_credentials(const std::string& path, std::string_view key);

// Serializes `file` (document with auths/credHelpers/credsStore updated) and writes it to
// file.path atomically with mode 0600.
[[nodiscard]] Result<void> write_auth_file(const AuthFile& file);

// base64 helpers (standard alphabet, padded), exposed for tests and the registry client.
std::string base64_encode(std::string_view data);
[[nodiscard]] Result<std::string> base64_decode(std::string_view text);

}  // namespace nook::config
