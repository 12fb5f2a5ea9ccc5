#pragma once
// "did you mean 'X'?" for unknown keys, paths, phases and parameter names.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace calcikin::input {

// Optimal-string-alignment distance (Levenshtein plus adjacent transposition), case-sensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a plausible typo: a
// case-insensitive match, or an edit distance of at most max(1, len/3) (2 for words of 6+
// characters). nullopt otherwise.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "did you mean 'X'?" or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "'a', 'b', 'c'" (for hints listing what is allowed).
std::string quoted_list(const std::vector<std::string>& items);

}  // namespace calcikin::input
