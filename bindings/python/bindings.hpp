#pragma once
// The parts of the _calcikin extension module, one file each (module.cpp calls them in order).
#include <pybind11/pybind11.h>

namespace calcikin::python {

void bind_errors(pybind11::module_& m);      // C++ exceptions -> calcikin.errors classes
void bind_build_info(pybind11::module_& m);  // version, commit, library versions
void bind_scenario(pybind11::module_& m);    // Scenario, load_file/load_text, overrides
void bind_speciate(pybind11::module_& m);    // api::speciate
void bind_run(pybind11::module_& m);         // api::run (GIL released, Ctrl-C cancels the sweep)
void bind_parameters(pybind11::module_& m);  // the kinetic parameter catalogue
void bind_fit(pybind11::module_& m);         // fit::fit_problem (calcikin fit)

}  // namespace calcikin::python
