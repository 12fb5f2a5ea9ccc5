// build_info(): what --version prints, as a dict (version, git commit, library versions, build
// flags).
#include <pybind11/pybind11.h>

#include "bindings/python/bindings.hpp"
#include "calcikin_build_info.hpp"
#include "calcikin_git_commit.hpp"

namespace py = pybind11;

namespace calcikin::python {

namespace {

py::dict build_info() {
  py::dict info;
  info["version"] = CALCIKIN_VERSION;
  info["git_commit"] = CALCIKIN_GIT_COMMIT;
  info["sundials"] = CALCIKIN_SUNDIALS_VERSION;
  info["eigen"] = CALCIKIN_EIGEN_VERSION;
  info["hdf5"] = CALCIKIN_HDF5_VERSION;
  info["yaml_cpp"] = CALCIKIN_YAML_CPP_VERSION;
  info["pybind11"] = std::to_string(PYBIND11_VERSION_MAJOR) + "." +
                     std::to_string(PYBIND11_VERSION_MINOR) + "." +
                     std::to_string(PYBIND11_VERSION_PATCH);
#if defined(__clang__)
  info["compiler"] = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  info["compiler"] = std::string("gcc ") + __VERSION__;
#else
  info["compiler"] = "unknown";
#endif
#if defined(_OPENMP)
  info["openmp"] = true;
#else
  info["openmp"] = false;
#endif
#if defined(NDEBUG)
  info["assertions"] = false;
#else
  info["assertions"] = true;
#endif
  return info;
}

}  // namespace

void bind_build_info(py::module_& m) {
  m.attr("__version__") = CALCIKIN_VERSION;
  m.def("build_info", &build_info, "Version, git commit and library versions of this build.");
}

}  // namespace calcikin::python
