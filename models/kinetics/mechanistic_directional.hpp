#pragma once
// Forward-mode directional derivatives of the mechanistic right-hand side, for the sensitivity
// right-hand sides s_j' = J(t, y) s_j + df/dp_j of CVODES (models/fit/condition_sensitivity):
// all N_p directions in one evaluation of the rate laws with dual numbers of width N_p (chunks of
// kChunk), instead of the full Jacobian (width size()) and 2 N_p perturbed right-hand sides with
// a speciation solve each.
//
//   states:     y + eps s_j (the duals' slot j carries s_j);
//   chemistry:  q(T(y)) + eps dq/dT (dT/dy s_j + dT_j), with dq/dT the speciation's exact
//               sensitivities at the chemistry the preceding rhs() solved at (t, y) (no new solve),
//               and dT_j an optional extra change of the chemistry totals along p_j;
//   rates:      the model's rate-law template on the seeded states and quantities.
//
// A kinetic parameter's explicit effect df/dp_j is exact: seed_parameters() seeds direction j's
// dual slot on the parameter (d p / d x_j) in the rate constants (MechanisticModel::constants on
// dual parameters: the Arrhenius factors and the nucleation barriers carry it), once per run, and
// the same dual pass that gives J s_j adds d f / d p_j, including the parameter's change of the
// chemistry totals (the phosphate source) through d q / d T. No extra rate evaluation. rates_at()
// (the rate laws of a model copy at the nominal chemistry) stays for parameters that are not
// exact (MechanisticModel::exact_parameter). Nothing allocates after seed_parameters().
#include <array>
#include <cstddef>
#include <tuple>
#include <vector>

#include "models/kinetics/dual.hpp"

#include "models/kinetics/mechanistic_model.hpp"

namespace calcikin::kinetics {

class MechanisticDirectional {
 public:
  static constexpr std::size_t kChunk = 8;  // widest dual; more directions go in chunks

  // The chemistry's d q / d totals where it was last computed: CVODES' staggered corrector calls
  // the sensitivity right-hand side several times at one state (only the s_j change), and the
  // speciation's sensitivities are the costliest part of it. One per model (caller-owned).
  struct Cache {
    std::array<double, (kMaxPhases + 2) * kComponentCount> dq_dtotals{};
    std::array<double, kComponentCount> totals{};
    bool valid = false;
    // seed_parameters(): the rate constants with the kinetic parameters as duals, one per chunk of
    // kChunk directions (`full`), and the last chunk's when it is narrower (`narrow`, by width).
    std::vector<MechanisticConstants<Dual<kChunk>>> full;
    std::tuple<MechanisticConstants<Dual<1>>, MechanisticConstants<Dual<2>>,
               MechanisticConstants<Dual<3>>, MechanisticConstants<Dual<4>>,
               MechanisticConstants<Dual<6>>>
        narrow;
    bool seeded = false;
  };

  // Seeds the np directions' kinetic parameters for jacobian_times with this cache: direction j
  // carries kinetic parameter slots[j] (KineticParameters::at; -1: none) with d p / d x_j =
  // slopes[j]. Allocates; call once per run.
  static void seed_parameters(const MechanisticModel& model, std::size_t np, const int* slots,
                              const double* slopes, Cache& cache);

  // out[j] = J(t, y) s[j] + dR/dq (dq/dT dtotals[j] + dquantities[j]) (+ d f / d p_j of the seeded
  // kinetic parameters, with the cache of seed_parameters()) for j < np (s[j], out[j]:
  // size() values; dtotals: np x kComponentCount, row j = direction j, or nullptr for none;
  // dquantities: np x kQuantityStride, an explicit change of the chemistry quantities q (e.g.
  // -1 on a phase's saturation index for its log K offset), or nullptr for none).
  static constexpr std::size_t kQuantityStride = kMaxPhases + 2;
  static void jacobian_times(MechanisticModel& model, double t, const double* y, std::size_t np,
                             const double* const* s, const double* dtotals, double* const* out,
                             Cache* cache = nullptr, const double* dquantities = nullptr);

  // The rates of `copy` (same set-up as `nominal`, other kinetic parameters) at (t, y) with the
  // chemistry of `nominal` there, and the copy's chemistry totals (kComponentCount values). The
  // two models must have the same states (std::invalid_argument otherwise).
  static void rates_at(const MechanisticModel& copy, MechanisticModel& nominal, double t,
                       const double* y, double* ydot, double* chemistry_totals);
};

}  // namespace calcikin::kinetics
