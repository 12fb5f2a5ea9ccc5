#include "models/kinetics/speciator_chemistry.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "solver/ode/ode_system.hpp"

namespace calcikin::kinetics {

SpeciatorChemistry::SpeciatorChemistry(std::shared_ptr<const thermo::ChemicalSystem> system,
                                       const std::vector<std::string>& phases,
                                       std::vector<double> totals, double temperature, bool free_ph,
                                       double pH)
    : system_(std::move(system)),
      speciator_(system_),
      totals_(std::move(totals)),
      d_totals_(totals_.size(), 0.0),
      free_ph_(free_ph),
      pH_(pH) {
  if (phases.size() > kMaxPhases) throw std::invalid_argument("too many kinetic phases");
  if (totals_.size() != system_->num_elements())
    throw std::invalid_argument("totals do not match the system");
  speciator_.set_temperature(temperature);
  const char* names[3] = {"Ca", "Mg", "P"};
  for (int k = 0; k < 3; ++k) element_[k] = system_->element_index(names[k]);
  species_ca_ = system_->species_index("Ca+2");
  species_mg_ = system_->species_index("Mg+2");
  for (const std::string& name : phases) {
    const int idx = system_->phase_index(name);
    if (idx < 0) throw std::invalid_argument("the chemical system has no phase '" + name + "'");
    const auto i = static_cast<std::size_t>(idx);
    PhaseChemistry pc;
    pc.name = name;
    pc.molar_volume = system_->phase_molar_volume(i);
    if (!(pc.molar_volume > 0.0))
      throw std::invalid_argument("phase '" + name + "' has no molar volume in the database");
    pc.ion_count = system_->phase_ion_count(i);
    for (int k = 0; k < 3; ++k)
      pc.stoichiometry[static_cast<std::size_t>(k)] =
          element_[k] >= 0
              ? system_->phase_element_coefficient(i, static_cast<std::size_t>(element_[k]))
              : 0.0;
    // Precipitating one formula unit removes what dissolving it would add to TOTH.
    pc.stoichiometry[kH] = system_->phase_proton_coefficient(i);
    phases_.push_back(pc);
    system_phase_.push_back(i);
  }
}

void SpeciatorChemistry::evaluate(const double* totals, ChemistryResult& out) {
  last_input_valid_ = false;
  for (int k = 0; k < 3; ++k) {
    if (element_[k] < 0) continue;
    double v = totals[k];
    // A total that is zero by construction (no Mg) comes back as +-round-off: a negative total
    // above -1e-16 mol/kg is an absent element. The speciation itself converges down to 1e-200
    // mol/kg, but a round-off total that changes sign or flips between absent and present from one
    // call to the next would be rejected (negative) or force a cold start of the speciation at
    // every flip (t50_assay without Mg: 1.7 ms instead of 1.2 ms per trajectory, same T50). A
    // positive total is taken as it is: the mechanistic model passes the smooth positive part of a
    // present element (> 0 always) and an absent one as exactly 0, and its transport limit reads
    // the equilibrium total T Omega^(-1/s) from the SI, which an element "absent" below 1e-16
    // mol/kg (SI -300) made 1e130 (WH at the last Mg dissolving at full rate).
    if (v < 0.0 && v > -1e-16) v = 0.0;
    if (v < 0.0 || !std::isfinite(v))
      throw ode::RecoverableEvaluationError(std::string("negative dissolved ") +
                                            kComponentNames[k] + " total");
    totals_[static_cast<std::size_t>(element_[k])] = v;
  }
  const thermo::SpeciationStatus st = free_ph_
                                          ? speciator_.solve_free_pH(totals_.data(), totals[kH])
                                          : speciator_.solve_fixed_pH(totals_.data(), pH_);
  if (!st.converged) {
    speciator_.reset_initial_guess();
    throw ode::RecoverableEvaluationError("speciation did not converge (residual " +
                                          std::to_string(st.residual) + ")");
  }
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    const double si = speciator_.saturation_index(system_phase_[i]);
    out.saturation_index[i] =
        std::isfinite(si) ? si : -300.0;  // an absent element: far undersaturated
  }
  out.log10_activity_ca =
      species_ca_ >= 0 ? speciator_.log10_activity(static_cast<std::size_t>(species_ca_)) : -300.0;
  out.log10_activity_mg =
      species_mg_ >= 0 ? speciator_.log10_activity(static_cast<std::size_t>(species_mg_)) : -300.0;
  if (!std::isfinite(out.log10_activity_mg)) out.log10_activity_mg = -300.0;
  out.pH = speciator_.pH();
  out.ionic_strength = speciator_.ionic_strength();
  std::copy(totals, totals + kComponentCount, last_input_.begin());
  last_input_valid_ = true;
}

void SpeciatorChemistry::sensitivities(const double* totals, const ChemistryResult& at,
                                       double* dq_dtotals) {
  (void)at;
  if (!last_input_valid_ || !std::equal(totals, totals + kComponentCount, last_input_.begin())) {
    ChemistryResult r;
    evaluate(totals, r);
  }
  const std::size_t m = phases_.size();
  // One row per quantity: d q / d (Ca, Mg, P) totals and d q / d TOTH (zero at fixed pH). An
  // element treated as absent (total zero) has zero derivatives, as have the quantities of an
  // absent phase.
  auto fill_row = [&](std::size_t row, double d_toth) {
    double* out = dq_dtotals + row * kComponentCount;
    for (int k = 0; k < 3; ++k)
      out[k] = element_[k] >= 0 ? d_totals_[static_cast<std::size_t>(element_[k])] : 0.0;
    out[kH] = free_ph_ ? d_toth : 0.0;
  };
  double d_toth = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    speciator_.dsi_dinputs(system_phase_[i], d_totals_.data(), &d_toth);
    fill_row(i, d_toth);
  }
  const int species[2] = {species_ca_, species_mg_};
  const std::size_t rows[2] = {quantity_ca(m), quantity_mg(m)};
  for (int s = 0; s < 2; ++s) {
    if (species[s] < 0) {
      for (std::size_t k = 0; k < kComponentCount; ++k)
        dq_dtotals[rows[s] * kComponentCount + k] = 0.0;
      continue;
    }
    speciator_.dlog_activity_dinputs(static_cast<std::size_t>(species[s]), d_totals_.data(),
                                     &d_toth);
    fill_row(rows[s], d_toth);
  }
}

double SpeciatorChemistry::proton_balance_at(const double* totals, double pH) {
  for (int k = 0; k < 3; ++k)
    if (element_[k] >= 0) totals_[static_cast<std::size_t>(element_[k])] = totals[k];
  const thermo::SpeciationStatus st = speciator_.solve_fixed_pH(totals_.data(), pH);
  if (!st.converged)
    throw std::runtime_error("speciation of the initial solution did not converge");
  return speciator_.total_h();
}

}  // namespace calcikin::kinetics
