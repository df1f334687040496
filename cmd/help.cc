#include "cmd/help.h"

#include <fmt/format.h>

#include <algorithm>

#include "cmd/flags.h"

namespace nook::cli {

namespace {

std::string usage_line(std::string_view path) {
  return path.empty() ? std::string("nook") : fmt::format("nook {}", path);
}

}  // namespace

std::string flag_usages(const CLI::App& app, bool include_globals) {
  struct Row {
    std::string sort_key;
    std::string left;
    std::string usage;
  };
  std::vector<Row> rows;
  for (const CLI::Option* option : app.get_options()) {
    if (!option->nonpositional() || option->get_group().empty()) continue;  // hidden: empty group
    if (!include_globals && option->get_group() == "Global options") continue;
    Row row;
    std::string lname = option->get_lnames().empty() ? "" : option->get_lnames().front();
    std::string sname = option->get_snames().empty() ? "" : option->get_snames().front();
    row.sort_key = lname.empty() ? sname : lname;
    if (!sname.empty() && !lname.empty()) {
      row.left = fmt::format("  -{}, --{}", sname, lname);
    } else if (!lname.empty()) {
      row.left = fmt::format("      --{}", lname);
    } else {
      row.left = fmt::format("  -{}", sname);
    }
    if (!is_bool_flag(*option)) row.left += " " + option->get_type_name();
    row.usage = option->get_description();
    if (!option->get_default_str().empty() && !is_bool_flag(*option)) {
      row.usage += fmt::format(" (default \"{}\")", option->get_default_str());
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.sort_key < b.sort_key; });
  size_t width = 0;
  for (const Row& row : rows) width = std::max(width, row.left.size());
  std::string out;
  for (const Row& row : rows) {
    out += row.left;
    out.append(width - row.left.size() + 3, ' ');
    out += row.usage;
    out += '\n';
  }
  return out;
}

std::string verb_help(const Verb& verb, const CLI::App& app) {
  std::string out = fmt::format("{}\n\n", verb.summary);
  std::string_view description = verb.description.empty() ? verb.summary : verb.description;
  out += fmt::format("Description:\n  {}\n\n", description);
  out += fmt::format("Usage:\n  {} {}\n", usage_line(verb.path), verb.usage);
  if (!verb.example.empty()) out += fmt::format("\nExamples:\n  {}\n", verb.example);
  std::string flags = flag_usages(app, false);
  if (!flags.empty()) out += fmt::format("\nOptions:\n{}", flags);
  return out;
}

std::string group_help(std::string_view path, const CLI::App& globals) {
  std::string out;
  if (path.empty()) {
    out += "Manage containers and images, rootless and daemonless\n\n";
  } else if (const Verb* group = find_verb(path)) {
    out += fmt::format("{}\n\nDescription:\n  {}\n\n", group->summary,
                       group->description.empty() ? group->summary : group->description);
  }
  out += fmt::format("Usage:\n  {} [options] [command]\n\nAvailable Commands:\n", usage_line(path));
  std::vector<const Verb*> children = children_of(path);
  size_t width = 0;
  for (const Verb* child : children) width = std::max(width, child->path.size() - path.size());
  for (const Verb* child : children) {
    std::string_view name = child->path.substr(path.empty() ? 0 : path.size() + 1);
    out += fmt::format("  {:<{}} {}\n", name, std::max<size_t>(width, 11), child->summary);
  }
  if (path.empty()) out += fmt::format("\nOptions:\n{}", flag_usages(globals, true));
  return out;
}

}  // namespace nook::cli
