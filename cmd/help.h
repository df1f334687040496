// --help text in cobra's layout (podman's usage template), generated from the verb table and the
// verb's CLI11 options, so what --help shows is what the parser accepts.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cmd/command.h"

namespace nook::cli {

// Help for a leaf verb whose flags are declared on app.
std::string verb_help(const Verb& verb, const CLI::App& app);
// Help for the top level (path "") or a group ("system"): its commands and the global options.
std::string group_help(std::string_view path, const CLI::App& globals);
// pflag's FlagUsages: "  -f, --format string   Change ..." aligned, sorted by long name. The
// global options (group "Global options") are listed only when include_globals is set: podman
// shows them on the top-level help, not on every command's.
std::string flag_usages(const CLI::App& app, bool include_globals);

}  // namespace nook::cli
