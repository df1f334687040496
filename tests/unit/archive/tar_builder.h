// A tar stream built in memory with libarchive's write API, for the archive unit tests.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <clocale>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nook::archive::test_support {

// Builds a tar stream in memory with libarchive's write API.
class TarBuilder {
 public:
  // Written in a UTF-8 locale (PAX names are UTF-8); extraction then runs in the "C" locale as
  // nook does.
  // PAX, optionally compressed, the last block not padded.
  explicit TarBuilder(int filter = ARCHIVE_FILTER_NONE) : a_(archive_write_new()) {
    ::setlocale(LC_ALL, "C.UTF-8");
    archive_write_set_format_pax(a_);
    if (filter == ARCHIVE_FILTER_GZIP) archive_write_add_filter_gzip(a_);
    if (filter == ARCHIVE_FILTER_ZSTD) archive_write_add_filter_zstd(a_);
    archive_write_set_bytes_in_last_block(a_, 1);
    archive_write_open(a_, this, nullptr, &TarBuilder::write_cb, nullptr);
  }
  // One of libarchive's tar dialects (ARCHIVE_FORMAT_TAR_*), uncompressed, in full 10240-byte
  // blocks as tar writes them.
  static TarBuilder dialect(int format) { return TarBuilder(format, 10240); }
  ~TarBuilder() { archive_write_free(a_); }

  TarBuilder& file(const std::string& path, const std::string& content, mode_t mode = 0644,
                   int64_t uid = 0, int64_t gid = 0,
                   std::vector<std::pair<std::string, std::string>> xattrs = {}) {
    archive_entry* e = entry(path, AE_IFREG, mode);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    archive_entry_set_uid(e, uid);
    archive_entry_set_gid(e, gid);
    for (const auto& [k, v] : xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    archive_write_header(a_, e);
    archive_write_data(a_, content.data(), content.size());
    archive_entry_free(e);
    return *this;
  }
  TarBuilder& dir(const std::string& path, mode_t mode = 0755) { return simple(entry(path, AE_IFDIR, mode)); }
  TarBuilder& symlink(const std::string& path, const std::string& target) {
    archive_entry* e = entry(path, AE_IFLNK, 0777);
    archive_entry_set_symlink_utf8(e, target.c_str());
    return simple(e);
  }
  TarBuilder& hardlink(const std::string& path, const std::string& target) {
    archive_entry* e = entry(path, AE_IFREG, 0644);
    archive_entry_set_hardlink_utf8(e, target.c_str());
    archive_entry_set_size(e, 0);
    return simple(e);
  }
  TarBuilder& device(const std::string& path, mode_t type, unsigned major, unsigned minor) {
    archive_entry* e = entry(path, type, 0600);
    archive_entry_set_rdev(e, makedev(major, minor));
    return simple(e);
  }
  std::string finish() {
    archive_write_close(a_);
    ::setlocale(LC_ALL, "C");
    return out_;
  }

 private:
  TarBuilder(int format, int bytes_per_block) : a_(archive_write_new()) {
    ::setlocale(LC_ALL, "C.UTF-8");
    archive_write_set_format(a_, format);
    archive_write_set_bytes_per_block(a_, bytes_per_block);
    archive_write_open(a_, this, nullptr, &TarBuilder::write_cb, nullptr);
  }
  static la_ssize_t write_cb(struct archive*, void* self, const void* buf, size_t size) {
    static_cast<TarBuilder*>(self)->out_.append(static_cast<const char*>(buf), size);
    return static_cast<la_ssize_t>(size);
  }
  archive_entry* entry(const std::string& path, mode_t type, mode_t mode) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname_utf8(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode);
    archive_entry_set_mtime(e, 1000000000, 0);
    return e;
  }
  TarBuilder& simple(archive_entry* e) {
    archive_write_header(a_, e);
    archive_entry_free(e);
    return *this;
  }

  struct archive* a_;
  std::string out_;
};

}  // namespace nook::archive::test_support
