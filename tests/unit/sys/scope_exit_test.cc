// ScopeExit lives in lib/util but is exercised here, next to its main users (the sys wrappers);
// it is header-only, so unit_sys needs nothing extra to link it.
#include "lib/util/scope_exit.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace nook {
namespace {

TEST(ScopeExit, RunsOnScopeExit) {
  int runs = 0;
  {
    ScopeExit guard([&] { ++runs; });
    EXPECT_TRUE(guard.active());
  }
  EXPECT_EQ(runs, 1);
}

TEST(ScopeExit, DismissPreventsTheCall) {
  int runs = 0;
  {
    ScopeExit guard([&] { ++runs; });
    guard.dismiss();
    EXPECT_FALSE(guard.active());
  }
  EXPECT_EQ(runs, 0);
}

TEST(ScopeExit, MoveRunsOnce) {
  int runs = 0;
  {
    ScopeExit first([&] { ++runs; });
    ScopeExit second(std::move(first));
    EXPECT_FALSE(first.active());  // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(second.active());
  }
  EXPECT_EQ(runs, 1);
}

TEST(ScopeExit, RunsInReverseOrderOfCreation) {
  std::string order;
  {
    ScopeExit a([&] { order += 'a'; });
    ScopeExit b([&] { order += 'b'; });
  }
  EXPECT_EQ(order, "ba");
}

}  // namespace
}  // namespace nook
