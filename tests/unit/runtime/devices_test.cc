#include "lib/runtime/devices.h"

#include <gtest/gtest.h>

namespace nook::runtime {
namespace {

TEST(DefaultDevices, TheStandardSix) {
  std::vector<DeviceStep> devices = default_devices();
  ASSERT_EQ(devices.size(), 6u);
  EXPECT_EQ(devices[0].path, "/dev/null");
  EXPECT_EQ(devices[0].major, 1u);
  EXPECT_EQ(devices[0].minor, 3u);
  EXPECT_EQ(devices[3].path, "/dev/tty");
  EXPECT_EQ(devices[3].major, 5u);
  for (const DeviceStep& d : devices) EXPECT_EQ(d.mode, 0666u) << d.path;
}

}  // namespace
}  // namespace nook::runtime
