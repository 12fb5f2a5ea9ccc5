#pragma once
// SweepPlan: the list of points of a sweep (grid | zip | list | latin_hypercube), computed on
// demand from the point index (no table of all points is stored, except the per-parameter
// permutations of a Latin hypercube), so a sweep of 10^6 points costs nothing to plan.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace calcikin::sweep {

enum class PlanMode { Single, Grid, Zip, List, LatinHypercube };

struct PlanParameter {
  std::string path;   // dotted scenario path, e.g. "solution.totals.Mg" (attribute sweep_path)
  std::string units;  // SI unit string of the values ("mol/kg", "K", "1", ...)
  std::vector<double> values;  // SI; LatinHypercube: exactly two bounds [low, high]
  bool log_scale = false;      // LatinHypercube: sample uniformly in log10
};

struct PlanSpec {
  PlanMode mode = PlanMode::Single;
  std::vector<PlanParameter> parameters;
  std::int64_t samples = 0;  // LatinHypercube
  std::uint64_t seed = 0;    // LatinHypercube
};

class SweepPlan {
 public:
  // Throws std::invalid_argument naming the problem (zip lists of different lengths, empty values,
  // LHS without two bounds or samples <= 0, log scale with non-positive bounds).
  explicit SweepPlan(PlanSpec spec);

  std::size_t size() const noexcept { return size_; }  // number of points (runs); 1 for Single
  std::size_t parameter_count() const noexcept { return spec_.parameters.size(); }
  const PlanParameter& parameter(std::size_t i) const { return spec_.parameters[i]; }
  const PlanSpec& spec() const noexcept { return spec_; }
  // Writes parameter_count() SI values of point `index` (< size()) into out. Grid: the last
  // parameter varies fastest (C order), so `run` unstacks into the parameters in file order.
  void point(std::size_t index, double* out) const;
  // Name of the output variable holding parameter i ('.' -> '_', unique).
  std::string variable_name(std::size_t i) const;
  // "solution.totals.Mg=0.002 mol/kg, solution.pH=7" for messages.
  std::string describe(std::size_t index) const;

 private:
  PlanSpec spec_;
  std::size_t size_ = 1;
  std::vector<std::uint32_t> lhs_strata_;  // LatinHypercube: parameter-major permutations
};

}  // namespace calcikin::sweep
