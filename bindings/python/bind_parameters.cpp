// kinetic_parameters(): the builtin catalogue of kinetic parameters (default, SI unit, range, tag,
// source), the table `calcikin info --parameters` prints; Python turns it into a DataFrame.
#include <pybind11/pybind11.h>

#include "bindings/python/bindings.hpp"
#include "models/kinetics/parameter_catalogue.hpp"

namespace py = pybind11;

namespace calcikin::python {

void bind_parameters(py::module_& m) {
  m.def(
      "kinetic_parameters",
      [] {
        py::list rows;
        for (const kinetics::ParameterInfo& p :
             kinetics::ParameterCatalogue::builtin().parameters()) {
          py::dict row;
          row["name"] = p.name;
          row["default"] = p.default_si;
          row["unit"] = p.unit;
          row["min"] = p.min_si;
          row["max"] = p.max_si;
          row["tag"] = p.tag;
          row["source"] = p.source;
          row["description"] = p.description;
          rows.append(row);
        }
        return rows;
      },
      "The builtin kinetic parameter catalogue: one dict per parameter (SI values).");
}

}  // namespace calcikin::python
