// Seccomp: linux.seccomp compiled to a BPF program with libseccomp in the parent, before fork
// (this is the only includer of <seccomp.h>), and loaded in the child with seccomp(2).
#pragma once

#include <string>

#include "lib/oci/spec.h"
#include "lib/runtime/sync.h"
#include "lib/util/error.h"

namespace nook::runtime {

struct SeccompProgram {
  std::string bpf;          // struct sock_filter[], as libseccomp exported it
  unsigned int flags = 0;   // SECCOMP_FILTER_FLAG_*
  bool empty() const { return bpf.empty(); }
};

// InvalidArgument naming the bad action, architecture, operator or flag; syscall names this
// libseccomp does not know are skipped (profiles list calls of newer kernels).
[[nodiscard]] Result<SeccompProgram> compile_seccomp(const oci::Seccomp& seccomp);

// The same through a cache: compiling the default profile with libseccomp takes ~10 ms, about a
// third of `nook run`. <cache_dir>/<hash>.bpf keeps a compiled program together with the whole
// profile it came from (and libseccomp's version), which must match exactly to be used, so a
// hash collision or a stale file only costs a compilation. An empty cache_dir compiles every time;
// a cache that cannot be read or written is skipped, never an error.
[[nodiscard]] Result<SeccompProgram> compile_seccomp_cached(const oci::Seccomp& seccomp, const std::string& cache_dir);

// The text a compiled program is cached under: every field of the profile, and libseccomp's
// version (its syscall tables and the code it generates change with it).
std::string seccomp_cache_key(const oci::Seccomp& seccomp);

// Child: installs the filter (no-op for an empty program).
bool load_seccomp(const SeccompProgram& program, SyncRecord& error) noexcept;

}  // namespace nook::runtime
