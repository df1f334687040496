// tmpcopyup: a tmpfs mounted over a directory of the image starts with a copy of what the image
// has there, as crun does for podman's --tmpfs and --read-only-tmpfs mounts (their default).
//
// Runs in the container's init before pivot_root, so it allocates nothing and reports -errno.
// Copied: directories, regular files (contents, mode with setuid/setgid/sticky, owner,
// modification time), symbolic links (target, owner) and fifos; device nodes and sockets are
// skipped (an unprivileged user namespace cannot make devices, and a socket is nobody's once
// copied). Hard links become separate files, extended attributes are not copied.
#pragma once

namespace nook::runtime {

// Copies the entries of directory `src_dir` into directory `dst_dir` (both open, O_RDONLY |
// O_DIRECTORY), recursively. `dst_dir` itself keeps its own mode (the tmpfs's "mode=" option).
// Returns 0 or -errno of the first failure. Deeper than 128 levels is -ELOOP.
int copy_tree(int src_dir, int dst_dir) noexcept;

}  // namespace nook::runtime
