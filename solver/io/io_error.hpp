#pragma once
// IoError: an output file could not be created, written, read or renamed (CLI exit code 5).
#include <stdexcept>
#include <string>

namespace calcikin::io {

class IoError : public std::runtime_error {
 public:
  explicit IoError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace calcikin::io
