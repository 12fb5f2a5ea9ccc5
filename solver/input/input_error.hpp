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

namespace calcikin::input {

// A place in a text file. line and column are 1-based; 0 means "unknown" (e.g. a --set override).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

class InputError : public std::runtime_error {
 public:
  // source_line: the text of the offending line (without newline), shown with a caret under column.
  InputError(SourceLocation where, std::string key_path, std::string what,
             std::string source_line = {}, std::string hint = {});

  const SourceLocation& where() const noexcept { return where_; }
  const std::string& key_path() const noexcept { return key_path_; }
  const std::string& problem() const noexcept { return problem_; }
  const std::string& source_line() const noexcept { return source_line_; }
  const std::string& hint() const noexcept { return hint_; }

 private:
  SourceLocation where_;
  std::string key_path_;
  std::string problem_;
  std::string source_line_;
  std::string hint_;
};

// Builds the full multi-line message (what() returns the same text).
std::string format_input_error(const SourceLocation& where, const std::string& key_path,
                               const std::string& problem, const std::string& source_line,
                               const std::string& hint);

}  // namespace calcikin::input
