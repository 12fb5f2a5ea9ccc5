#pragma once
// SpeciatorChemistry: SolutionChemistry over the full aqueous speciation of models/thermo. It owns
// one Speciator (one per thread, warm-started from the previous solve) and the totals of every
// element of the system; the kinetics changes only Ca, Mg, P (and the proton balance TOTH in
// free-pH mode), the other totals (Na, K, Cl, C(4), S(6), buffer) stay as prepared.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "models/kinetics/solution_chemistry.hpp"
#include "models/thermo/chemical_system.hpp"
#include "models/thermo/speciator.hpp"

namespace calcikin::kinetics {

class SpeciatorChemistry final : public SolutionChemistry {
 public:
  // phases: names in the system (e.g. {"ACP", "HAP", "WH"}). totals: mol/kg for every element of
  // the system (system.element_name order). Fixed pH: pH is used; free pH: the proton balance is
  // solved. Throws std::invalid_argument for a phase the system lacks or without a molar volume.
  SpeciatorChemistry(std::shared_ptr<const thermo::ChemicalSystem> system,
                     const std::vector<std::string>& phases, std::vector<double> totals,
                     double temperature, bool free_ph, double pH);

  std::size_t phase_count() const noexcept override { return phases_.size(); }
  const PhaseChemistry& phase(std::size_t i) const override { return phases_.at(i); }
  bool free_pH() const noexcept override { return free_ph_; }
  void evaluate(const double* totals, ChemistryResult& out) override;
  // Exact derivatives from the converged Newton matrix of the speciation at `totals` (no extra
  // speciation when `totals` is the last evaluated state; otherwise it is evaluated first).
  void sensitivities(const double* totals, const ChemistryResult& at, double* dq_dtotals) override;

  thermo::Speciator& speciator() noexcept { return speciator_; }
  std::size_t system_phase(std::size_t i) const { return system_phase_.at(i); }
  // Changes the fixed pH (sweeps); the element totals other than Ca, Mg, P.
  void set_pH(double pH) noexcept { pH_ = pH; }
  void set_free_pH(bool on) noexcept { free_ph_ = on; }
  void set_background_totals(const std::vector<double>& totals) { totals_ = totals; }
  // TOTH of the initial solution (free-pH mode): solve at fixed pH `pH` with the current totals.
  double proton_balance_at(const double* totals, double pH);

 private:
  std::shared_ptr<const thermo::ChemicalSystem> system_;
  thermo::Speciator speciator_;
  std::vector<PhaseChemistry> phases_;
  std::vector<std::size_t> system_phase_;
  std::vector<double> totals_;    // every element of the system
  std::vector<double> d_totals_;  // workspace: d quantity / d total of every element
  std::array<double, kComponentCount> last_input_{};  // argument of the last successful evaluate
  bool last_input_valid_ = false;
  int element_[3] = {-1, -1, -1};  // system indices of Ca, Mg, P (-1 = absent)
  int species_ca_ = -1, species_mg_ = -1;
  bool free_ph_ = false;
  double pH_ = 7.4;
};

}  // namespace calcikin::kinetics
