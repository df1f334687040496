// Shell completion scripts for bash, zsh and fish, generated from a neutral description of the
// command tree (cmd/ builds it from the verb table and each verb's CLI11 flags), so completions
// never drift from what the parser accepts. Pure text generation.
#pragma once

#include <string>
#include <vector>

namespace nook::completion {

struct Flag {
  std::string long_name;           // without dashes; may be empty
  std::string short_name;          // one character or empty
  std::string description;
  bool takes_value = false;
  std::vector<std::string> values;  // fixed choices for the value, if any
};

struct Command {
  std::string name;  // the word typed ("info"); the root's name is the program name
  std::string description;
  std::vector<Flag> flags;  // this command's own flags (the root's are global: valid everywhere)
  std::vector<std::string> arg_values;  // fixed choices for positional arguments ("bash", "zsh")
  std::vector<Command> subcommands;
};

std::string bash(const Command& root);
std::string zsh(const Command& root);
std::string fish(const Command& root);

}  // namespace nook::completion
