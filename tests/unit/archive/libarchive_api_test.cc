#include "lib/archive/libarchive_api.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace nook::archive {
namespace {

TEST(LibarchiveApiTest, ResolvesEveryFunction) {
  auto api = libarchive_api();
  ASSERT_TRUE(api) << api.error().message();
#define NOOK_EXPECT_RESOLVED(name) EXPECT_NE((*api)->name, nullptr) << "archive_" #name;
  NOOK_LIBARCHIVE_FUNCTIONS(NOOK_EXPECT_RESOLVED)
#undef NOOK_EXPECT_RESOLVED
}

la_ssize_t append(struct archive*, void* out, const void* buf, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), size);
  return static_cast<la_ssize_t>(size);
}

// The table writes a tar and reads it back: the pointers are libarchive's own.
TEST(LibarchiveApiTest, WritesAndReadsATar) {
  const LibarchiveApi& ar = **libarchive_api();
  std::string tar;
  struct archive* w = ar.write_new();
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(ar.write_set_format_pax_restricted(w), ARCHIVE_OK);
  ASSERT_EQ(ar.write_set_bytes_per_block(w, 10240), ARCHIVE_OK);
  ASSERT_EQ(ar.write_open(w, &tar, nullptr, &append, nullptr), ARCHIVE_OK) << ar.error_string(w);
  struct archive_entry* e = ar.entry_new();
  ar.entry_set_pathname(e, "dir/hello.txt");
  ar.entry_set_filetype(e, AE_IFREG);
  ar.entry_set_perm(e, 0640);
  ar.entry_set_size(e, 5);
  ar.entry_set_mtime(e, 1700000000, 0);
  ASSERT_EQ(ar.write_header(w, e), ARCHIVE_OK) << ar.error_string(w);
  EXPECT_EQ(ar.write_data(w, "hello", 5), 5);
  EXPECT_EQ(ar.write_finish_entry(w), ARCHIVE_OK);
  ar.entry_free(e);
  ASSERT_EQ(ar.write_close(w), ARCHIVE_OK);
  ar.write_free(w);
  EXPECT_EQ(tar.size() % 10240, 0u);

  struct archive* r = ar.read_new();
  ASSERT_NE(r, nullptr);
  ASSERT_GE(ar.read_support_filter_all(r), ARCHIVE_WARN);
  ASSERT_EQ(ar.read_support_format_tar(r), ARCHIVE_OK);
  ASSERT_EQ(ar.read_support_format_empty(r), ARCHIVE_OK);
  ASSERT_EQ(ar.read_open_memory(r, tar.data(), tar.size()), ARCHIVE_OK) << ar.error_string(r);
  struct archive_entry* got = nullptr;
  ASSERT_EQ(ar.read_next_header(r, &got), ARCHIVE_OK) << ar.error_string(r);
  EXPECT_STREQ(ar.entry_pathname(got), "dir/hello.txt");
  EXPECT_STREQ(ar.entry_pathname_utf8(got), "dir/hello.txt");
  EXPECT_EQ(ar.entry_filetype(got), static_cast<mode_t>(AE_IFREG));
  EXPECT_EQ(ar.entry_perm(got), 0640u);
  EXPECT_EQ(ar.entry_mtime(got), 1700000000);
  EXPECT_EQ(ar.entry_hardlink(got), nullptr);
  const void* buf = nullptr;
  size_t size = 0;
  la_int64_t offset = -1;
  ASSERT_EQ(ar.read_data_block(r, &buf, &size, &offset), ARCHIVE_OK);
  EXPECT_EQ(std::string(static_cast<const char*>(buf), size), "hello");
  EXPECT_EQ(offset, 0);
  EXPECT_EQ(ar.read_data_block(r, &buf, &size, &offset), ARCHIVE_EOF);
  EXPECT_EQ(ar.read_next_header(r, &got), ARCHIVE_EOF);
  ar.read_free(r);
}

TEST(LibarchiveApiTest, LoadsOnceAcrossThreads) {
  std::vector<const LibarchiveApi*> seen(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] {
      auto api = libarchive_api();
      seen[i] = api ? *api : nullptr;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<const LibarchiveApi*>(seen.begin(), seen.end()).size(), 1u);
  EXPECT_NE(seen[0], nullptr);
  EXPECT_EQ(libarchive_api_loads(), 1);
  auto again = libarchive_api();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, seen[0]);
  EXPECT_EQ(libarchive_api_loads(), 1);
  void* handle = ::dlopen(kLibarchiveLibrary, RTLD_NOW | RTLD_NOLOAD);
  EXPECT_NE(handle, nullptr);
  if (handle != nullptr) ::dlclose(handle);
}

TEST(LibarchiveApiTest, MissingLibraryIsUnsupported) {
  auto api = load_libarchive_api("libnook-no-such-library.so.13");
  ASSERT_FALSE(api);
  EXPECT_EQ(api.error().kind(), ErrorKind::Unsupported);
  EXPECT_TRUE(api.error().message().starts_with("loading libnook-no-such-library.so.13: "))
      << api.error().message();
}

TEST(LibarchiveApiTest, LibraryWithoutLibarchiveIsUnsupported) {
  auto api = load_libarchive_api("libz.so.1");
  ASSERT_FALSE(api);
  EXPECT_EQ(api.error().kind(), ErrorKind::Unsupported);
  EXPECT_NE(api.error().message().find("undefined symbol: archive_error_string"), std::string::npos)
      << api.error().message();
}

}  // namespace
}  // namespace nook::archive
