#include "lib/registry/curl_api.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace nook::registry {
namespace {

TEST(CurlApiTest, ResolvesEveryFunction) {
  auto api = curl_api();
  ASSERT_TRUE(api) << api.error().message();
#define NOOK_EXPECT_RESOLVED(name) EXPECT_NE((*api)->name, nullptr) << "curl_" #name;
  NOOK_CURL_FUNCTIONS(NOOK_EXPECT_RESOLVED)
#undef NOOK_EXPECT_RESOLVED
  // The pointers are the library's: libcurl answers through them.
  const curl_version_info_data* info = (*api)->version_info(CURLVERSION_NOW);
  ASSERT_NE(info, nullptr);
  EXPECT_GE(info->version_num, 0x075500u);  // 7.85: CURLOPT_PROTOCOLS_STR
  EXPECT_EQ((*api)->getdate("Sun, 06 Nov 1994 08:49:37 GMT", nullptr), 784111777);
  EXPECT_STREQ((*api)->easy_strerror(CURLE_OK), "No error");
}

TEST(CurlApiTest, VariadicCallsPassTheirArguments) {
  const CurlApi& curl = **curl_api();
  CURL* easy = curl.easy_init();
  ASSERT_NE(easy, nullptr);
  EXPECT_EQ(curl.easy_setopt(easy, CURLOPT_URL, "http://127.0.0.1:1/v2/"), CURLE_OK);
  // The arguments arrive: curl rejects these values, so it read them.
  EXPECT_EQ(curl.easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "no-such-protocol"), CURLE_UNSUPPORTED_PROTOCOL);
  EXPECT_EQ(curl.easy_setopt(easy, CURLOPT_MAXREDIRS, -2L), CURLE_BAD_FUNCTION_ARGUMENT);
  EXPECT_EQ(curl.easy_setopt(easy, CURLOPT_MAXREDIRS, 10L), CURLE_OK);
  long status = -1;
  EXPECT_EQ(curl.easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status), CURLE_OK);
  EXPECT_EQ(status, 0);
  curl.easy_cleanup(easy);

  CURLSH* share = curl.share_init();
  ASSERT_NE(share, nullptr);
  EXPECT_EQ(curl.share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS), CURLSHE_OK);
  curl.share_cleanup(share);

  curl_slist* list = curl.slist_append(nullptr, "Accept: */*");
  ASSERT_NE(list, nullptr);
  EXPECT_STREQ(list->data, "Accept: */*");
  curl.slist_free_all(list);
}

TEST(CurlApiTest, LoadsOnceAcrossThreads) {
  std::vector<const CurlApi*> seen(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] {
      auto api = curl_api();
      seen[i] = api ? *api : nullptr;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<const CurlApi*>(seen.begin(), seen.end()).size(), 1u);
  EXPECT_NE(seen[0], nullptr);
  EXPECT_EQ(curl_api_loads(), 1);
  auto again = curl_api();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, seen[0]);
  EXPECT_EQ(curl_api_loads(), 1);
  // And it is mapped now (RTLD_NOLOAD only finds a library already loaded).
  void* handle = ::dlopen(kCurlLibrary, RTLD_NOW | RTLD_NOLOAD);
  EXPECT_NE(handle, nullptr);
  if (handle != nullptr) ::dlclose(handle);
}

TEST(CurlApiTest, MissingLibraryIsUnsupported) {
  auto api = load_curl_api("libnook-no-such-library.so.4");
  ASSERT_FALSE(api);
  EXPECT_EQ(api.error().kind(), ErrorKind::Unsupported);
  EXPECT_TRUE(api.error().message().starts_with("loading libnook-no-such-library.so.4: "))
      << api.error().message();
  EXPECT_NE(api.error().message().find("No such file"), std::string::npos) << api.error().message();
}

TEST(CurlApiTest, LibraryWithoutCurlIsUnsupported) {
  // zlib loads but has none of curl's functions: the first missing one is named.
  auto api = load_curl_api("libz.so.1");
  ASSERT_FALSE(api);
  EXPECT_EQ(api.error().kind(), ErrorKind::Unsupported);
  EXPECT_TRUE(api.error().message().starts_with("loading libz.so.1: ")) << api.error().message();
  EXPECT_NE(api.error().message().find("undefined symbol: curl_global_init"), std::string::npos)
      << api.error().message();
}

}  // namespace
}  // namespace nook::registry
