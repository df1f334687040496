#include "lib/monitor/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "lib/sys/file.h"

namespace nook::monitor {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr size_t kTimestampMax = 48;  // "-YYYYYY-MM-DDTHH:MM:SS.123456789+hh:mm" and then some

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, day 0 = 1970-01-01).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second;
  int64_t nanos;
};

Civil civil_from(const LogTime& time) {
  int64_t ns = time.ns + static_cast<int64_t>(time.utc_offset) * kNsPerSecond;
  int64_t secs = ns / kNsPerSecond;
  int64_t nanos = ns % kNsPerSecond;
  if (nanos < 0) {
    nanos += kNsPerSecond;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  Civil c{};
  c.year = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  c.month = m;
  c.day = d;
  c.hour = static_cast<unsigned>(rem / 3600);
  c.minute = static_cast<unsigned>(rem % 3600 / 60);
  c.second = static_cast<unsigned>(rem % 60);
  c.nanos = nanos;
  return c;
}

enum class ZoneStyle { Numeric, ZuluWhenZero };
enum class FractionStyle { Fixed9, Trimmed };

// Writes the timestamp into buf (at least kTimestampMax bytes); returns its length. No allocation.
size_t format_timestamp_into(char* buf, const LogTime& time, ZoneStyle zone, FractionStyle fraction) {
  Civil c = civil_from(time);
  int n = std::snprintf(buf, kTimestampMax, "%04lld-%02u-%02uT%02u:%02u:%02u", static_cast<long long>(c.year),
                        c.month, c.day, c.hour, c.minute, c.second);
  size_t len = n > 0 ? static_cast<size_t>(n) : 0;
  char digits[10];
  std::snprintf(digits, sizeof digits, "%09lld", static_cast<long long>(c.nanos));
  size_t ndigits = 9;
  if (fraction == FractionStyle::Trimmed) {
    while (ndigits > 0 && digits[ndigits - 1] == '0') --ndigits;
  }
  if (ndigits > 0) {
    buf[len++] = '.';
    std::memcpy(buf + len, digits, ndigits);
    len += ndigits;
  }
  if (zone == ZoneStyle::ZuluWhenZero && time.utc_offset == 0) {
    buf[len++] = 'Z';
  } else {
    int off = time.utc_offset;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    n = std::snprintf(buf + len, kTimestampMax - len, "%c%02d:%02d", sign, off / 3600, off % 3600 / 60);
    if (n > 0) len += static_cast<size_t>(n);
  }
  buf[len] = '\0';
  return len;
}

std::string format_with(const LogTime& time, ZoneStyle zone, FractionStyle fraction) {
  char buf[kTimestampMax];
  size_t len = format_timestamp_into(buf, time, zone, fraction);
  return std::string(buf, len);
}

// Parses exactly `count` decimal digits at text[pos]; advances pos.
std::optional<int64_t> digits_at(std::string_view text, size_t& pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int64_t value = 0;
  for (size_t i = 0; i < count; ++i) {
    char ch = text[pos + i];
    if (ch < '0' || ch > '9') return std::nullopt;
    value = value * 10 + (ch - '0');
  }
  pos += count;
  return value;
}

bool expect_char(std::string_view text, size_t& pos, char ch) {
  if (pos >= text.size() || text[pos] != ch) return false;
  ++pos;
  return true;
}

// writev(2) all of iov[0..count), continuing after short writes and EINTR. Modifies iov.
Result<void> writev_all(int fd, struct iovec* iov, int count) {
  while (count > 0) {
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("writev", "log file"));
    }
    size_t left = static_cast<size_t>(n);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return {};
}

std::optional<LogStream> stream_from(std::string_view name) {
  if (name == "stdout") return LogStream::Stdout;
  if (name == "stderr") return LogStream::Stderr;
  return std::nullopt;
}

// The tag of a record, 'F' or 'P', from its third field; 0 if the record is malformed.
char record_tag(std::string_view record) {
  size_t first = record.find(' ');
  if (first == std::string_view::npos) return 0;
  size_t second = record.find(' ', first + 1);
  if (second == std::string_view::npos || second + 1 >= record.size()) return 0;
  return record[second + 1];
}

}  // namespace

std::string_view log_stream_name(LogStream stream) {
  return stream == LogStream::Stdout ? "stdout" : "stderr";
}

LogTime log_time_now() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm {};
  int32_t offset = 0;
  if (::localtime_r(&ts.tv_sec, &tm) != nullptr) offset = static_cast<int32_t>(tm.tm_gmtoff);
  return LogTime{static_cast<int64_t>(ts.tv_sec) * kNsPerSecond + ts.tv_nsec, offset};
}

std::string format_log_timestamp(const LogTime& time) {
  return format_with(time, ZoneStyle::Numeric, FractionStyle::Fixed9);
}

std::string format_podman_timestamp(const LogTime& time) {
  return format_with(time, ZoneStyle::ZuluWhenZero, FractionStyle::Fixed9);
}

std::string format_rfc3339_nano(const LogTime& time) {
  return format_with(time, ZoneStyle::ZuluWhenZero, FractionStyle::Trimmed);
}

Result<LogTime> parse_rfc3339(std::string_view text) {
  auto bad = [&] { return fail(ErrorKind::InvalidArgument, fmt::format("invalid RFC 3339 time {:?}", text)); };
  size_t pos = 0;
  auto year = digits_at(text, pos, 4);
  if (!year || !expect_char(text, pos, '-')) return bad();
  auto month = digits_at(text, pos, 2);
  if (!month || !expect_char(text, pos, '-')) return bad();
  auto day = digits_at(text, pos, 2);
  if (!day || pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return bad();
  ++pos;
  auto hour = digits_at(text, pos, 2);
  if (!hour || !expect_char(text, pos, ':')) return bad();
  auto minute = digits_at(text, pos, 2);
  if (!minute || !expect_char(text, pos, ':')) return bad();
  auto second = digits_at(text, pos, 2);
  if (!second) return bad();
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return bad();
  }
  int64_t nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t ndigits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (ndigits < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++ndigits;
      ++pos;
    }
    if (ndigits == 0 || ndigits > 9) return bad();
    for (size_t i = ndigits; i < 9; ++i) nanos *= 10;
  }
  int32_t offset = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    auto oh = digits_at(text, pos, 2);
    if (!oh || !expect_char(text, pos, ':')) return bad();
    auto om = digits_at(text, pos, 2);
    if (!om || *oh > 23 || *om > 59) return bad();
    offset = static_cast<int32_t>(sign * (*oh * 3600 + *om * 60));
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  int64_t days = days_from_civil(*year, static_cast<unsigned>(*month), static_cast<unsigned>(*day));
  int64_t secs = days * 86400 + *hour * 3600 + *minute * 60 + *second - offset;
  return LogTime{secs * kNsPerSecond + nanos, offset};
}

Result<LogEntry> parse_log_line(std::string_view line) {
  size_t first = line.find(' ');
  if (first == std::string_view::npos) {
    return fail(ErrorKind::Corrupt, fmt::format("log line {:?} has no stream field", line));
  }
  LogEntry entry;
  auto time = parse_rfc3339(line.substr(0, first));
  if (!time) return fail(ErrorKind::Corrupt, fmt::format("log line: {}", time.error().message()));
  entry.time = *time;
  size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos) {
    return fail(ErrorKind::Corrupt, fmt::format("log line {:?} has no tag field", line));
  }
  auto stream = stream_from(line.substr(first + 1, second - first - 1));
  if (!stream) return fail(ErrorKind::Corrupt, fmt::format("log line {:?}: unknown stream", line));
  entry.stream = *stream;
  std::string_view rest = line.substr(second + 1);
  if (rest.empty() || (rest[0] != 'F' && rest[0] != 'P') || (rest.size() > 1 && rest[1] != ' ')) {
    return fail(ErrorKind::Corrupt, fmt::format("log line {:?}: tag is not F or P", line));
  }
  entry.partial = rest[0] == 'P';
  entry.text = rest.size() > 2 ? std::string(rest.substr(2)) : std::string();
  return entry;
}

std::string format_log_entry(const LogEntry& entry, bool timestamps) {
  std::string out;
  if (timestamps) {
    out = format_podman_timestamp(entry.time);
    out += ' ';
  }
  out += entry.text;
  if (!entry.partial) out += '\n';
  return out;
}

// --- LogWriter ------------------------------------------------------------------------------

Result<LogWriter> LogWriter::open(std::string path, int64_t max_size) {
  auto fd = NOOK_TRY(sys::open_file(path, O_WRONLY | O_APPEND | O_CREAT, 0600));
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return fail(Error::from_errno("fstat", path));
  return LogWriter(std::move(path), max_size, std::move(fd), static_cast<int64_t>(st.st_size));
}

Result<void> LogWriter::rotate() {
  std::string old_path = path_ + ".1";
  if (::rename(path_.c_str(), old_path.c_str()) < 0) {
    return fail(Error::from_errno("rename", path_).context("rotating the log"));
  }
  auto fd = sys::open_file(path_, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0600);
  if (!fd) return fail(fd.error().context("rotating the log"));
  fd_ = std::move(*fd);
  size_ = 0;
  return {};
}

Result<void> LogWriter::write(LogStream stream, std::string_view data, const LogTime& time) {
  if (data.empty()) return {};
  // "<timestamp> <stream> " once for the whole chunk, as conmon does.
  char header[kTimestampMax + 16];
  size_t header_len = format_timestamp_into(header, time, ZoneStyle::Numeric, FractionStyle::Fixed9);
  header[header_len++] = ' ';
  std::string_view name = log_stream_name(stream);
  std::memcpy(header + header_len, name.data(), name.size());
  header_len += name.size();
  header[header_len++] = ' ';

  static constexpr char kFull[] = "F ";
  static constexpr char kPartial[] = "P ";
  static constexpr char kNewline[] = "\n";
  constexpr int kMaxIov = 64;
  struct iovec iov[kMaxIov];
  int count = 0;
  auto flush = [&]() -> Result<void> {
    if (count == 0) return {};
    Result<void> written = writev_all(fd_.get(), iov, count);
    count = 0;
    return written;
  };
  auto add = [&](const void* base, size_t len) {
    iov[count].iov_base = const_cast<void*>(base);
    iov[count].iov_len = len;
    ++count;
  };

  while (!data.empty()) {
    size_t newline = data.find('\n');
    bool partial = newline == std::string_view::npos;
    size_t line_len = partial ? data.size() : newline + 1;  // a full line's text keeps its '\n'
    int64_t record_len = static_cast<int64_t>(header_len + 2 + line_len + (partial ? 1 : 0));
    if (max_size_ > 0 && size_ > 0 && size_ + record_len > max_size_) {
      NOOK_TRY_VOID(flush());
      NOOK_TRY_VOID(rotate());
    }
    if (count + 4 > kMaxIov) NOOK_TRY_VOID(flush());
    add(header, header_len);
    add(partial ? kPartial : kFull, 2);
    add(data.data(), line_len);
    if (partial) add(kNewline, 1);
    size_ += record_len;
    data.remove_prefix(line_len);
  }
  return flush();
}

// --- LogReader ------------------------------------------------------------------------------

Result<int64_t> find_tail_offset(int fd, int64_t tail) {
  if (tail < 0) return int64_t{0};
  struct stat st {};
  if (::fstat(fd, &st) < 0) return fail(Error::from_errno("fstat", "log file"));
  int64_t end = static_cast<int64_t>(st.st_size);
  constexpr int64_t kBlock = 64 * 1024;
  // Bytes after the last '\n' are an unfinished record: not counted, read later in order.
  // Walk backwards over whole records. `record_end` is the offset just past a record's '\n'.
  std::string block;
  std::string carry;  // the tail part of a record that started in an earlier block
  int64_t pos = end;
  int64_t full_lines = 0;
  bool seen_newline = false;
  int64_t record_end = end;  // end (exclusive, after '\n') of the record being assembled
  while (pos > 0) {
    int64_t start = std::max<int64_t>(0, pos - kBlock);
    block.resize(static_cast<size_t>(pos - start));
    size_t got = 0;
    while (got < block.size()) {
      ssize_t n = ::pread(fd, block.data() + got, block.size() - got, static_cast<off_t>(start) + static_cast<off_t>(got));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(Error::from_errno("pread", "log file"));
      }
      if (n == 0) return fail(ErrorKind::Corrupt, "log file shrank while reading it");
      got += static_cast<size_t>(n);
    }
    // Scan this block from its end for '\n's.
    size_t i = block.size();
    while (i > 0) {
      size_t nl = block.rfind('\n', i - 1);
      if (nl == std::string::npos) {
        carry.insert(0, block, 0, i);
        break;
      }
      int64_t nl_offset = start + static_cast<int64_t>(nl);
      if (!seen_newline) {
        // The last '\n' of the file: whatever follows it is unfinished.
        seen_newline = true;
        record_end = nl_offset + 1;
        carry.clear();
        i = nl;
        continue;
      }
      // A complete record lies between this '\n' and record_end.
      std::string record = block.substr(nl + 1, i - nl - 1) + carry;
      carry.clear();
      if (record_tag(record) == 'F' && ++full_lines > tail) return record_end;
      record_end = nl_offset + 1;
      i = nl;
    }
    pos = start;
  }
  // The file's first record, if it ended in a '\n'.
  if (seen_newline && record_tag(carry) == 'F' && ++full_lines > tail) return record_end;
  return int64_t{0};
}

Result<LogReader> LogReader::open(std::string path, const LogReadOptions& options) {
  auto fd = NOOK_TRY(sys::open_file(path, O_RDONLY));
  int64_t offset = 0;
  if (options.tail >= 0) {
    auto found = find_tail_offset(fd.get(), options.tail);
    if (!found) return fail(found.error().context(fmt::format("reading {:?}", path)));
    offset = *found;
  }
  return LogReader(std::move(path), options, std::move(fd), offset);
}

void LogReader::emit_filtered(const LogEntry& entry, const Emit& emit) const {
  if (options_.since_ns && entry.time.ns < *options_.since_ns) return;
  if (options_.until_ns && entry.time.ns > *options_.until_ns) return;
  emit(entry);
}

Result<void> LogReader::consume(std::string_view record, const Emit& emit) {
  if (record.empty()) return {};
  auto parsed = parse_log_line(record);
  if (!parsed) return fail(parsed.error().context(fmt::format("reading {:?}", path_)));
  LogEntry entry = std::move(*parsed);
  std::optional<LogEntry>& pending = pending_[entry.stream == LogStream::Stdout ? 0 : 1];
  if (entry.partial) {
    if (pending) {
      pending->text += entry.text;
      pending->time = entry.time;
    } else {
      pending = std::move(entry);
    }
    return {};
  }
  if (pending) {
    pending->text += entry.text;
    entry.text = std::move(pending->text);
    pending.reset();
  }
  emit_filtered(entry, emit);
  return {};
}

Result<void> LogReader::read_to_end(const Emit& emit) {
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::pread(fd_.get(), buf, sizeof buf, static_cast<off_t>(offset_) + static_cast<off_t>(carry_.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(Error::from_errno("read", path_));
    }
    if (n == 0) return {};
    std::string_view data(buf, static_cast<size_t>(n));
    while (!data.empty()) {
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        carry_.append(data);
        break;
      }
      int64_t consumed = static_cast<int64_t>(carry_.size() + nl + 1);
      if (carry_.empty()) {
        NOOK_TRY_VOID(consume(data.substr(0, nl), emit));
      } else {
        carry_.append(data.substr(0, nl));
        std::string record = std::move(carry_);
        carry_.clear();
        NOOK_TRY_VOID(consume(record, emit));
      }
      offset_ += consumed;
      data.remove_prefix(nl + 1);
    }
  }
}

Result<void> LogReader::read_available(const Emit& emit) {
  NOOK_TRY_VOID(read_to_end(emit));
  struct stat ours {};
  struct stat now {};
  if (::fstat(fd_.get(), &ours) < 0) return fail(Error::from_errno("fstat", path_));
  if (::stat(path_.c_str(), &now) < 0) {
    if (errno == ENOENT) return {};  // between the writer's rename and its new file
    return fail(Error::from_errno("stat", path_));
  }
  if (now.st_ino == ours.st_ino && now.st_dev == ours.st_dev) return {};
  // Rotated: finish the old file (records written before the rename), then start the new one.
  NOOK_TRY_VOID(read_to_end(emit));
  fd_ = NOOK_TRY(sys::open_file(path_, O_RDONLY));
  offset_ = 0;
  carry_.clear();
  return read_to_end(emit);
}

void LogReader::flush_partial(const Emit& emit) {
  for (std::optional<LogEntry>& pending : pending_) {
    if (!pending) continue;
    pending->partial = true;
    emit_filtered(*pending, emit);
    pending.reset();
  }
}

}  // namespace nook::monitor
