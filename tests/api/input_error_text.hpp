// The message of the input error a call throws, or "" when it throws none: the API tests compare
// error texts (file, line, caret) rather than only that something was thrown.
#pragma once

#include <functional>
#include <string>

#include "solver/input/input_error.hpp"

namespace calcikin::test {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const input::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace calcikin::test
