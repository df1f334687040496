// Files and directories: open, read to EOF, write fully, atomic replace, mkdir -p, rm -rf, and
// TempPath (a path removed when it goes out of scope unless committed).
//
// Every descriptor returned here is O_CLOEXEC. Messages name the call and the quoted path
// ("open \"/etc/subuid\": No such file or directory"); the kind follows errno (ENOENT ->
// NotFound, EACCES/EPERM -> Permission, ...), and sys_errno() keeps the raw errno for branching.
// None of these functions is async-signal-safe (they allocate).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/sys/fd.h"
#include "lib/util/error.h"

namespace nook::sys {

// open(2)/openat(2) with O_CLOEXEC added; EINTR (fifos, NFS) is retried. `mode` matters only with
// O_CREAT/O_TMPFILE and is subject to the umask.
[[nodiscard]] Result<UniqueFd> open_file(std::string_view path, int flags, mode_t mode = 0);
[[nodiscard]] Result<UniqueFd> openat_file(int dirfd, std::string_view path, int flags,
                                           mode_t mode = 0);

// Reads from the current offset to EOF. Never trusts st_size: /proc, /sys and cgroup files
// report 0 and pipes have none. EINTR is retried; on a non-blocking descriptor EAGAIN waits with
// poll(2).
[[nodiscard]] Result<std::string> read_all(int fd);
// open(O_RDONLY) + read_all, with the path in the message.
[[nodiscard]] Result<std::string> read_file(std::string_view path);

// Writes all of `data`, continuing after short writes and EINTR (and waiting with poll(2) when a
// non-blocking descriptor is full). EPIPE is reported as an error (callers are expected to
// ignore SIGPIPE or to block it).
[[nodiscard]] Result<void> write_all(int fd, std::string_view data);

// Whether write_file_atomic() waits for the disk. Durable fsyncs the file and its directory
// (about 5 ms each on this machine's ext4): for the image store, which must survive a power cut.
// AtomicOnly still replaces by rename, so readers never see a mix, but a crash may lose the
// newest version: for container state (records, bundles, exit files), which is rewritten on
// every state change and reconciled after a reboot anyway (DESIGN.md "Process model").
enum class Durability { Durable, AtomicOnly };

// Replaces `path` atomically: creates "<dir>/.<name>.tmp-XXXXXX" (O_CREAT|O_EXCL|O_CLOEXEC, via
// mkostemp), writes `data`, fchmod()s it to exactly `mode` (the umask is not applied), fsyncs
// (Durable), renames it over `path` and fsyncs the directory (Durable). Readers see either the old
// or the new content, never a mix. On any failure the temp file is removed and `path` is
// untouched. If `path` is a symlink, the link itself is replaced.
[[nodiscard]] Result<void> write_file_atomic(std::string_view path, std::string_view data,
                                             mode_t mode = 0644,
                                             Durability durability = Durability::Durable);

// mkdir -p: creates missing components with `mode` (subject to the umask). Succeeds if `path`
// already is a directory (or a symlink to one); fails with kind Exists if it is something else.
[[nodiscard]] Result<void> make_dirs(std::string_view path, mode_t mode = 0755);

// Whether a directory entry named `path` exists (lstat: a dangling symlink exists). ENOENT and
// ENOTDIR give false; other failures (EACCES on a parent) are errors.
[[nodiscard]] Result<bool> path_exists(std::string_view path);

// The names in a directory, without "." and ".." (in readdir order); a missing directory is empty.
[[nodiscard]] Result<std::vector<std::string>> list_dir(std::string_view path);

// stat(2) (or lstat(2) when !follow_symlinks).
[[nodiscard]] Result<struct stat> stat_path(std::string_view path, bool follow_symlinks = true);

// getxattr(2) following symlinks. nullopt when the attribute is absent (ENODATA) or the file
// system has no extended attributes (ENOTSUP).
[[nodiscard]] Result<std::optional<std::string>> read_xattr(std::string_view path,
                                                            std::string_view name);

// rm -rf without following symlinks: a symlink is removed, never its target. A missing `path` is
// success. Directories without write or search permission for us are chmod'ed u+rwx so that a
// rootless caller can remove trees with read-only directories (extracted image layers). Refuses
// (EBUSY, kind System) to descend into or remove a mount point, so a bind mount inside the tree
// cannot make us delete what lies behind it. Not safe against a concurrent writer swapping
// directories for symlinks above `path` itself; entries below it are opened with O_NOFOLLOW.
[[nodiscard]] Result<void> remove_all(std::string_view path);

// A path that is removed (recursively, with remove_all) when the object is destroyed, unless
// commit() or release() was called first (ninja's ScopedFilePath). Removal errors in the
// destructor are ignored; call remove() to see them. Move-only.
class TempPath {
 public:
  TempPath() = default;
  explicit TempPath(std::string path) : path_(std::move(path)) {}

  TempPath(TempPath&& other) noexcept : path_(std::exchange(other.path_, std::string())) {}
  TempPath& operator=(TempPath&& other) noexcept;
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;

  ~TempPath();

  // Empty after commit(), release() or remove().
  const std::string& path() const { return path_; }
  bool empty() const { return path_.empty(); }

  // Keep the path.
  void commit() { path_.clear(); }
  // Keep the path and hand it to the caller.
  [[nodiscard]] std::string release() { return std::exchange(path_, std::string()); }
  // Remove now, reporting errors. The object is empty afterwards even on failure.
  [[nodiscard]] Result<void> remove();

 private:
  std::string path_;
};

// mkdtemp("<parent>/<prefix>XXXXXX"): a new directory with mode 0700, removed with its contents
// when the returned TempPath is destroyed.
[[nodiscard]] Result<TempPath> make_temp_dir(std::string_view parent, std::string_view prefix);

}  // namespace nook::sys
