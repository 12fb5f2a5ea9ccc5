// What CVODE/CVODES reports, kept for the failure message of a run instead of printed to stderr.
// Shared by the integrator and the sensitivity integrator.
#pragma once

#include <string>

namespace calcikin::ode {

// The messages CVODE's error handler receives: the first four in full, then one note (a failing
// run can repeat one warning thousands of times).
class CvodeMessageLog {
 public:
  void clear() noexcept {
    text_.clear();
    count_ = 0;
  }
  void add(int error_code, const char* module, const char* function, const char* msg) noexcept;
  const std::string& text() const noexcept { return text_; }
  bool empty() const noexcept { return text_.empty(); }

 private:
  std::string text_;
  int count_ = 0;
};

// " [CV_NAME]" for a CVODE return flag ("" for 0).
std::string return_flag_text(int flag);

}  // namespace calcikin::ode
