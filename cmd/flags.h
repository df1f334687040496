// Flag declaration helpers: CLI11 options spelled and documented the way cobra shows them
// (`-f, --format string`), so --help and the completions read like podman's.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace nook::cli {

inline CLI::Option* flag_string(CLI::App& app, const std::string& names, std::string& into,
                                const std::string& description) {
  return app.add_option(names, into, description)->type_name("string")->expected(1)->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);  // pflag: the last one given wins
}

inline CLI::Option* flag_optional_string(CLI::App& app, const std::string& names,
                                         std::optional<std::string>& into, const std::string& description) {
  return app.add_option(names, into, description)->type_name("string")->expected(1)->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);
}

inline CLI::Option* flag_strings(CLI::App& app, const std::string& names, std::vector<std::string>& into,
                                 const std::string& description) {
  // One value per occurrence, as pflag: `--filter a=b IMAGE` leaves IMAGE a positional.
  return app.add_option(names, into, description)->type_name("stringArray")->expected(1)->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

inline CLI::Option* flag_bool(CLI::App& app, const std::string& names, bool& into, const std::string& description) {
  return app.add_flag(names, into, description);
}

// True when the option takes no value (a boolean flag).
inline bool is_bool_flag(const CLI::Option& option) { return option.get_type_name().empty() ||
                                                             option.get_items_expected_max() == 0; }

}  // namespace nook::cli
