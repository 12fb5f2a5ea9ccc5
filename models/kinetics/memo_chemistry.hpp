#pragma once
// MemoChemistry: a SolutionChemistry that forwards to another one and remembers its last result.
// Copies of a model built from one set-up with other kinetic parameters (forward sensitivities,
// models/fit/condition_sensitivity) evaluate the chemistry at the same initial solution; with the
// memo only the first of them solves the speciation. Nothing allocates.
#include <algorithm>
#include <array>

#include "models/kinetics/solution_chemistry.hpp"

namespace calcikin::kinetics {

class MemoChemistry final : public SolutionChemistry {
 public:
  explicit MemoChemistry(SolutionChemistry& inner) noexcept : inner_(inner) {}

  std::size_t phase_count() const noexcept override { return inner_.phase_count(); }
  const PhaseChemistry& phase(std::size_t i) const override { return inner_.phase(i); }
  bool free_pH() const noexcept override { return inner_.free_pH(); }
  void evaluate(const double* totals, ChemistryResult& out) override {
    if (valid_ && free_ph_ == inner_.free_pH() &&
        std::equal(totals, totals + kComponentCount, totals_.begin())) {
      out = last_;
      return;
    }
    valid_ = false;
    inner_.evaluate(totals, last_);
    std::copy(totals, totals + kComponentCount, totals_.begin());
    free_ph_ = inner_.free_pH();
    valid_ = true;
    out = last_;
  }
  void sensitivities(const double* totals, const ChemistryResult& at, double* dq) override {
    inner_.sensitivities(totals, at, dq);
  }
  // Forget the memo (the inner chemistry's settings changed: a new set-up).
  void reset() noexcept { valid_ = false; }

 private:
  SolutionChemistry& inner_;
  std::array<double, kComponentCount> totals_{};
  ChemistryResult last_;
  bool valid_ = false;
  bool free_ph_ = false;
};

}  // namespace calcikin::kinetics
