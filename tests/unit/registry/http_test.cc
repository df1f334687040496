#include "lib/registry/http.h"

#include <gtest/gtest.h>

namespace nook::registry {
namespace {

TEST(HttpTest, MediaType) {
  EXPECT_EQ(media_type_without_params("application/json; charset=utf-8"), "application/json");
  EXPECT_EQ(media_type_without_params(" Application/VND.OCI.image.manifest.v1+json "),
            "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(media_type_without_params(""), "");
}

TEST(HttpTest, RegistryErrors) {
  std::string body =
      R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]})";
  EXPECT_EQ(registry_error_message(body), "manifest unknown");
  EXPECT_EQ(registry_error_code(body), "MANIFEST_UNKNOWN");
  EXPECT_EQ(registry_error_message(R"({"errors":[{"code":"NAME_UNKNOWN"}]})"), "name unknown");
  EXPECT_EQ(registry_error_message("<html>oops</html>"), std::nullopt);
  EXPECT_EQ(registry_error_message("{\"errors\":[]}"), std::nullopt);
  EXPECT_EQ(registry_error_message("{broken"), std::nullopt);
  EXPECT_EQ(registry_error_message(""), std::nullopt);
  EXPECT_EQ(registry_error_code("nope"), "");
}

TEST(HttpTest, LinkNext) {
  EXPECT_EQ(link_next(R"(</v2/busybox/tags/list?last=b&n=2>; rel="next")"), "/v2/busybox/tags/list?last=b&n=2");
  EXPECT_EQ(link_next(R"(<https://a/prev>; rel="prev", <https://a/next>; rel="next")"), "https://a/next");
  EXPECT_EQ(link_next(R"(</x>; rel="prev")"), std::nullopt);
  EXPECT_EQ(link_next(""), std::nullopt);
}

TEST(HttpTest, Urls) {
  EXPECT_EQ(resolve_url("https://h:5000", "/v2/x/blobs/uploads/uuid?_state=s"),
            "https://h:5000/v2/x/blobs/uploads/uuid?_state=s");
  EXPECT_EQ(resolve_url("https://h:5000/", "v2/"), "https://h:5000/v2/");
  EXPECT_EQ(resolve_url("https://h", "http://other/upload"), "http://other/upload");
  EXPECT_EQ(append_query("https://h/u", "digest=sha256%3Aab"), "https://h/u?digest=sha256%3Aab");
  EXPECT_EQ(append_query("https://h/u?_state=x", "digest=d"), "https://h/u?_state=x&digest=d");
}

TEST(HttpTest, HeaderValue) {
  EXPECT_EQ(header_value("Content-Type: application/json\r\n", "content-type"), "application/json");
  EXPECT_EQ(header_value("X: y", "content-type"), std::nullopt);
  EXPECT_EQ(header_value("HTTP/1.1 200 OK\r\n", "content-type"), std::nullopt);
}

}  // namespace
}  // namespace nook::registry
