#pragma once
// The catalogue of kinetic parameters: every parameter of the kinetics models, with its default, SI
// unit, plausible range and source (or an explicit "estimate" tag). The catalogue is the file
// models/data/kinetics_parameters.yaml, compiled into the library (so the CLI and the Python module
// need no data path). Scenario overrides (kinetics.parameters.<name>) and sweeps are checked
// against it: an unknown name is an InputError with "did you mean".
#include <string>
#include <vector>

#include "solver/input/input_error.hpp"

namespace calcikin::kinetics {

struct ParameterInfo {
  std::string name;         // dotted, e.g. "HAP.growth.rate_constant"
  double default_si = 0.0;  // in `unit`
  std::string unit;         // SI unit (udunits2 text), "1" for dimensionless
  double min_si = 0.0;  // plausible range (in `unit`), for documentation and sweep sanity checks
  double max_si = 0.0;
  std::string tag;     // "literature" | "estimate" | "calibrated"
  std::string source;  // citation, or how the estimate was made
  std::string description;
};

class ParameterCatalogue {
 public:
  // The builtin catalogue (parsed once, thread-safe). Throws InputError if the shipped file is
  // broken.
  static const ParameterCatalogue& builtin();
  // Parses a catalogue file's text (`name` is shown in messages).
  static ParameterCatalogue parse(const std::string& text, const std::string& name);

  const std::vector<ParameterInfo>& parameters() const noexcept { return parameters_; }
  const ParameterInfo* find(const std::string& name) const noexcept;
  // Like find, but an unknown name throws InputError at `where` (key path `key_path`) with a
  // did-you-mean hint among the catalogue's names.
  const ParameterInfo& at(const std::string& name, const input::SourceLocation& where,
                          const std::string& key_path, const std::string& source_line = {}) const;
  std::vector<std::string> names() const;

 private:
  std::vector<ParameterInfo> parameters_;
};

// The text of models/data/kinetics_parameters.yaml (generated at build time).
const char* builtin_kinetics_parameters_text() noexcept;

}  // namespace calcikin::kinetics
