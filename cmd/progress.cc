#include "cmd/progress.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace nook::cli {

namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

// "12.3MiB" (containers/image's progress bars use binary units).
std::string binary_size(double bytes) {
  static constexpr const char* kUnits[] = {"b", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f}{}", bytes, kUnits[unit]) : fmt::format("{:.1f}{}", bytes, kUnits[unit]);
}

std::string short_digest(std::string_view digest) {
  size_t colon = digest.find(':');
  std::string_view hex = colon == std::string_view::npos ? digest : digest.substr(colon + 1);
  return std::string(hex.substr(0, 12));
}

}  // namespace

bool TerminalProgress::stderr_is_terminal() {
  if (::isatty(STDERR_FILENO) == 0) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

void TerminalProgress::line(std::string_view text) {
  redraw(true);
  // Fixed text goes above the live blob lines: clear them, print, then draw them again.
  if (interactive_ && drawn_ > 0) {
    fmt::print(stderr, "\x1b[{}A\x1b[J", drawn_);
    drawn_ = 0;
    fmt::print(stderr, "{}\n", text);
    redraw(true);
  } else {
    fmt::print(stderr, "{}\n", text);
  }
  std::fflush(stderr);
}

void TerminalProgress::blob_started(std::string_view digest, int64_t size, bool present) {
  if (!interactive_) {
    fmt::print(stderr, "Copying blob {}{}\n", digest, present ? " skipped: already exists" : "");
    std::fflush(stderr);
    return;
  }
  blobs_.push_back({std::string(digest), size, present ? size : 0, present ? "skipped: already exists" : "",
                    std::chrono::steady_clock::now()});
  redraw(true);
}

void TerminalProgress::blob_progress(std::string_view digest, int64_t done, int64_t total) {
  if (!interactive_) return;
  for (Blob& blob : blobs_) {
    if (blob.digest == digest) {
      blob.done = done;
      if (total >= 0) blob.size = total;
    }
  }
  redraw(false);
}

void TerminalProgress::blob_done(std::string_view digest) {
  if (!interactive_) return;
  for (Blob& blob : blobs_) {
    if (blob.digest == digest) {
      blob.state = "done";
      if (blob.size >= 0) blob.done = blob.size;
    }
  }
  redraw(true);
}

void TerminalProgress::config_done(std::string_view digest) {
  if (!interactive_) {
    fmt::print(stderr, "Copying config {}\n", digest);
  } else {
    redraw(true);
    fmt::print(stderr, "Copying config {} done\n", short_digest(digest));
    // The blob lines are final now: leave them where they are.
    drawn_ = 0;
    blobs_.clear();
  }
  std::fflush(stderr);
}

std::string TerminalProgress::render(const Blob& blob) const {
  std::string head = fmt::format("Copying blob {}", short_digest(blob.digest));
  if (!blob.state.empty()) return fmt::format("{} {}", head, blob.state);
  constexpr int kWidth = 30;
  int filled = blob.size > 0 ? static_cast<int>(std::min<double>(1.0, static_cast<double>(blob.done) /
                                                                          static_cast<double>(blob.size)) *
                                                kWidth)
                             : 0;
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, '-');
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - blob.started).count();
  std::string speed = seconds > 0.05 ? binary_size(static_cast<double>(blob.done) / seconds) + "/s" : "";
  std::string total = blob.size >= 0 ? binary_size(static_cast<double>(blob.size)) : "?";
  return fmt::format("{} [{}] {} / {} {}", head, bar, binary_size(static_cast<double>(blob.done)), total, speed);
}

void TerminalProgress::redraw(bool force) {
  if (!interactive_ || blobs_.empty()) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  std::string out;
  if (drawn_ > 0) out += fmt::format("\x1b[{}A", drawn_);
  for (const Blob& blob : blobs_) out += "\r\x1b[K" + render(blob) + "\n";
  drawn_ = blobs_.size();
  std::fputs(out.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace nook::cli
