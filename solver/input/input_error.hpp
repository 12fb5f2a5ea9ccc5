#pragma once
// InputError: the one exception type for bad input (scenario files, database files, --set
// overrides, Python arguments). Its text is the same wherever it is shown (CLI, Python), e.g.
//
//   error: scenarios/x.yaml:14:13: solution.totals.Mg: unknown unit 'mMol' in '5 mMol'
//      14 |     Mg: 5 mMol
//         |             ^
//   hint: concentration units: mol/kgw mmol/kgw umol/kgw mol/L mmol/L mM umol/L uM µM
#include <stdexcept>
#include <string>
#include <vector>

namespace calcikin::input {

// A place in a text file. line and column are 1-based; 0 means "unknown" (e.g. a --set override).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// A second place an error refers to (the other half of a pair: the first of two zip lists, the
// first listing of a value listed twice, the molal total beside a molar one), shown after the main
// location as "note: FILE:LINE:COL: text" with its own line and caret.
struct InputNote {
  SourceLocation where;
  std::string text;
  std::string source_line;
};

class InputError : public std::runtime_error {
 public:
  // source_line: the text of the offending line (without newline), shown with a caret under column.
  InputError(SourceLocation where, std::string key_path, std::string what,
             std::string source_line = {}, std::string hint = {},
             std::vector<InputNote> notes = {});

  const SourceLocation& where() const noexcept { return where_; }
  const std::string& key_path() const noexcept { return key_path_; }
  const std::string& problem() const noexcept { return problem_; }
  const std::string& source_line() const noexcept { return source_line_; }
  const std::string& hint() const noexcept { return hint_; }
  const std::vector<InputNote>& notes() const noexcept { return notes_; }

 private:
  SourceLocation where_;
  std::string key_path_;
  std::string problem_;
  std::string source_line_;
  std::string hint_;
  std::vector<InputNote> notes_;
};

// Builds the full multi-line message (what() returns the same text).
std::string format_input_error(const SourceLocation& where, const std::string& key_path,
                               const std::string& problem, const std::string& source_line,
                               const std::string& hint, const std::vector<InputNote>& notes = {});

}  // namespace calcikin::input
