#include "lib/monitor/log_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/sys/file.h"

namespace nook::monitor {
namespace {

constexpr int64_t kSec = 1'000'000'000;
// 2024-01-02T15:04:05Z
constexpr int64_t kBase = 1704207845LL * kSec;

class LogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = sys::make_temp_dir(::testing::TempDir(), "nook-log-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_ = std::move(*dir);
    path_ = dir_.path() + "/ctr.log";
  }

  std::string contents(const std::string& path) {
    auto data = sys::read_file(path);
    EXPECT_TRUE(data.has_value()) << data.error().message();
    return data ? *data : std::string();
  }

  void write_raw(const std::string& data) { ASSERT_TRUE(sys::write_file_atomic(path_, data).has_value()); }

  std::vector<LogEntry> read_all(const LogReadOptions& options = {}, bool flush = false) {
    std::vector<LogEntry> out;
    auto reader = LogReader::open(path_, options);
    EXPECT_TRUE(reader.has_value()) << reader.error().message();
    if (!reader) return out;
    auto emit = [&](const LogEntry& e) { out.push_back(e); };
    auto read = reader->read_available(emit);
    EXPECT_TRUE(read.has_value()) << read.error().message();
    if (flush) reader->flush_partial(emit);
    return out;
  }

  static std::vector<std::string> texts(const std::vector<LogEntry>& entries) {
    std::vector<std::string> out;
    for (const LogEntry& e : entries) out.push_back(e.text);
    return out;
  }

  sys::TempPath dir_;
  std::string path_;
};

TEST(LogTimeTest, FormatsAsConmonAndPodman) {
  LogTime t{kBase + 123456789, 0};
  EXPECT_EQ(format_log_timestamp(t), "2024-01-02T15:04:05.123456789+00:00");
  EXPECT_EQ(format_podman_timestamp(t), "2024-01-02T15:04:05.123456789Z");
  EXPECT_EQ(format_rfc3339_nano(t), "2024-01-02T15:04:05.123456789Z");

  LogTime local{kBase + 120000000, 3600 + 1800};  // +01:30: wall clock 16:34:05
  EXPECT_EQ(format_log_timestamp(local), "2024-01-02T16:34:05.120000000+01:30");
  EXPECT_EQ(format_podman_timestamp(local), "2024-01-02T16:34:05.120000000+01:30");
  EXPECT_EQ(format_rfc3339_nano(local), "2024-01-02T16:34:05.12+01:30");

  LogTime west{kBase, -5 * 3600};
  EXPECT_EQ(format_log_timestamp(west), "2024-01-02T10:04:05.000000000-05:00");
  EXPECT_EQ(format_rfc3339_nano(west), "2024-01-02T10:04:05-05:00");
  EXPECT_EQ(format_log_timestamp(LogTime{0, 0}), "1970-01-01T00:00:00.000000000+00:00");
  // Leap day and a date before the epoch.
  EXPECT_EQ(format_rfc3339_nano(LogTime{951782400LL * kSec, 0}), "2000-02-29T00:00:00Z");
  EXPECT_EQ(format_rfc3339_nano(LogTime{-1 * kSec + 500000000, 0}), "1969-12-31T23:59:59.5Z");
}

TEST(LogTimeTest, ParsesRfc3339RoundTrip) {
  for (LogTime t : {LogTime{kBase + 123456789, 0}, LogTime{kBase + 1, 19800}, LogTime{kBase, -28800},
                    LogTime{-1 * kSec + 7, 0}, LogTime{951782400LL * kSec + 999999999, 3600}}) {
    auto parsed = parse_rfc3339(format_log_timestamp(t));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(*parsed, t);
    auto nano = parse_rfc3339(format_rfc3339_nano(t));
    ASSERT_TRUE(nano.has_value());
    EXPECT_EQ(nano->ns, t.ns);
  }
  auto short_fraction = parse_rfc3339("2024-01-02T15:04:05.5Z");
  ASSERT_TRUE(short_fraction.has_value());
  EXPECT_EQ(short_fraction->ns, kBase + 500000000);
  auto no_fraction = parse_rfc3339("2024-01-02T16:04:05+01:00");
  ASSERT_TRUE(no_fraction.has_value());
  EXPECT_EQ(no_fraction->ns, kBase);
  EXPECT_EQ(no_fraction->utc_offset, 3600);

  for (const char* bad : {"", "2024-01-02", "2024-01-02T15:04:05", "2024-13-02T15:04:05Z", "2024-01-02T15:04:05.Z",
                          "2024-01-02T15:04:05.1234567890Z", "2024-01-02T15:04:05Zjunk", "2024-01-02 15:04:05Z",
                          "2024-01-02T15:04:05+0100"}) {
    auto result = parse_rfc3339(bad);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error().kind(), ErrorKind::InvalidArgument);
  }
}

TEST(LogLineTest, ParsesRecords) {
  auto full = parse_log_line("2024-01-02T15:04:05.000000001+00:00 stdout F hello  world ");
  ASSERT_TRUE(full.has_value()) << full.error().message();
  EXPECT_EQ(full->time.ns, kBase + 1);
  EXPECT_EQ(full->stream, LogStream::Stdout);
  EXPECT_FALSE(full->partial);
  EXPECT_EQ(full->text, "hello  world ");

  auto partial = parse_log_line("2024-01-02T15:04:05.000000001+00:00 stderr P ");
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->stream, LogStream::Stderr);
  EXPECT_TRUE(partial->partial);
  EXPECT_EQ(partial->text, "");
  auto empty_line = parse_log_line("2024-01-02T15:04:05.000000001+00:00 stdout F");
  ASSERT_TRUE(empty_line.has_value());
  EXPECT_EQ(empty_line->text, "");

  for (const char* bad : {"garbage", "2024-01-02T15:04:05Z stdin F x", "2024-01-02T15:04:05Z stdout X x",
                          "nottime stdout F x", "2024-01-02T15:04:05Z stdout"}) {
    auto result = parse_log_line(bad);
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error().kind(), ErrorKind::Corrupt);
  }
}

TEST(LogLineTest, FormatsEntriesAsPodmanLogs) {
  LogEntry entry{LogTime{kBase + 10, 0}, LogStream::Stdout, false, "hi"};
  EXPECT_EQ(format_log_entry(entry, false), "hi\n");
  EXPECT_EQ(format_log_entry(entry, true), "2024-01-02T15:04:05.000000010Z hi\n");
  entry.partial = true;
  EXPECT_EQ(format_log_entry(entry, false), "hi");
}

TEST_F(LogFileTest, WriterWritesOneRecordPerLineAndPartials) {
  auto writer = LogWriter::open(path_);
  ASSERT_TRUE(writer.has_value()) << writer.error().message();
  LogTime t{kBase, 0};
  ASSERT_TRUE(writer->write(LogStream::Stdout, "one\ntwo\nthr", t).has_value());
  ASSERT_TRUE(writer->write(LogStream::Stderr, "err\n", LogTime{kBase + 1, 0}).has_value());
  ASSERT_TRUE(writer->write(LogStream::Stdout, "ee\n\n", LogTime{kBase + 2, 0}).has_value());
  ASSERT_TRUE(writer->write(LogStream::Stdout, "", t).has_value());
  EXPECT_EQ(contents(path_),
            "2024-01-02T15:04:05.000000000+00:00 stdout F one\n"
            "2024-01-02T15:04:05.000000000+00:00 stdout F two\n"
            "2024-01-02T15:04:05.000000000+00:00 stdout P thr\n"
            "2024-01-02T15:04:05.000000001+00:00 stderr F err\n"
            "2024-01-02T15:04:05.000000002+00:00 stdout F ee\n"
            "2024-01-02T15:04:05.000000002+00:00 stdout F \n");
  EXPECT_EQ(writer->size(), static_cast<int64_t>(contents(path_).size()));

  // Reopening appends, and the mode is 0600.
  auto again = LogWriter::open(path_);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->size(), writer->size());
  auto st = sys::stat_path(path_);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->st_mode & 0777, 0600u);
}

TEST_F(LogFileTest, WriterHandlesManyLinesInOneChunk) {
  auto writer = LogWriter::open(path_);
  ASSERT_TRUE(writer.has_value());
  std::string chunk;
  for (int i = 0; i < 1000; ++i) chunk += std::to_string(i) + "\n";
  ASSERT_TRUE(writer->write(LogStream::Stdout, chunk, LogTime{kBase, 0}).has_value());
  auto entries = read_all();
  ASSERT_EQ(entries.size(), 1000u);
  EXPECT_EQ(entries[0].text, "0");
  EXPECT_EQ(entries[999].text, "999");
}

TEST_F(LogFileTest, WriterRotatesByRenameAtMaxSize) {
  // Each record "2024-01-02T15:04:05.000000000+00:00 stdout F x\n" is 46 + len(text) bytes.
  const int64_t record = 47;
  auto writer = LogWriter::open(path_, 3 * record);
  ASSERT_TRUE(writer.has_value());
  LogTime t{kBase, 0};
  ASSERT_TRUE(writer->write(LogStream::Stdout, "a\nb\nc\n", t).has_value());
  EXPECT_FALSE(*sys::path_exists(path_ + ".1"));
  ASSERT_TRUE(writer->write(LogStream::Stdout, "d\n", t).has_value());
  ASSERT_TRUE(*sys::path_exists(path_ + ".1"));
  EXPECT_EQ(contents(path_ + ".1").size(), static_cast<size_t>(3 * record));
  EXPECT_EQ(contents(path_), "2024-01-02T15:04:05.000000000+00:00 stdout F d\n");
  // A second rotation replaces the old .1; a record bigger than the limit goes whole into a new file.
  ASSERT_TRUE(writer->write(LogStream::Stdout, std::string(500, 'x') + "\ne\n", t).has_value());
  EXPECT_EQ(texts(read_all()), std::vector<std::string>{"e"});
  auto previous = parse_log_line(contents(path_ + ".1").substr(0, contents(path_ + ".1").size() - 1));
  ASSERT_TRUE(previous.has_value());
  EXPECT_EQ(previous->text, std::string(500, 'x'));
}

TEST_F(LogFileTest, ReaderReassemblesPartialLinesPerStream) {
  write_raw(
      "2024-01-02T15:04:05.000000000+00:00 stdout P hel\n"
      "2024-01-02T15:04:05.000000001+00:00 stderr P oo\n"
      "2024-01-02T15:04:05.000000002+00:00 stdout P lo \n"
      "2024-01-02T15:04:05.000000003+00:00 stderr F ps\n"
      "2024-01-02T15:04:05.000000004+00:00 stdout F world\n"
      "2024-01-02T15:04:05.000000005+00:00 stdout P unfinished\n");
  auto entries = read_all();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].text, "oops");
  EXPECT_EQ(entries[0].stream, LogStream::Stderr);
  EXPECT_EQ(entries[0].time.ns, kBase + 3);
  EXPECT_EQ(entries[1].text, "hello world");
  EXPECT_EQ(entries[1].time.ns, kBase + 4);
  EXPECT_FALSE(entries[1].partial);

  auto flushed = read_all({}, true);
  ASSERT_EQ(flushed.size(), 3u);
  EXPECT_EQ(flushed[2].text, "unfinished");
  EXPECT_TRUE(flushed[2].partial);
}

TEST_F(LogFileTest, ReaderFiltersSinceAndUntilInclusive) {
  std::string data;
  for (int i = 0; i < 5; ++i) {
    data += format_log_timestamp(LogTime{kBase + i * kSec, 0}) + " stdout F line" + std::to_string(i) + "\n";
  }
  write_raw(data);
  EXPECT_EQ(texts(read_all({.since_ns = kBase + 2 * kSec})),
            (std::vector<std::string>{"line2", "line3", "line4"}));
  EXPECT_EQ(texts(read_all({.until_ns = kBase + 1 * kSec})), (std::vector<std::string>{"line0", "line1"}));
  EXPECT_EQ(texts(read_all({.since_ns = kBase + 1 * kSec, .until_ns = kBase + 3 * kSec - 1})),
            (std::vector<std::string>{"line1", "line2"}));
}

TEST_F(LogFileTest, TailCountsWholeLinesFromTheEnd) {
  write_raw(
      "2024-01-02T15:04:05.000000000+00:00 stdout F first\n"
      "2024-01-02T15:04:05.000000000+00:00 stdout P sec\n"
      "2024-01-02T15:04:05.000000000+00:00 stdout F ond\n"
      "2024-01-02T15:04:05.000000000+00:00 stderr F third\n"
      "2024-01-02T15:04:05.000000000+00:00 stdout P fourth-unfinished\n"
      "2024-01-02T15:04:05.000000000+00:00 stdout F fifth-without-newl");  // mid-write
  EXPECT_EQ(texts(read_all({.tail = 0})), std::vector<std::string>{});
  EXPECT_EQ(texts(read_all({.tail = 1})), std::vector<std::string>{"third"});
  EXPECT_EQ(texts(read_all({.tail = 2})), (std::vector<std::string>{"second", "third"}));
  EXPECT_EQ(texts(read_all({.tail = 3})), (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(texts(read_all({.tail = 100})), (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(texts(read_all({.tail = -1})), (std::vector<std::string>{"first", "second", "third"}));
}

TEST_F(LogFileTest, TailOfABigFileReadsFromTheEnd) {
  auto writer = LogWriter::open(path_);
  ASSERT_TRUE(writer.has_value());
  std::string chunk;
  for (int i = 0; i < 20000; ++i) chunk += "line " + std::to_string(i) + " " + std::string(40, 'z') + "\n";
  ASSERT_TRUE(writer->write(LogStream::Stdout, chunk, LogTime{kBase, 0}).has_value());
  // A long line split into partial records across several 64 KiB blocks.
  ASSERT_TRUE(writer->write(LogStream::Stdout, std::string(100000, 'a'), LogTime{kBase, 0}).has_value());
  ASSERT_TRUE(writer->write(LogStream::Stdout, std::string(100000, 'b') + "\nlast\n", LogTime{kBase, 0}).has_value());

  auto fd = sys::open_file(path_, O_RDONLY);
  ASSERT_TRUE(fd.has_value());
  auto offset = find_tail_offset(fd->get(), 2);
  ASSERT_TRUE(offset.has_value());
  EXPECT_GT(*offset, 20000 * 80);  // well past the short lines

  auto entries = read_all({.tail = 3});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].text, "line 19999 " + std::string(40, 'z'));
  EXPECT_EQ(entries[1].text, std::string(100000, 'a') + std::string(100000, 'b'));
  EXPECT_EQ(entries[2].text, "last");
}

TEST_F(LogFileTest, FollowReadsOnlyNewCompleteRecordsAcrossRotation) {
  auto writer = LogWriter::open(path_, 120);
  ASSERT_TRUE(writer.has_value());
  ASSERT_TRUE(writer->write(LogStream::Stdout, "one\n", LogTime{kBase, 0}).has_value());
  auto reader = LogReader::open(path_);
  ASSERT_TRUE(reader.has_value());
  std::vector<std::string> seen;
  auto emit = [&](const LogEntry& e) { seen.push_back(e.text + (e.partial ? "~" : "")); };
  ASSERT_TRUE(reader->read_available(emit).has_value());
  EXPECT_EQ(seen, std::vector<std::string>{"one"});
  ASSERT_TRUE(reader->read_available(emit).has_value());
  EXPECT_EQ(seen.size(), 1u);

  // A record half written: nothing until its newline arrives.
  {
    auto fd = sys::open_file(path_, O_WRONLY | O_APPEND);
    ASSERT_TRUE(fd.has_value());
    ASSERT_TRUE(sys::write_all(fd->get(), "2024-01-02T15:04:05.000000000+00:00 stdout F tw").has_value());
    ASSERT_TRUE(reader->read_available(emit).has_value());
    EXPECT_EQ(seen.size(), 1u);
    ASSERT_TRUE(sys::write_all(fd->get(), "o\n").has_value());
    ASSERT_TRUE(reader->read_available(emit).has_value());
    EXPECT_EQ(seen, (std::vector<std::string>{"one", "two"}));
  }
  // Past 120 bytes the writer rotates; the reader finishes the old file and moves on.
  ASSERT_TRUE(writer->write(LogStream::Stdout, "three\nfour\nfive", LogTime{kBase, 0}).has_value());
  ASSERT_TRUE(*sys::path_exists(path_ + ".1"));
  ASSERT_TRUE(reader->read_available(emit).has_value());
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two", "three", "four"}));
  reader->flush_partial(emit);
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two", "three", "four", "five~"}));
}

TEST_F(LogFileTest, ReaderErrors) {
  auto missing = LogReader::open(path_ + ".nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);

  write_raw("this is not a log\n");
  auto reader = LogReader::open(path_);
  ASSERT_TRUE(reader.has_value());
  auto read = reader->read_available([](const LogEntry&) {});
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(read.error().message().find(path_), std::string::npos);
}

}  // namespace
}  // namespace nook::monitor
