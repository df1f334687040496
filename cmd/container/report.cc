#include "cmd/container/report.h"

#include <fmt/format.h>

#include <cstdio>

namespace nook::cli {

Result<int> report(const std::vector<engine::ContainerResult>& results, Print print,
                   int (*exit_code_for)(const Error&)) {
  std::optional<Error> last;
  for (const engine::ContainerResult& r : results) {
    if (r.error) {
      if (last) fmt::print(stderr, "Error: {}\n", last->message());
      last = r.error;
      continue;
    }
    switch (print) {
      case Print::Key: fmt::print("{}\n", r.key); break;
      case Print::Id: fmt::print("{}\n", r.id); break;
      case Print::ExitCode: fmt::print("{}\n", r.exit_code); break;
    }
  }
  std::fflush(stdout);
  if (!last) return 0;
  int code = exit_code_for != nullptr ? exit_code_for(*last) : 125;
  if (code == 125) return fail(*last);
  fmt::print(stderr, "Error: {}\n", last->message());
  return code;
}

void add_stop_time_flag(CLI::App& app, const std::shared_ptr<int>& timeout) {
  app.add_option("-t,--time", *timeout, "Seconds to wait for stop before killing the container")
      ->type_name("uint")
      ->default_str("10");
}

}  // namespace nook::cli
