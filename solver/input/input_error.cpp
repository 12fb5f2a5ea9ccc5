#include "solver/input/input_error.hpp"

#include <cstdio>
#include <utility>

namespace calcikin::input {

namespace {

bool is_control(unsigned char c) { return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f; }

// Control characters (an escape sequence in a key or a value would drive the terminal) are shown as
// \xNN; tabs and newlines stay.
std::string escaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_control(c)) {
      char code[8];
      std::snprintf(code, sizeof code, "\\x%02x", c);
      out += code;
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

std::string location_text(const SourceLocation& where) {
  std::string text;
  if (!where.file.empty()) {
    text += escaped(where.file);
    if (where.line > 0) {
      text += ':' + std::to_string(where.line);
      if (where.column > 0) text += ':' + std::to_string(where.column);
    }
    text += ": ";
  }
  return text;
}

// "\n   14 | text\n      |   ^" (nothing without a line).
std::string quote_line(const SourceLocation& where, const std::string& source_line) {
  std::string text;
  if (where.line > 0 && !source_line.empty()) {
    char gutter[32];
    std::snprintf(gutter, sizeof gutter, "%5d | ", where.line);
    text += '\n';
    text += gutter;
    std::string line = source_line;
    for (char& c : line)
      if (c == '\n') c = ' ';
    text += escaped(line);
    if (where.column > 0) {
      // The caret line copies tabs from the source line so the caret stays under the column (an
      // escaped control character takes four columns).
      std::string pad;
      for (int i = 0; i + 1 < where.column; ++i) {
        const auto idx = static_cast<std::size_t>(i);
        const auto c = static_cast<unsigned char>(idx < line.size() ? line[idx] : ' ');
        pad += c == '\t' ? "\t" : is_control(c) ? "    " : " ";
      }
      text += "\n      | " + pad + '^';
    }
  }
  return text;
}

}  // namespace

std::string format_input_error(const SourceLocation& where, const std::string& key_path,
                               const std::string& problem, const std::string& source_line,
                               const std::string& hint, const std::vector<InputNote>& notes) {
  std::string text = "error: " + location_text(where);
  if (!key_path.empty()) text += escaped(key_path) + ": ";
  text += escaped(problem);
  text += quote_line(where, source_line);
  for (const InputNote& n : notes)
    text +=
        "\nnote: " + location_text(n.where) + escaped(n.text) + quote_line(n.where, n.source_line);
  if (!hint.empty()) text += "\nhint: " + escaped(hint);
  return text;
}

InputError::InputError(SourceLocation where, std::string key_path, std::string what,
                       std::string source_line, std::string hint, std::vector<InputNote> notes)
    : std::runtime_error(format_input_error(where, key_path, what, source_line, hint, notes)),
      where_(std::move(where)),
      key_path_(std::move(key_path)),
      problem_(std::move(what)),
      source_line_(std::move(source_line)),
      hint_(std::move(hint)),
      notes_(std::move(notes)) {}

}  // namespace calcikin::input
