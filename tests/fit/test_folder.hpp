// A folder of its own in the temp directory for one fit test, removed at the end. Named by process
// id and tag: two suites running at once (two checkouts, or ctest -j) never share one.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace calcikin::test {

struct TestFolder {
  std::filesystem::path dir;
  TestFolder(const std::string& prefix, const std::string& tag) {
    dir = std::filesystem::temp_directory_path() /
          (prefix + "_" + std::to_string(::getpid()) + "_" + tag);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~TestFolder() { std::filesystem::remove_all(dir); }
  TestFolder(const TestFolder&) = delete;
  TestFolder& operator=(const TestFolder&) = delete;
  // Copies FILE (a path) into the folder under its own name.
  void copy_in(const std::string& file) const {
    const std::filesystem::path from(file);
    std::filesystem::copy_file(from, dir / from.filename());
  }
};

}  // namespace calcikin::test
