// _calcikin: the compiled half of the calcikin Python package. It only converts arguments and
// results; every computation is a call into models/api, the same entry points the calcikin CLI
// uses.
#include <pybind11/pybind11.h>

#include "bindings/python/bindings.hpp"

PYBIND11_MODULE(_calcikin, m) {
  m.doc() = "calcikin C++ core (use the calcikin package, not this module directly)";
  calcikin::python::bind_errors(m);
  calcikin::python::bind_build_info(m);
  calcikin::python::bind_scenario(m);
  calcikin::python::bind_speciate(m);
  calcikin::python::bind_run(m);
  calcikin::python::bind_parameters(m);
  calcikin::python::bind_fit(m);
}
