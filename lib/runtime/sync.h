// The sync protocol between the runtime (parent) and the container's init (child): named steps
// instead of crun's "sync 1..4", one fixed-size record per SOCK_SEQPACKET message, so the child
// can send without allocating. Included by both sides.
//
//   child                                  parent
//   NeedIdMaps (new user namespace)  ->    writes uid_map/gid_map
//                                    <-    IdMapsWritten
//   ... namespaces ...
//   NamespacesReady (when asked)     ->    CreateOptions::on_namespaces (no reply)
//   ... mounts, pivot_root, user, caps ...
//   Ready                            ->    (create) writes state.json, returns; or, with
//                                    <-    CreateOptions::on_ready, calls it, then Go
//   execve (the socket is CLOEXEC)   ->    EOF: the program runs
//   Error {errno, kind, message}     ->    on any failure, then _exit
//
// exec() adds one step: the child that joined the namespaces creates the process with
// CLONE_PARENT and reports it as ExecPid {pid} before it exits.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>

#include "lib/util/error.h"

namespace nook::runtime {

enum class SyncStep : uint32_t {
  NeedIdMaps = 1,     // child -> parent: write my id maps now
  IdMapsWritten = 2,  // parent -> child
  Ready = 3,          // child -> parent: set up; waiting for start (create) or about to exec (run)
  Error = 4,          // child -> parent: failed; err/kind/message are set
  Log = 5,            // child -> parent: a debug line in message
  ExecPid = 6,        // exec(): the joining child -> parent: `pid` is the process it created
  NamespacesReady = 7,  // child -> parent: my namespaces exist (CreateOptions::on_namespaces)
  Go = 8,               // parent -> child, after Ready: exec now (CreateOptions::on_ready returned)
};

std::string_view sync_step_name(SyncStep step);

struct SyncRecord {
  SyncStep step = SyncStep::Error;
  int32_t err = 0;   // errno of the failure, 0 if none
  int32_t kind = 0;  // an ErrorKind
  int32_t pid = 0;   // ExecPid
  char message[1024] = {};
};

// Async-signal-safe: one record per message; MSG_NOSIGNAL. Return 0 or -errno.
int send_record(int fd, const SyncRecord& record) noexcept;
// Async-signal-safe. Returns 1 when a record was read, 0 at EOF, or -errno.
int recv_record(int fd, SyncRecord& record) noexcept;

// Builds an Error record: the message is printf-formatted (vsnprintf, truncated) and, when err
// is not 0, followed by ": <strerror>". Async-signal-safe enough for the child (no malloc).
void set_error(SyncRecord& record, ErrorKind kind, int err, const char* format, ...) noexcept
    __attribute__((format(printf, 4, 5)));

// The Error a received Error record stands for.
Error to_error(const SyncRecord& record);

}  // namespace nook::runtime
