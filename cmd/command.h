// The verb table and what a verb file provides.
//
// A verb file (cmd/<group>/<verb>.cc) declares its flags on a CLI::App, binds them into an options
// struct it owns, and returns the function that runs the verb (podman's rule: flags -> options ->
// one engine call -> print). The list of verbs is explicit in commands.cc (crun's commands[]).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/context.h"
#include "lib/util/error.h"

namespace nook::cli {

// What a verb's positional arguments must look like (podman's validate.* rules).
enum class Args { None, Any, AtLeastOne, ExactlyOne };

// Runs a verb with its positional arguments; returns the process exit code (0 on success).
using Runner = std::function<Result<int>(Context& ctx, const std::vector<std::string>& args)>;
// Declares the verb's flags on app and returns its runner.
using Setup = Runner (*)(CLI::App& app);

struct Verb {
  std::string_view path;         // "system info": group words then the verb
  std::string_view summary;      // one line, for the command list
  std::string_view description;  // paragraphs for --help (may be empty: summary is used)
  std::string_view usage;        // after the path in "Usage:", e.g. "[options]"
  std::string_view example;      // lines for "Examples:" (may be empty)
  Args args = Args::None;
  Setup setup = nullptr;         // nullptr: a group ("system") whose children are the verbs
  bool hidden = false;  // runs, but help and completions do not list it (an alias)
  // Verbs that write layer content or start containers enter the user namespace first; main.cc
  // does it before the verb runs (DESIGN.md "Process model").
  bool needs_userns = false;
  // Its arguments are containers it starts (start, restart): one that shares another's network
  // namespace makes the verb join that container's user namespace (engine::userns_to_share).
  bool starts_containers = false;
};

// Every verb and group, in the order --help lists them.
std::span<const Verb> verbs();

// The verb whose path is exactly `path` ("system info"), or nullptr.
const Verb* find_verb(std::string_view path);

// Direct children of a path ("" for the top level), hidden ones excluded.
std::vector<const Verb*> children_of(std::string_view path);

}  // namespace nook::cli
