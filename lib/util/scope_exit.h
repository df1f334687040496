// ScopeExit: run an undo step when a scope is left, unless dismissed.
//
//   auto unmount = ScopeExit([&] { umount2(target, MNT_DETACH); });
//   NOOK_TRY_VOID(next_step());
//   unmount.dismiss();  // success: keep the mount
//
// The callable runs at most once, from the destructor; it must not fail loudly (no exceptions
// anywhere in nook) and should preserve errno if the caller may read it afterwards.
#pragma once

#include <type_traits>
#include <utility>

namespace nook {

template <class F>
class [[nodiscard]] ScopeExit {
 public:
  explicit ScopeExit(F fn) noexcept(std::is_nothrow_move_constructible_v<F>) : fn_(std::move(fn)) {}

  // Moving transfers the duty to run the callable; the source is dismissed.
  ScopeExit(ScopeExit&& other) noexcept(std::is_nothrow_move_constructible_v<F>)
      : fn_(std::move(other.fn_)), active_(std::exchange(other.active_, false)) {}

  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ScopeExit& operator=(ScopeExit&&) = delete;

  ~ScopeExit() {
    if (active_) fn_();
  }

  // Do not run the callable.
  void dismiss() noexcept { active_ = false; }
  bool active() const noexcept { return active_; }

 private:
  F fn_;
  bool active_ = true;
};

template <class F>
ScopeExit(F) -> ScopeExit<F>;

}  // namespace nook
