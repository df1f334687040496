// The one place toml++ parses (and may throw), plus typed read access to parsed tables.
//
// Errors name the file, the line and column, the dotted key and the problem, e.g.
//   parsing "/etc/containers/containers.conf": line 3, column 7: expected '=' ...
//   parsing "/etc/containers/containers.conf": line 4, column 14: containers.pids_limit:
//     expected an integer, found a string
// All of kind InvalidArgument (the caller exits 125).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "lib/util/error.h"

namespace nook::config {

// Parses TOML text read from `path` (used in messages only).
[[nodiscard]] Result<toml::table> parse_toml(std::string_view text, std::string_view path);

// `text` with every line that holds only a comment emptied (its newline kept, so positions in
// errors stay right). containers.conf is 24 KB, nearly all comments, and toml++ reads comments
// one UTF-8 character at a time: this halves what every nook command spends on its
// configuration. Text with a multi-line string (where a '#' line is content) is returned as is.
std::string blank_comment_lines(std::string_view text);

// Reads and parses a file; a missing file gives ErrorKind::NotFound.
[[nodiscard]] Result<toml::table> read_toml_file(const std::string& path);

// A string array, with containers.conf's optional trailing `{append = true|false}` element.
struct TomlStringArray {
  std::vector<std::string> values;
  std::optional<bool> append;  // set when the array ended with an {append = ...} table
};

// Typed, read-only view of one table of a parsed file. Missing keys read as nullopt; a value of
// the wrong type is an error naming the file, line, dotted key and expected type. The view points
// into the table it was made from, which must outlive it.
class TomlSection {
 public:
  TomlSection(const toml::table& table, std::string_view path, std::string prefix = {});

  [[nodiscard]] Result<std::optional<std::string>> string(std::string_view key) const;
  [[nodiscard]] Result<std::optional<int64_t>> integer(std::string_view key) const;
  [[nodiscard]] Result<std::optional<bool>> boolean(std::string_view key) const;
  // `allow_append` accepts the containers.conf `{append=...}` attribute as the last element.
  [[nodiscard]] Result<std::optional<TomlStringArray>> string_array(std::string_view key,
                                                                    bool allow_append = false) const;
  [[nodiscard]] Result<std::optional<TomlSection>> table(std::string_view key) const;
  // An array of tables ([[registry]]); each element's prefix is "key[i]".
  [[nodiscard]] Result<std::optional<std::vector<TomlSection>>> table_array(std::string_view key) const;

  bool contains(std::string_view key) const;
  std::vector<std::string> keys() const;

  // InvalidArgument "parsing \"PATH\": line L, column C: DOTTED-KEY: PROBLEM", positioned at the
  // value of `key` (or at the table itself when `key` is empty or missing).
  Error error_at(std::string_view key, std::string_view problem) const;
  // prefix + "." + key
  std::string dotted(std::string_view key) const;
  const std::string& path() const { return path_; }

 private:
  const toml::table* table_;
  std::string path_;
  std::string prefix_;
};

// Sets `out` to the string at `key` when the section has one (leaves it as it is otherwise).
[[nodiscard]] Result<void> read_string(const TomlSection& section, std::string_view key, std::string& out);

}  // namespace nook::config
