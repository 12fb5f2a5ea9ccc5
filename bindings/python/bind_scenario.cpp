// Scenario objects: scenario::load_file / load_text (the loader of `calcikin validate` and `run`)
// and dotted-path overrides with the semantics and messages of the CLI's `--set path=value`.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <utility>
#include <vector>

#include "bindings/python/bindings.hpp"
#include "bindings/python/core_lock.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "models/scenario/scenario.hpp"

namespace py = pybind11;

namespace calcikin::python {

namespace {

using scenario::Scenario;

// A copy of `base` with each (path, value text) applied in order, exactly as `--set path=value`.
Scenario apply_overrides(const Scenario& base,
                         const std::vector<std::pair<std::string, std::string>>& items) {
  const CoreLock lock;
  Scenario s = base;
  for (const auto& [path, value] : items) scenario::apply_set(s, path + "=" + value);
  return s;
}

// Scenario::warnings as Python UserWarnings (the CLI prints them on stderr).
Scenario warned(Scenario s) {
  for (const std::string& w : s.warnings)
    if (PyErr_WarnEx(PyExc_UserWarning, w.c_str(), 2) != 0) throw py::error_already_set();
  return s;
}

}  // namespace

void bind_scenario(py::module_& m) {
  py::class_<Scenario>(m, "Scenario", "A validated scenario (C++ scenario::Scenario, SI values).")
      .def_readonly("name", &Scenario::name)
      .def_readonly("description", &Scenario::description)
      .def_readonly("database", &Scenario::database)
      .def_readonly("source_file", &Scenario::source_file)
      .def_readonly("source_text", &Scenario::source_text)
      .def_readonly("base_dir", &Scenario::base_dir)
      .def_readonly("warnings", &Scenario::warnings)
      .def("__copy__", [](const Scenario& s) { return Scenario(s); });

  // Loading parses units (udunits2, single-threaded): one core call at a time (core_lock.hpp).
  m.def(
      "load_file",
      [](const std::string& path) {
        Scenario s;
        {
          const CoreLock lock;
          s = scenario::load_file(path);
        }
        return warned(std::move(s));
      },
      py::arg("path"), "Reads and validates a scenario file.");
  m.def(
      "load_text",
      [](const std::string& text, const std::string& name, const std::string& base_dir) {
        Scenario s;
        {
          const CoreLock lock;
          s = scenario::load_text(text, name, base_dir);
        }
        return warned(std::move(s));
      },
      py::arg("text"), py::arg("name_for_messages"), py::arg("base_dir") = std::string(),
      "Reads and validates scenario YAML text.");
  m.def("apply_overrides", &apply_overrides, py::arg("scenario"), py::arg("overrides"),
        "A copy with [(dotted path, value text)] applied as by `calcikin run --set path=value`.");
  m.def(
      "known_paths",
      [](const Scenario& s) {
        const CoreLock lock;
        return scenario::known_paths(s);
      },
      py::arg("scenario"), "Every dotted path an override or a sweep may name in this scenario.");
}

}  // namespace calcikin::python
