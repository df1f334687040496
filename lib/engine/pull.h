// `nook pull`: from a registry into the layer store, streaming (DESIGN.md "Storage layout"):
// each layer is downloaded, checked against its digest, decompressed, hashed for its DiffID, cut
// into its tar-split record and unpacked in one pass, several layers at once, with no temporary
// copy of any blob. Only the image record is written at the end, after every layer committed.
//
// The caller must already be in the rootless user namespace (the verb has needs_userns) and must
// call this before starting threads of its own: the store may probe the overlay driver (fork).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/error.h"

namespace nook::engine {

struct Settings;

struct PullOptions {
  bool all_tags = false;
  std::optional<std::string> platform;  // "os/arch[/variant]"
  std::optional<std::string> arch;
  std::optional<std::string> os;
  std::optional<std::string> variant;
  std::optional<bool> tls_verify;       // --tls-verify given
  std::optional<std::string> creds;     // "user[:password]"
  std::optional<std::string> authfile;  // --authfile
  std::optional<std::string> cert_dir;  // --cert-dir
  // podman's --pull policy for run/create: "always" (pull), "missing" (only when not local),
  // "never" (never; NotFound when not local), "newer" (pull when the registry's digest differs).
  std::string policy = "always";
};

// What a pull reports while it works. Calls are serialized (never concurrent) but may come from
// any thread; implementations must not block for long.
class PullProgress {
 public:
  virtual ~PullProgress() = default;
  // One line of podman's text ("Trying to pull ...", "Getting image source signatures",
  // "Writing manifest to image destination", "Storing signatures").
  virtual void line(std::string_view text) = 0;
  // A blob begins: `size` -1 when unknown; `present` when the store already has its layer
  // (podman prints "Copying blob <digest> skipped: already exists").
  virtual void blob_started(std::string_view digest, int64_t size, bool present) = 0;
  virtual void blob_progress(std::string_view digest, int64_t done, int64_t total) = 0;
  virtual void blob_done(std::string_view digest) = 0;
  // The config blob ("Copying config <digest> done").
  virtual void config_done(std::string_view digest) = 0;
};

struct PulledImage {
  std::string id;         // config digest hex
  std::string reference;  // the fully-qualified reference pulled ("127.0.0.1:5000/busybox:latest")
};

// Pulls `reference` (a short or fully-qualified name, optionally prefixed "docker://"; other
// transports go through transfer.h). Short names are resolved with registries.conf (aliases,
// unqualified-search-registries, short-name-mode), each candidate tried in order, and each
// registry's mirrors before it. With all_tags, every tag of the repository is pulled.
// Errors: InvalidArgument for a malformed reference or flag, NotFound when no candidate has the
// image ("initializing source docker://X: reading manifest TAG in REPO: manifest unknown"),
// Network/Permission/Corrupt as the registry client reports them, each with the reference tried.
[[nodiscard]] Result<std::vector<PulledImage>> pull_image(const Settings& settings, std::string_view reference,
                                                          const PullOptions& options, PullProgress* progress);

}  // namespace nook::engine
