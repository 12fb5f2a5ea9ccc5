#include "solver/input/input_error.hpp"

#include <cstdio>
#include <utility>

namespace calcikin::input {

std::string format_input_error(const SourceLocation& where, const std::string& key_path,
                               const std::string& problem, const std::string& source_line,
                               const std::string& hint) {
  std::string text = "error: ";
  if (!where.file.empty()) {
    text += where.file;
    if (where.line > 0) {
      text += ':' + std::to_string(where.line);
      if (where.column > 0) text += ':' + std::to_string(where.column);
    }
    text += ": ";
  }
  if (!key_path.empty()) text += key_path + ": ";
  text += problem;
  if (where.line > 0 && !source_line.empty()) {
    char gutter[32];
    std::snprintf(gutter, sizeof gutter, "%5d | ", where.line);
    text += '\n';
    text += gutter;
    text += source_line;
    if (where.column > 0) {
      // The caret line copies tabs from the source line so the caret stays under the column.
      std::string pad;
      for (int i = 0; i + 1 < where.column; ++i) {
        const auto idx = static_cast<std::size_t>(i);
        pad += (idx < source_line.size() && source_line[idx] == '\t') ? '\t' : ' ';
      }
      text += "\n      | " + pad + '^';
    }
  }
  if (!hint.empty()) text += "\nhint: " + hint;
  return text;
}

InputError::InputError(SourceLocation where, std::string key_path, std::string what,
                       std::string source_line, std::string hint)
    : std::runtime_error(format_input_error(where, key_path, what, source_line, hint)),
      where_(std::move(where)),
      key_path_(std::move(key_path)),
      problem_(std::move(what)),
      source_line_(std::move(source_line)),
      hint_(std::move(hint)) {}

}  // namespace calcikin::input
