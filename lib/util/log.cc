#include "lib/util/log.h"

#include <array>
#include <atomic>
#include <string>

#include "lib/util/strings.h"

namespace nook::log {

namespace {

constexpr std::array kCategories = {
    CategoryInfo{Category::Cli, "cli", "command line parsing and dispatch"},
    CategoryInfo{Category::Config, "config", "configuration files and their precedence"},
    CategoryInfo{Category::Runtime, "runtime", "the OCI runtime: namespaces, process setup"},
    CategoryInfo{Category::Mounts, "mounts", "every mount and unmount"},
    CategoryInfo{Category::Cgroup, "cgroup", "cgroup creation, delegation and limits"},
    CategoryInfo{Category::Seccomp, "seccomp", "seccomp profile compilation and loading"},
    CategoryInfo{Category::Image, "image", "image references, manifests and configs"},
    CategoryInfo{Category::Registry, "registry", "registry HTTP traffic and authentication"},
    CategoryInfo{Category::Monitor, "monitor", "the per-container monitor process"},
    CategoryInfo{Category::Rootless, "rootless", "user namespace entry and id mappings"},
    CategoryInfo{Category::Network, "network", "slirp4netns, pasta, bridges and ports"},
    CategoryInfo{Category::Store, "store", "the layer and container store, locks"},
};

std::atomic<Level> g_level{Level::Warn};
std::atomic<unsigned> g_debug_categories{0};

void stderr_sink(Level level, Category, std::string_view message) {
  fmt::print(stderr, "nook: {}: {}\n", level_name(level), message);
}

std::atomic<Sink> g_sink{&stderr_sink};

unsigned bit(Category category) { return 1u << static_cast<unsigned>(category); }

}  // namespace

std::span<const CategoryInfo> categories() { return kCategories; }

std::string_view category_name(Category category) {
  return kCategories[static_cast<size_t>(category)].name;
}

Result<Level> parse_level(std::string_view text) {
  if (text == "trace") return Level::Trace;
  if (text == "debug") return Level::Debug;
  if (text == "info") return Level::Info;
  if (text == "warn" || text == "warning") return Level::Warn;
  if (text == "error" || text == "fatal" || text == "panic") return Level::Error;
  return fail(ErrorKind::InvalidArgument,
              fmt::format("log level \"{}\" not supported, choose from: trace, debug, info, warn, error", text));
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::Error: return "error";
    case Level::Warn: return "warning";
    case Level::Info: return "info";
    case Level::Debug: return "debug";
    case Level::Trace: return "trace";
  }
  return "unknown";
}

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level level() { return g_level.load(std::memory_order_relaxed); }

Result<void> enable_categories(std::string_view spec) {
  unsigned mask = g_debug_categories.load();
  for (const std::string& raw : strings::split(spec, ',')) {
    std::string_view pattern = strings::trim(raw);
    if (pattern.empty()) continue;
    bool matched = false;
    for (const CategoryInfo& info : kCategories) {
      if (strings::glob_match(pattern, info.name)) {
        mask |= bit(info.category);
        matched = true;
      }
    }
    if (!matched) {
      return fail(ErrorKind::InvalidArgument,
                  fmt::format("unknown debug category \"{}\"", pattern));
    }
  }
  g_debug_categories.store(mask);
  return {};
}

void reset_categories() { g_debug_categories.store(0); }

bool enabled(Level message_level, Category category) {
  if (message_level <= g_level.load(std::memory_order_relaxed)) return true;
  return message_level >= Level::Debug &&
         (g_debug_categories.load(std::memory_order_relaxed) & bit(category)) != 0;
}

void set_sink(Sink sink) { g_sink.store(sink ? sink : &stderr_sink); }

void write(Level level, Category category, std::string_view message) {
  g_sink.load()(level, category, message);
}

}  // namespace nook::log
