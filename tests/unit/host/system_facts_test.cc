#include "lib/host/host.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace nook::host {
namespace {

TEST(Meminfo, ParsesKilobytes) {
  Memory m = parse_meminfo("MemTotal:       16384 kB\nMemFree:         1024 kB\nMemAvailable: 2048 kB\n"
                           "SwapTotal:          0 kB\nSwapFree:           0 kB\n");
  EXPECT_EQ(m.total, 16384 * 1024);
  EXPECT_EQ(m.free, 1024 * 1024);
  EXPECT_EQ(m.swap_total, 0);
}

TEST(Uptime, Formats) {
  EXPECT_EQ(format_uptime(12.5), "12.50s");
  EXPECT_EQ(format_uptime(125.0), "2m 5.00s");
  EXPECT_EQ(format_uptime(3600 * 50 + 61), "50h 1m 1.00s (Approximately 2.08 days)");
}

TEST(VersionOutput, FindsTheVersionToken) {
  EXPECT_EQ(parse_version_output("slirp4netns version 1.2.0\ncommit: 656041d\n"), "1.2.0");
  EXPECT_EQ(parse_version_output("fuse-overlayfs: version 1.10\nFUSE library version 3.14.0\n"), "1.10");
  EXPECT_EQ(parse_version_output("fusermount3 version: 3.14.0\nfuse-overlayfs: version 1.10\n", "fuse-overlayfs"),
            "1.10")
      << "the line naming the program wins";
  EXPECT_EQ(parse_version_output("tini version 0.1.7_catatonit\n", "catatonit"), "0.1.7");
  EXPECT_EQ(parse_version_output("crun version 1.8.1\ncommit: abc\n"), "1.8.1");
  EXPECT_EQ(parse_version_output("catatonit v0.1.7\n"), "0.1.7");
  EXPECT_EQ(parse_version_output("pasta 0.0~git20230309.7c7625d-1\n"), "0.0~git20230309.7c7625d-1");
  EXPECT_EQ(parse_version_output("usage: newuidmap <pid> <uid> <loweruid> <count>\n"), "");
  EXPECT_EQ(parse_version_output(""), "");
}

TEST(FindInPath, FindsExecutablesOnly) {
  auto sh = find_in_path("sh", "/nonexistent:/bin:/usr/bin");
  ASSERT_TRUE(sh.has_value());
  EXPECT_EQ(*sh, "/bin/sh");
  EXPECT_FALSE(find_in_path("sh", "/nonexistent").has_value());
  EXPECT_FALSE(find_in_path("passwd", "/etc").has_value()) << "/etc/passwd is not executable";
  EXPECT_EQ(find_in_path("/bin/sh", "").value_or(""), "/bin/sh");
}

}  // namespace
}  // namespace nook::host
