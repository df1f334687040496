// File helpers for lib/config: reading config files, listing drop-in directories, and the atomic
// write used for auth.json, on top of lib/sys; errors carry errno (callers branch on NotFound).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::config {

// The whole file. ENOENT gives ErrorKind::NotFound; a directory gives InvalidArgument.
[[nodiscard]] Result<std::string> read_text_file(const std::string& path);

// True when `path` exists (stat follows symlinks). Errors other than ENOENT/ENOTDIR are errors.
[[nodiscard]] Result<bool> path_exists(const std::string& path);

// The "*.conf" entries of a drop-in directory that are not directories, as full paths sorted by
// name (byte order, as Go's os.ReadDir). A missing directory yields an empty list.
[[nodiscard]] Result<std::vector<std::string>> list_drop_ins(const std::string& dir);

// Creates `dir` and missing parents with `mode` (like mkdir -p); existing directories are left
// as they are.
[[nodiscard]] Result<void> make_dirs(const std::string& dir, mode_t mode);

// Replaces `path` with `content` atomically: creates the parent directory (mode 0700) if needed,
// writes a temporary file in the same directory with `mode`, fsyncs it, renames it over `path`
// and fsyncs the directory. On failure the temporary file is removed and `path` is untouched.
[[nodiscard]] Result<void> write_file_atomic(const std::string& path, std::string_view content,
                                             mode_t mode);

// The directory part of a path ("/a/b" -> "/a", "b" -> ".", "/b" -> "/").
std::string parent_dir(std::string_view path);

// a + "/" + b, without doubling slashes.
std::string join_path(std::string_view a, std::string_view b);

}  // namespace nook::config
