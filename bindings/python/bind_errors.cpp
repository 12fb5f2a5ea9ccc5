// Maps the C++ exceptions of the core onto the Python classes of calcikin.errors, keeping the
// message text (the CLI prints the same what()) and, for bad input, where it was found.
#include <pybind11/pybind11.h>

#include <exception>

#include "bindings/python/bindings.hpp"
#include "models/api/speciate.hpp"
#include "solver/input/input_error.hpp"
#include "solver/io/io_error.hpp"

namespace py = pybind11;

namespace calcikin::python {

namespace {

// Raises calcikin.errors.<cls>(*args) as the pending Python exception.
void set_python_error(const char* cls, const py::tuple& args) {
  const py::object type = py::module_::import("calcikin.errors").attr(cls);
  const py::object value = type(*args);
  PyErr_SetObject(type.ptr(), value.ptr());
}

// By value: pybind11's exception translators take a std::exception_ptr.
void translate(std::exception_ptr error) {  // NOLINT(performance-unnecessary-value-param)
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const input::InputError& e) {
    set_python_error("ScenarioError",
                     py::make_tuple(e.what(), e.where().file, e.where().line, e.where().column,
                                    e.key_path(), e.problem(), e.hint()));
  } catch (const api::SpeciationError& e) {
    set_python_error("SolverError", py::make_tuple(e.what()));
  } catch (const io::IoError& e) {
    set_python_error("OutputError", py::make_tuple(e.what()));
  }
  // Anything else falls through to pybind11's own translators (std::runtime_error -> RuntimeError,
  // ...).
}

}  // namespace

void bind_errors(py::module_& /*m*/) { py::register_exception_translator(&translate); }

}  // namespace calcikin::python
