#include "lib/archive/tar_split.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <clocale>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "lib/archive/extract.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"
#include "tests/unit/archive/tar_builder.h"

namespace nook::archive {
namespace {

using test_support::TarBuilder;


std::string pseudo_random(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed | 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

class TarSplitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = sys::make_temp_dir("/tmp", "tar-split-test-");
    ASSERT_TRUE(tmp) << tmp.error().message();
    tmp_ = std::move(*tmp);
    root_ = tmp_.path();
    layer_ = root_ + "/layer";
    record_ = root_ + "/layer.tar-split";
    ASSERT_TRUE(sys::make_dirs(layer_));
  }

  ExtractOptions extract_options() const {
    ExtractOptions o;
    o.rootless = ::geteuid() != 0;
    o.keep_ownership = ::geteuid() == 0;
    return o;
  }

  // Feeds `tar` in `chunk`-sized pieces (0: at once).
  Result<void> write_record(const std::string& tar, size_t chunk) {
    auto writer = NOOK_TRY(TarSplitWriter::create(record_));
    if (chunk == 0) chunk = tar.size();
    for (size_t pos = 0; pos < tar.size(); pos += chunk) {
      size_t n = std::min(chunk, tar.size() - pos);
      NOOK_TRY_VOID(writer.feed(std::span<const char>(tar.data() + pos, n)));
    }
    return writer.finish();
  }

  Result<std::string> rebuild() {
    std::string out;
    NOOK_TRY_VOID(rebuild_tar(record_, layer_, [&](std::span<const char> bytes) -> Result<void> {
      out.append(bytes.data(), bytes.size());
      return {};
    }));
    return out;
  }

  // The whole round trip for every chunk size.
  void round_trip(const std::string& tar) {
    auto extracted = extract_layer_memory(tar, layer_, extract_options());
    ASSERT_TRUE(extracted) << extracted.error().message();
    for (size_t chunk : {size_t{1}, size_t{511}, size_t{4096}, size_t{0}}) {
      SCOPED_TRACE(fmt::format("chunk size {}", chunk));
      auto written = write_record(tar, chunk);
      ASSERT_TRUE(written) << written.error().message();
      auto rebuilt = rebuild();
      ASSERT_TRUE(rebuilt) << rebuilt.error().message();
      ASSERT_EQ(rebuilt->size(), tar.size());
      EXPECT_TRUE(*rebuilt == tar) << "rebuilt stream differs";
    }
  }

  // Runs GNU tar over `src` with extra arguments; the archive's bytes.
  std::string gnu_tar(const std::string& src, std::vector<std::string> args) {
    std::string out = root_ + "/out.tar";
    std::vector<std::string> argv = {"tar", "-C", src, "-cf", out, "--numeric-owner", "--sort=name",
                                     "--mtime=@1000000000"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(".");
    auto r = sys::run_capture(argv, std::chrono::seconds(30));
    EXPECT_TRUE(r) << (r ? "" : r.error().message());
    if (!r) return {};
    EXPECT_EQ(r->status.code, 0) << r->stderr_data;
    auto data = sys::read_file(out);
    EXPECT_TRUE(data);
    return data ? *data : std::string();
  }

  void write(const std::string& path, const std::string& content) {
    ASSERT_TRUE(sys::write_file_atomic(path, content, 0644));
  }

  sys::TempPath tmp_;
  std::string root_, layer_, record_;
};

TEST_F(TarSplitTest, PaxFromLibarchive) {
  std::string long_dir(120, 'd');
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED)
                        .dir("etc/")
                        .file("etc/hostname", "box\n")
                        .file("empty", "")
                        .file("big", pseudo_random(3 * 1024 * 1024 + 17, 7))
                        .dir(long_dir + "/")
                        .file(long_dir + "/" + std::string(150, 'f'), "long name\n")
                        .symlink("link", "/etc/hostname")
                        .hardlink("etc/hard", "etc/hostname")
                        .file("attrs", "x", 0644, 0, 0, {{"user.comment", "hello"}})
                        .file(".wh.gone", "")
                        .dir("opq/")
                        .file("opq/.wh..wh..opq", "")
                        .file("./dot/../dotted", "dotted\n")
                        .finish();
  round_trip(tar);
}

TEST_F(TarSplitTest, GnuFromLibarchive) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_GNUTAR)
                        .file("a", "alpha")
                        .file(std::string(200, 'n'), "gnu long name")
                        .symlink(std::string(130, 's'), std::string(140, 't'))
                        .hardlink("b", "a")
                        .finish();
  round_trip(tar);
}

TEST_F(TarSplitTest, UstarPrefixField) {
  std::string path = std::string(90, 'p') + "/" + std::string(40, 'q') + "/file";
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_USTAR).file(path, "prefixed").finish();
  ASSERT_NE(tar[345], '\0') << "expected the name to be split over the prefix field";
  round_trip(tar);
}

TEST_F(TarSplitTest, GnuTarFormats) {
  std::string src = root_ + "/src";
  ASSERT_TRUE(sys::make_dirs(src + "/dir/sub"));
  write(src + "/dir/file", "content\n");
  write(src + "/dir/sub/empty", "");
  write(src + "/big", pseudo_random(1024 * 1024 + 3, 11));
  std::string long_name = src + "/dir/" + std::string(180, 'x');
  write(long_name, "long\n");
  ASSERT_EQ(::symlink("dir/file", (src + "/sym").c_str()), 0);
  ASSERT_EQ(::link((src + "/dir/file").c_str(), (src + "/hard").c_str()), 0);
  bool have_xattr = ::setxattr((src + "/big").c_str(), "user.test", "v", 1, 0) == 0;
  for (std::string format : {"gnu", "posix", "ustar", "oldgnu"}) {
    SCOPED_TRACE(format);
    std::vector<std::string> args = {"--format=" + format};
    if (format == "posix" && have_xattr) args.push_back("--xattrs");
    if (format == "ustar") {
      ASSERT_TRUE(sys::remove_all(long_name));
    }
    std::string tar = gnu_tar(src, args);
    ASSERT_FALSE(tar.empty());
    ASSERT_TRUE(sys::remove_all(layer_));
    ASSERT_TRUE(sys::make_dirs(layer_));
    round_trip(tar);
  }
}

TEST_F(TarSplitTest, SparseFilesKeptRaw) {
  std::string src = root_ + "/src";
  ASSERT_TRUE(sys::make_dirs(src));
  {
    auto fd = sys::open_file(src + "/sparse", O_WRONLY | O_CREAT, 0644);
    ASSERT_TRUE(fd);
    ASSERT_EQ(::pwrite(fd->get(), "head", 4, 0), 4);
    ASSERT_EQ(::pwrite(fd->get(), "tail", 4, 8 * 1024 * 1024), 4);
  }
  for (std::string format : {"gnu", "posix"}) {
    SCOPED_TRACE(format);
    std::string tar = gnu_tar(src, {"--format=" + format, "--sparse"});
    ASSERT_FALSE(tar.empty());
    ASSERT_TRUE(sys::remove_all(layer_));
    ASSERT_TRUE(sys::make_dirs(layer_));
    round_trip(tar);
  }
}

TEST_F(TarSplitTest, ExtraZeroBlocksAndGarbageAfterTheEnd) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED).file("f", "data").finish();
  tar += std::string(512 * 7, '\0');
  tar += "some garbage after the end of the archive";
  round_trip(tar);
}

TEST_F(TarSplitTest, RecordIsSmallAndSkipsContent) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED)
                        .file("a", pseudo_random(2 * 1024 * 1024, 3))
                        .file("b", pseudo_random(1024 * 1024, 5))
                        .finish();
  ASSERT_TRUE(write_record(tar, 0));
  auto st = sys::stat_path(record_);
  ASSERT_TRUE(st);
  EXPECT_LT(st->st_size, 4096);
  EXPECT_EQ(st->st_mode & 07777, 0600u);
}

TEST_F(TarSplitTest, MissingFileIsNotFound) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED)
                        .dir("d/")
                        .file("d/file", "content")
                        .finish();
  ASSERT_TRUE(extract_layer_memory(tar, layer_, extract_options()));
  ASSERT_TRUE(write_record(tar, 0));
  ASSERT_EQ(::unlink((layer_ + "/d/file").c_str()), 0);
  auto r = rebuild();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::NotFound);
  EXPECT_NE(r.error().message().find("\"d/file\""), std::string::npos) << r.error().message();
}

TEST_F(TarSplitTest, SizeChangedIsCorrupt) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED).file("file", "content").finish();
  ASSERT_TRUE(extract_layer_memory(tar, layer_, extract_options()));
  ASSERT_TRUE(write_record(tar, 0));
  write(layer_ + "/file", "content, longer now");
  auto r = rebuild();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(r.error().message().find("\"file\""), std::string::npos) << r.error().message();
}

TEST_F(TarSplitTest, SymlinkInPlaceOfFileIsRefused) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED)
                        .dir("d/")
                        .file("d/file", "content")
                        .finish();
  ASSERT_TRUE(extract_layer_memory(tar, layer_, extract_options()));
  ASSERT_TRUE(write_record(tar, 0));
  ASSERT_TRUE(sys::remove_all(layer_ + "/d"));
  ASSERT_EQ(::symlink("/etc", (layer_ + "/d").c_str()), 0);
  auto r = rebuild();
  ASSERT_FALSE(r);
}

TEST_F(TarSplitTest, CorruptHeaderIsRejected) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED).file("file", "content").finish();
  tar[10] ^= 0x20;  // inside the name of the first header: the checksum no longer matches
  auto writer = TarSplitWriter::create(record_);
  ASSERT_TRUE(writer);
  auto r = writer->feed(std::span<const char>(tar.data(), tar.size()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(r.error().message().find("checksum"), std::string::npos) << r.error().message();
}

TEST_F(TarSplitTest, BadSizeFieldIsRejected) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_USTAR).file("file", "content").finish();
  // Put a non-octal digit into the size field and fix the checksum.
  tar[124 + 5] = '9';
  std::memset(tar.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) sum += static_cast<unsigned char>(tar[i]);
  std::string chk = fmt::format("{:06o}", sum);
  std::memcpy(tar.data() + 148, chk.data(), 6);
  tar[154] = '\0';
  auto writer = TarSplitWriter::create(record_);
  ASSERT_TRUE(writer);
  auto r = writer->feed(std::span<const char>(tar.data(), tar.size()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("size"), std::string::npos) << r.error().message();
}

TEST_F(TarSplitTest, TruncatedStreamFailsAtFinish) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED).file("file", std::string(2000, 'a')).finish();
  auto writer = TarSplitWriter::create(record_);
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->feed(std::span<const char>(tar.data(), 1024)));
  auto r = writer->finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Corrupt);
}

TEST_F(TarSplitTest, EmptyStreamFailsAtFinish) {
  auto writer = TarSplitWriter::create(record_);
  ASSERT_TRUE(writer);
  EXPECT_FALSE(writer->finish());
}

TEST_F(TarSplitTest, TruncatedRecordIsCorrupt) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED)
                        .file("a", pseudo_random(100000, 9))
                        .file("b", "b")
                        .finish();
  ASSERT_TRUE(extract_layer_memory(tar, layer_, extract_options()));
  ASSERT_TRUE(write_record(tar, 0));
  auto data = sys::read_file(record_);
  ASSERT_TRUE(data);
  ASSERT_TRUE(sys::write_file_atomic(record_, data->substr(0, data->size() - 8), 0600));
  auto r = rebuild();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Corrupt);
}

TEST_F(TarSplitTest, NotARecord) {
  ASSERT_TRUE(sys::write_file_atomic(record_, "not zstd at all", 0600));
  auto r = rebuild();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Corrupt);
}

TEST_F(TarSplitTest, SinkErrorStopsTheRebuild) {
  std::string tar = TarBuilder::dialect(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED).file("file", "content").finish();
  ASSERT_TRUE(extract_layer_memory(tar, layer_, extract_options()));
  ASSERT_TRUE(write_record(tar, 0));
  int calls = 0;
  auto r = rebuild_tar(record_, layer_, [&](std::span<const char>) -> Result<void> {
    ++calls;
    return fail(ErrorKind::Network, "sink broke");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "sink broke");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace nook::archive
