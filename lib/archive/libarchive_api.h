// libarchive, loaded on first use.
//
// libarchive pulls libxml2, ICU, nettle, liblzma, libbz2, liblz4 and libacl into a process: linked
// normally, every nook command paid for them in the dynamic loader. nook instead dlopen()s
// libarchive.so.13 the first time a layer is extracted or a tar archive written, so commands that
// never read or write a tar never map it.
//
// <archive.h> and <archive_entry.h> still supply the types and constants; the functions are
// called through the table: `const LibarchiveApi& ar = *NOOK_TRY(libarchive_api());
// ar.read_next_header(a, &entry);`.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "lib/util/error.h"

namespace nook::archive {

// Every libarchive function nook calls, without its "archive_" prefix.
#define NOOK_LIBARCHIVE_FUNCTIONS(X)  \
  X(error_string)                     \
  X(read_new)                         \
  X(read_free)                        \
  X(read_support_filter_all)          \
  X(read_support_format_tar)          \
  X(read_support_format_empty)        \
  X(read_open_fd)                     \
  X(read_open_memory)                 \
  X(read_next_header)                 \
  X(read_data_block)                  \
  X(write_new)                        \
  X(write_free)                       \
  X(write_set_format_pax_restricted)  \
  X(write_set_bytes_per_block)        \
  X(write_open)                       \
  X(write_header)                     \
  X(write_data)                       \
  X(write_finish_entry)               \
  X(write_close)                      \
  X(entry_new)                        \
  X(entry_free)                       \
  X(entry_pathname)                   \
  X(entry_pathname_utf8)              \
  X(entry_hardlink)                   \
  X(entry_hardlink_utf8)              \
  X(entry_symlink)                    \
  X(entry_symlink_utf8)               \
  X(entry_filetype)                   \
  X(entry_perm)                       \
  X(entry_uid)                        \
  X(entry_gid)                        \
  X(entry_rdev)                       \
  X(entry_mtime)                      \
  X(entry_mtime_nsec)                 \
  X(entry_atime)                      \
  X(entry_atime_nsec)                 \
  X(entry_atime_is_set)               \
  X(entry_xattr_reset)                \
  X(entry_xattr_next)                 \
  X(entry_set_pathname)               \
  X(entry_set_filetype)               \
  X(entry_set_perm)                   \
  X(entry_set_size)                   \
  X(entry_set_mtime)                  \
  X(entry_set_uid)                    \
  X(entry_set_gid)                    \
  X(entry_set_symlink)                \
  X(entry_set_hardlink)               \
  X(entry_set_rdev)                   \
  X(entry_xattr_add_entry)

struct LibarchiveApi {
#define NOOK_LIBARCHIVE_MEMBER(name) decltype(&::archive_##name) name = nullptr;
  NOOK_LIBARCHIVE_FUNCTIONS(NOOK_LIBARCHIVE_MEMBER)
#undef NOOK_LIBARCHIVE_MEMBER
};

inline constexpr const char* kLibarchiveLibrary = "libarchive.so.13";

// The process's libarchive: dlopen()s kLibarchiveLibrary and resolves every function on the first
// call (thread-safe, done once); later calls return the same table, or the same error. The error
// is Unsupported: "loading libarchive.so.13: <dlerror>" (dlerror names the missing function when
// the library lacks one). The library stays loaded until the process exits.
[[nodiscard]] Result<const LibarchiveApi*> libarchive_api();

// Loads `library` (a soname or a path) into a fresh table without caching it; libarchive_api()
// uses it. For tests.
[[nodiscard]] Result<LibarchiveApi> load_libarchive_api(const char* library);

// How many times libarchive_api() has loaded the library: 0 before the first call, 1 after. For
// tests.
int libarchive_api_loads();

}  // namespace nook::archive
