#include "solver/io/run_layout.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

namespace calcikin::io {

std::size_t RunLayout::dimension_index(const std::string& name) const {
  for (std::size_t i = 0; i < dimensions.size(); ++i) {
    if (dimensions[i].name == name) return i;
  }
  throw std::out_of_range("run layout has no dimension '" + name + "'");
}

std::size_t RunLayout::variable_index(const std::string& name) const {
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (variables[i].name == name) return i;
  }
  throw std::out_of_range("run layout has no variable '" + name + "'");
}

std::size_t RunLayout::variable_size(std::size_t variable) const {
  std::size_t n = 1;
  for (const auto& d : variables.at(variable).dims) n *= dimensions[dimension_index(d)].size();
  return n;
}

bool RunLayout::is_time_series(std::size_t variable) const {
  for (const auto& d : variables.at(variable).dims) {
    if (d == kTimeDimension) return true;
  }
  return false;
}

void RunLayout::validate() const {
  // Names the writer adds itself; a layout may not reuse them.
  static const std::set<std::string> reserved = {kRunDimension,    "status",    "message",
                                                 "completed",      "parameter", "parameter_value",
                                                 "parameter_units"};
  std::set<std::string> names;
  for (const auto& c : dimensions) {
    if (c.name.empty()) throw std::invalid_argument("run layout: a dimension has no name");
    if (reserved.count(c.name) != 0)
      throw std::invalid_argument("run layout: dimension name '" + c.name + "' is reserved");
    if (!names.insert(c.name).second)
      throw std::invalid_argument("run layout: duplicate name '" + c.name + "'");
    if (!c.values.empty() && !c.labels.empty()) {
      throw std::invalid_argument("run layout: dimension '" + c.name +
                                  "' has both values and labels");
    }
    if (c.size() == 0)
      throw std::invalid_argument("run layout: dimension '" + c.name + "' is empty");
  }
  for (const auto& v : variables) {
    if (v.name.empty()) throw std::invalid_argument("run layout: a variable has no name");
    if (reserved.count(v.name) != 0)
      throw std::invalid_argument("run layout: variable name '" + v.name + "' is reserved");
    if (!names.insert(v.name).second)
      throw std::invalid_argument("run layout: duplicate name '" + v.name + "'");
    for (const auto& d : v.dims) {
      bool known = false;
      for (const auto& c : dimensions) known = known || c.name == d;
      if (!known)
        throw std::invalid_argument("run layout: variable '" + v.name +
                                    "' uses unknown dimension '" + d + "'");
    }
    if (v.kind == ValueKind::Label && v.labels.empty()) {
      throw std::invalid_argument("run layout: label variable '" + v.name + "' has no labels");
    }
  }
}

RunRecord::RunRecord(const RunLayout& layout) {
  offsets_.reserve(layout.variables.size() + 1);
  offsets_.push_back(0);
  for (std::size_t v = 0; v < layout.variables.size(); ++v) {
    offsets_.push_back(offsets_.back() + layout.variable_size(v));
  }
  values_.assign(offsets_.back(), std::numeric_limits<double>::quiet_NaN());
  message.reserve(256);
}

void RunRecord::reset(std::size_t index) noexcept {
  run_index = index;
  status = RunStatus::NotRun;
  message.clear();
  for (double& x : values_) x = std::numeric_limits<double>::quiet_NaN();
}

void RunRecord::fail(std::string why) {
  status = RunStatus::Failed;
  message = std::move(why);
  for (double& x : values_) x = std::numeric_limits<double>::quiet_NaN();
}

}  // namespace calcikin::io
