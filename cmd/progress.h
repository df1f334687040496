// Pull/push progress on stderr, the way podman shows it: on a terminal one live line per blob
// (short digest, bar, bytes, speed), redrawn in place; otherwise plain lines, one per event
// ("Copying blob sha256:..."). Quiet prints nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/engine/engine.h"

namespace nook::cli {

class TerminalProgress final : public engine::PullProgress {
 public:
  // `interactive`: stderr is a terminal (and TERM is not "dumb").
  explicit TerminalProgress(bool interactive) : interactive_(interactive) {}
  // Whether stderr is a terminal that can redraw lines.
  static bool stderr_is_terminal();

  void line(std::string_view text) override;
  void blob_started(std::string_view digest, int64_t size, bool present) override;
  void blob_progress(std::string_view digest, int64_t done, int64_t total) override;
  void blob_done(std::string_view digest) override;
  void config_done(std::string_view digest) override;

 private:
  struct Blob {
    std::string digest;
    int64_t size = -1;
    int64_t done = 0;
    std::string state;  // "" while copying, "done", "skipped: already exists"
    std::chrono::steady_clock::time_point started;
  };
  void redraw(bool force);
  std::string render(const Blob& blob) const;

  bool interactive_;
  std::vector<Blob> blobs_;
  size_t drawn_ = 0;  // how many blob lines are on the screen below the fixed text
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace nook::cli
