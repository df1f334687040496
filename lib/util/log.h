// Leveled, categorised logging (fish's flog, ninja's LinePrinter split).
//
// Levels: error, warn, info, debug, trace; the global level is set from --log-level (default warn).
// Categories are declared once in log.cc with a description; NOOK_DEBUG=mounts,cgroup (or
// wildcards: NOOK_DEBUG='*' or 'reg*') turns on debug and trace output for those categories even
// when the global level is lower. The NOOK_LOG macro checks before it formats, so disabled debug
// lines cost one load and a branch.
//
// The sink decides where lines go (stderr for the CLI, a file for the monitor); lib/ code never
// writes to stderr itself. Not async-signal-safe: never log between fork and exec.
#pragma once

#include <fmt/format.h>

#include <span>
#include <string_view>

#include "lib/util/error.h"

namespace nook::log {

enum class Level { Error = 0, Warn = 1, Info = 2, Debug = 3, Trace = 4 };

enum class Category {
  Cli,
  Config,
  Runtime,
  Mounts,
  Cgroup,
  Seccomp,
  Image,
  Registry,
  Monitor,
  Rootless,
  Network,
  Store,
};

struct CategoryInfo {
  Category category;
  std::string_view name;
  std::string_view description;
};

// Every category, in declaration order, for --help and NOOK_DEBUG=help.
std::span<const CategoryInfo> categories();
std::string_view category_name(Category category);

// Accepts podman's spellings: trace, debug, info, warn, warning, error, fatal, panic.
[[nodiscard]] Result<Level> parse_level(std::string_view text);
std::string_view level_name(Level level);

void set_level(Level level);
Level level();

// Enables debug/trace for the categories in a comma-separated list of names or shell-style
// wildcards ('*', '?'). Unknown names are an error naming them; an empty spec enables nothing.
[[nodiscard]] Result<void> enable_categories(std::string_view spec);
void reset_categories();

bool enabled(Level level, Category category);

// A sink receives whole lines without a trailing newline.
using Sink = void (*)(Level level, Category category, std::string_view message);
void set_sink(Sink sink);

void write(Level level, Category category, std::string_view message);

}  // namespace nook::log

#define NOOK_LOG(level, category, ...)                                                   \
  do {                                                                                   \
    if (::nook::log::enabled(level, category))                                           \
      ::nook::log::write(level, category, ::fmt::format(__VA_ARGS__));                   \
  } while (0)
#define NOOK_ERROR(category, ...) NOOK_LOG(::nook::log::Level::Error, ::nook::log::Category::category, __VA_ARGS__)
#define NOOK_WARN(category, ...) NOOK_LOG(::nook::log::Level::Warn, ::nook::log::Category::category, __VA_ARGS__)
#define NOOK_INFO(category, ...) NOOK_LOG(::nook::log::Level::Info, ::nook::log::Category::category, __VA_ARGS__)
#define NOOK_DEBUG(category, ...) NOOK_LOG(::nook::log::Level::Debug, ::nook::log::Category::category, __VA_ARGS__)
#define NOOK_TRACE(category, ...) NOOK_LOG(::nook::log::Level::Trace, ::nook::log::Category::category, __VA_ARGS__)
