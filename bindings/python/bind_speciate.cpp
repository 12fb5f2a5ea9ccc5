// speciate(): api::speciate, the entry point of `calcikin speciate`, returning the report as the
// same JSON text `calcikin speciate --json` prints (one serialiser: the two front ends cannot
// disagree).
#include <pybind11/pybind11.h>

#include <string>

#include "bindings/python/bindings.hpp"
#include "bindings/python/core_lock.hpp"
#include "models/api/speciate.hpp"
#include "models/scenario/scenario.hpp"

namespace py = pybind11;

namespace calcikin::python {

void bind_speciate(py::module_& m) {
  m.def(
      "speciate_json",
      [](const scenario::Scenario& s) {
        const CoreLock lock;  // may read a PHREEQC database file (single-threaded parsing)
        const py::gil_scoped_release release;  // no Python objects touched inside
        return api::to_json(api::speciate(s));
      },
      py::arg("scenario"),
      "Speciation and saturation indices of the scenario's solution, as JSON text.");
  m.def(
      "speciate_table",
      [](const scenario::Scenario& s) {
        const CoreLock lock;
        const py::gil_scoped_release release;
        return api::to_table(api::speciate(s));
      },
      py::arg("scenario"), "The table `calcikin speciate` prints.");
}

}  // namespace calcikin::python
