#include "lib/util/signals.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <csignal>
#include <utility>

namespace nook {

namespace {

constexpr std::array<std::pair<std::string_view, int>, 31> kSignals = {{
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"BUS", SIGBUS},       {"FPE", SIGFPE},     {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CONT", SIGCONT},   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN},   {"TTOU", SIGTTOU},     {"URG", SIGURG},     {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},   {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
}};

std::optional<int> to_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<int> parse_signal(std::string_view text) {
  auto invalid = [&] { return fail(ErrorKind::InvalidArgument, fmt::format("invalid signal: {}", text)); };
  if (text.empty()) return invalid();
  if (auto number = to_int(text)) {
    if (*number <= 0 || *number > SIGRTMAX) return invalid();
    return *number;
  }
  std::string upper;
  for (char ch : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::string_view name = upper;
  if (name.starts_with("SIG")) name.remove_prefix(3);
  for (const auto& [known, number] : kSignals) {
    if (known == name) return number;
  }
  for (auto [base, value, sign] : {std::tuple{"RTMIN", SIGRTMIN, 1}, std::tuple{"RTMAX", SIGRTMAX, -1}}) {
    std::string_view b = base;
    if (!name.starts_with(b)) continue;
    std::string_view rest = name.substr(b.size());
    if (rest.empty()) return value;
    if (rest.front() != (sign > 0 ? '+' : '-')) return invalid();
    auto offset = to_int(rest.substr(1));
    if (!offset || *offset < 0) return invalid();
    int number = value + sign * *offset;
    if (number < SIGRTMIN || number > SIGRTMAX) return invalid();
    return number;
  }
  return invalid();
}

std::string signal_name(int number) {
  for (const auto& [name, value] : kSignals) {
    if (value == number) return fmt::format("SIG{}", name);
  }
  if (number == SIGRTMIN) return "SIGRTMIN";
  if (number > SIGRTMIN && number <= SIGRTMAX) return fmt::format("SIGRTMIN+{}", number - SIGRTMIN);
  return fmt::format("SIG{}", number);
}

}  // namespace nook
