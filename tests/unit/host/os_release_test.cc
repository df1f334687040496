#include "lib/host/host.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace nook::host {
namespace {

TEST(OsRelease, ParsesDebian) {
  Distribution d = parse_os_release(
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
      "VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n# comment\n\n");
  EXPECT_EQ(d.distribution, "debian");
  EXPECT_EQ(d.version, "12");
  EXPECT_EQ(d.codename, "bookworm");
}

TEST(OsRelease, QuotesAndDefaults) {
  Distribution d = parse_os_release("ID='fedora'\nVERSION_ID=\"4\\\"0\"\n");
  EXPECT_EQ(d.distribution, "fedora");
  EXPECT_EQ(d.version, "4\"0");
  Distribution empty = parse_os_release("");
  EXPECT_EQ(empty.distribution, "linux");
  EXPECT_EQ(empty.version, "unknown");
}

}  // namespace
}  // namespace nook::host
