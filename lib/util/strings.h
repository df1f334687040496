// Small string helpers shared by every module. Pure functions, no allocation surprises.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nook::strings {

// Splits on every occurrence of sep; "a,,b" -> {"a", "", "b"}; "" -> {""}.
std::vector<std::string> split(std::string_view text, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// Go's path.Clean of a path taken as absolute: "//a/./b/../c/" -> "/a/c", "" -> "/"; ".." never
// climbs above "/".
std::string clean_path(std::string_view path);
std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
std::string to_upper(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
// Whether `value` is one of the elements of `list`.
bool contains(const std::vector<std::string>& list, std::string_view value);

// Shell-style wildcard match: '*' any run, '?' one byte; no character classes.
bool glob_match(std::string_view pattern, std::string_view text);

// Levenshtein distance (insert, delete, substitute each cost 1).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidates a user probably meant, as cobra suggests: an edit distance of at most
// max_distance, or a candidate that starts with what was typed (case-insensitive); in the
// candidates' order, without duplicates.
std::vector<std::string> suggestions(std::string_view typed, const std::vector<std::string>& candidates,
                                     size_t max_distance = 2);

}  // namespace nook::strings
