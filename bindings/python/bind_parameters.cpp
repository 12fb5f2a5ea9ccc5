// kinetic_parameters(): the builtin catalogue of kinetic parameters (default, SI unit, range, tag,
// source), the table `calcikin info --parameters` prints; Python turns it into a DataFrame.
#include <pybind11/pybind11.h>

#include "bindings/python/bindings.hpp"
#include "models/kinetics/parameter_catalogue.hpp"
#include "models/scenario/thermo_parameters.hpp"

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
  m.def(
      "thermo_parameters",
      [](const std::string& database) {
        py::list rows;
        for (const scenario::ThermoParameterInfo& p :
             scenario::thermo_parameter_catalogue(database)->entries()) {
          py::dict row;
          row["name"] = p.name;
          row["target"] = p.target;
          row["default"] = p.default_value;
          row["unit"] = "log10";
          row["min"] = p.min;
          row["max"] = p.max;
          row["source"] = p.source;
          row["description"] = p.description;
          rows.append(row);
        }
        return rows;
      },
      py::arg("database") = std::string("builtin"),
      "The thermodynamic parameters of a database (builtin or a PHREEQC file): one dict each.");
}

}  // namespace calcikin::python
