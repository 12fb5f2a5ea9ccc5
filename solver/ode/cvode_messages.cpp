#include "solver/ode/cvode_messages.hpp"

#include <cstdlib>

#include <cvodes/cvodes.h>

namespace calcikin::ode {

void CvodeMessageLog::add(int error_code, const char* module, const char* function,
                          const char* msg) noexcept {
  try {
    if (++count_ > 4) {
      if (count_ == 5) text_ += "; (further messages omitted)";
      return;
    }
    if (!text_.empty()) text_ += "; ";
    text_ += std::string(module) + "/" + function + " (" + std::to_string(error_code) + "): " + msg;
  } catch (...) {
    // Out of memory while keeping a message: the return flag still reports the failure.
  }
}

std::string return_flag_text(int flag) {
  if (flag == 0) return {};
  // SUNDIALS returns a malloc'ed string that the caller frees.
  char* name = CVodeGetReturnFlagName(flag);
  std::string text = std::string(" [") + (name != nullptr ? name : "unknown flag") + "]";
  std::free(name);
  return text;
}

}  // namespace calcikin::ode
