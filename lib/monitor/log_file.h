// The k8s-file container log, as conmon writes it and podman reads it (DESIGN.md "Containers").
//
// One record per line: `<timestamp> <stream> <tag> <text>\n`, e.g.
//   2024-01-02T15:04:05.123456789+01:00 stdout F hello
// The timestamp is conmon's: local time, always nine fractional digits, the offset as +hh:mm (never
// "Z"). The stream is stdout or stderr. The tag is F for a full line (text ends where the newline
// was) or P when a read from the container ended without a newline: the line goes on in the next
// record(s) of that stream. The text is the container's raw bytes without the newline.
//
// The writer (LogWriter, used by the monitor) keeps no buffer of its own: each chunk read from the
// container is written with writev(2) straight from the caller's buffer, so the monitor stays small.
// With a max size it rotates by renaming the file to <path>.1 (replacing an older one) and starting
// a new file; rotation happens only between records, and a record longer than the limit still goes
// whole into a fresh file.
//
// The reader (LogReader, for `nook logs`) reassembles P records into whole lines per stream, filters
// by time (--since/--until) and --tail, and can be polled for new records (follow mode) across a
// rotation.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lib/sys/fd.h"
#include "lib/util/error.h"

namespace nook::monitor {

enum class LogStream { Stdout, Stderr };
std::string_view log_stream_name(LogStream stream);  // "stdout", "stderr"

// A point in time as a log line records it: nanoseconds since the epoch (UTC) and the UTC offset,
// in seconds east, it was written with (kept so that `logs -t` prints the writer's local time).
struct LogTime {
  int64_t ns = 0;
  int32_t utc_offset = 0;
  friend bool operator==(const LogTime&, const LogTime&) = default;
};

// The current time (CLOCK_REALTIME) with the local UTC offset (localtime_r, TZ as the process has it).
LogTime log_time_now();

// conmon's record timestamp: "2024-01-02T15:04:05.000000001+00:00" (local time, 9 digits, +hh:mm).
std::string format_log_timestamp(const LogTime& time);
// podman's `logs -t` / RFC3339 with nine fixed digits: as above, but "Z" for offset zero
// (podman's LogTimeFormat "2006-01-02T15:04:05.000000000Z07:00").
std::string format_podman_timestamp(const LogTime& time);
// Go's time.RFC3339Nano (trailing fractional zeros trimmed, "Z" for offset zero), for JSON fields
// such as an exit file's "exitedAt".
std::string format_rfc3339_nano(const LogTime& time);
// Parses RFC 3339 with an optional fraction of 1..9 digits and "Z", "z" or ±hh:mm; InvalidArgument
// (with the text quoted) otherwise.
[[nodiscard]] Result<LogTime> parse_rfc3339(std::string_view text);

// One parsed record, or (from LogReader) one reassembled line.
struct LogEntry {
  LogTime time;             // for a reassembled line: the time of its last record
  LogStream stream = LogStream::Stdout;
  bool partial = false;     // a P record; from LogReader only for a line still unterminated
  std::string text;         // without the newline
};

// Parses one record (without its '\n'). Corrupt, naming the problem, for anything else.
[[nodiscard]] Result<LogEntry> parse_log_line(std::string_view line);

// How `nook logs` prints an entry: "[<podman timestamp> ]<text>\n", without the newline for a
// partial entry (a line the container has not finished, printed as it stands).
std::string format_log_entry(const LogEntry& entry, bool timestamps);

class LogWriter {
 public:
  // Opens (creates 0600, appends to) `path`. max_size > 0 enables rotation at that many bytes;
  // the size of an existing file counts.
  [[nodiscard]] static Result<LogWriter> open(std::string path, int64_t max_size = -1);

  // Writes what one read from the container's `stream` returned: one record per line, all with
  // the time `time`; a last line without a newline becomes a P record. Empty data writes nothing.
  [[nodiscard]] Result<void> write(LogStream stream, std::string_view data, const LogTime& time);
  [[nodiscard]] Result<void> write(LogStream stream, std::string_view data) {
    return write(stream, data, log_time_now());
  }

  const std::string& path() const { return path_; }
  int64_t size() const { return size_; }  // bytes in the current file

 private:
  LogWriter(std::string path, int64_t max_size, sys::UniqueFd fd, int64_t size)
      : path_(std::move(path)), max_size_(max_size), fd_(std::move(fd)), size_(size) {}
  [[nodiscard]] Result<void> rotate();

  std::string path_;
  int64_t max_size_ = -1;
  sys::UniqueFd fd_;
  int64_t size_ = 0;
};

struct LogReadOptions {
  std::optional<int64_t> since_ns;  // only lines at or after this time (ns since the epoch)
  std::optional<int64_t> until_ns;  // only lines at or before this time
  int64_t tail = -1;                // >= 0: start with the last `tail` whole lines of the file
};

// Reads a k8s-file log. Typical use:
//   auto reader = NOOK_TRY(LogReader::open(path, options));
//   NOOK_TRY_VOID(reader.read_available(print));                 // `nook logs`
//   while (following) { wait (poll/inotify); NOOK_TRY_VOID(reader.read_available(print)); }
//   reader.flush_partial(print);   // once the container has stopped: its unterminated line
// The reader holds the file open and remembers its offset and each stream's unfinished line, so
// nothing is printed twice. Time filters apply to whole lines (the time of their last record).
class LogReader {
 public:
  using Emit = std::function<void(const LogEntry& entry)>;

  // NotFound when `path` does not exist. With options.tail >= 0 the reader starts at the first
  // record of the last `tail` whole lines, found by reading the file backwards in blocks.
  [[nodiscard]] static Result<LogReader> open(std::string path, const LogReadOptions& options = {});

  // Emits every line completed by the records from the current offset to the end of the file. A
  // record without its '\n' yet (the writer is mid-write) is left for the next call. When the path
  // now names a new file (the writer rotated), the old one is read to its end first and then the
  // new one from its start.
  [[nodiscard]] Result<void> read_available(const Emit& emit);

  // Emits each stream's pending unterminated line (partial = true) and forgets it.
  void flush_partial(const Emit& emit);

  int64_t offset() const { return offset_; }  // bytes of the current file consumed

 private:
  LogReader(std::string path, LogReadOptions options, sys::UniqueFd fd, int64_t offset)
      : path_(std::move(path)), options_(options), fd_(std::move(fd)), offset_(offset) {}
  [[nodiscard]] Result<void> read_to_end(const Emit& emit);
  [[nodiscard]] Result<void> consume(std::string_view record, const Emit& emit);
  void emit_filtered(const LogEntry& entry, const Emit& emit) const;

  std::string path_;
  LogReadOptions options_;
  sys::UniqueFd fd_;
  int64_t offset_ = 0;
  std::string carry_;  // bytes after the last '\n' read so far
  std::optional<LogEntry> pending_[2];  // unfinished line per stream (P records so far)
};

// Byte offset in the file open as `fd` where its last `tail` whole lines (F records) begin,
// including the P records that start the first of them; 0 when the file has no more than
// `tail` lines. Reads backwards in 64 KiB blocks, so the cost follows `tail`, not the file size.
[[nodiscard]] Result<int64_t> find_tail_offset(int fd, int64_t tail);

}  // namespace nook::monitor
