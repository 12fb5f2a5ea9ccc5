#include "models/kinetics/mechanistic_directional.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <type_traits>

#include "models/kinetics/dual.hpp"

namespace calcikin::kinetics {

namespace {

// Chemistry quantities q = [SI of each phase..., log10 a_Ca, log10 a_Mg] at their values.
template <class S>
void quantities(const ChemistryResult& r, std::size_t m, S* q) {
  for (std::size_t i = 0; i < m; ++i) q[i] = S(r.saturation_index[i]);
  q[quantity_ca(m)] = S(r.log10_activity_ca);
  q[quantity_mg(m)] = S(r.log10_activity_mg);
}

// Width of the dual pass for a chunk of nj directions.
constexpr std::size_t width_of(std::size_t nj) {
  return nj <= 1 ? 1 : nj <= 2 ? 2 : nj <= 3 ? 3 : nj <= 4 ? 4 : nj <= 6 ? 6 : 8;
}

// The seeded constants of the chunk starting at j0 (pass width W).
template <std::size_t W>
const MechanisticConstants<Dual<W>>& seeded(const MechanisticDirectional::Cache& cache,
                                            std::size_t j0) {
  if constexpr (W == MechanisticDirectional::kChunk)
    return cache.full[j0 / MechanisticDirectional::kChunk];
  else
    return std::get<MechanisticConstants<Dual<W>>>(cache.narrow);
}

template <std::size_t W>
MechanisticConstants<Dual<W>> seeded_constants(const MechanisticModel& m, std::size_t j0,
                                               std::size_t nj, const int* slots,
                                               const double* slopes) {
  std::array<std::size_t, W> slot{}, lane{};
  std::array<double, W> slope{};
  std::size_t count = 0;
  for (std::size_t c = 0; c < nj; ++c) {
    if (slots[j0 + c] < 0) continue;
    slot[count] = static_cast<std::size_t>(slots[j0 + c]);
    lane[count] = c;
    slope[count] = slopes[j0 + c];
    ++count;
  }
  const BasicKineticParameters<Dual<W>> raw =
      parameters_as<Dual<W>>(m.parameters(), slot.data(), count,
                             [&](std::size_t i, Dual<W>& p) { p.d[lane[i]] += slope[i]; });
  return m.constants(raw);
}

}  // namespace

void MechanisticDirectional::seed_parameters(const MechanisticModel& m, std::size_t np,
                                             const int* slots, const double* slopes, Cache& cache) {
  cache.full.clear();
  cache.seeded = false;
  // No kinetic parameter among the directions: the passes keep the double constants (a dual
  // constant with zero derivatives would only cost).
  if (std::none_of(slots, slots + np, [](int s) { return s >= 0; })) return;
  for (std::size_t j0 = 0; j0 < np; j0 += kChunk) {
    const std::size_t nj = np - j0 < kChunk ? np - j0 : kChunk;
    auto seed = [&](auto width) {
      constexpr std::size_t w = decltype(width)::value;
      if constexpr (w == kChunk)
        cache.full.push_back(seeded_constants<w>(m, j0, nj, slots, slopes));
      else
        std::get<MechanisticConstants<Dual<w>>>(cache.narrow) =
            seeded_constants<w>(m, j0, nj, slots, slopes);
    };
    switch (width_of(nj)) {
      case 1:
        seed(std::integral_constant<std::size_t, 1>{});
        break;
      case 2:
        seed(std::integral_constant<std::size_t, 2>{});
        break;
      case 3:
        seed(std::integral_constant<std::size_t, 3>{});
        break;
      case 4:
        seed(std::integral_constant<std::size_t, 4>{});
        break;
      case 6:
        seed(std::integral_constant<std::size_t, 6>{});
        break;
      default:
        seed(std::integral_constant<std::size_t, 8>{});
    }
  }
  cache.seeded = true;
}

// One pass of up to N directions j0 .. j0 + nj - 1; `k`: the rate constants with the seeded
// kinetic parameters, or nullptr for the model's own.
template <std::size_t N>
static void directional_pass(const MechanisticModel& m, const ChemistryResult& chem,
                             const double* dq_dtotals, std::size_t n_quantities, double t,
                             const double* y, std::size_t n, std::size_t j0, std::size_t nj,
                             const double* const* s, const double* dtotals,
                             const double* dquantities, double* const* out,
                             const MechanisticConstants<Dual<N>>* rc) {
  using D = Dual<N>;
  std::array<D, kMaxStates> yd{};
  for (std::size_t i = 0; i < n; ++i) {
    yd[i] = D(y[i]);
    for (std::size_t c = 0; c < nj; ++c) yd[i].d[c] = s[j0 + c][i];
  }
  std::array<D, kComponentCount> totals{};
  if (rc != nullptr)
    m.chemistry_totals_with(t, yd.data(), totals.data(), *rc);
  else
    m.chemistry_totals(t, yd.data(), totals.data());
  if (dtotals != nullptr)
    for (std::size_t k = 0; k < kComponentCount; ++k)
      for (std::size_t c = 0; c < nj; ++c)
        totals[k].d[c] += dtotals[(j0 + c) * kComponentCount + k];
  const std::size_t phases = m.chemistry().phase_count();
  std::array<D, kMaxPhases + 2> q{};
  quantities(chem, phases, q.data());
  for (std::size_t jq = 0; jq < n_quantities; ++jq)
    for (std::size_t k = 0; k < kComponentCount; ++k) {
      const double dqdt = dq_dtotals[jq * kComponentCount + k];
      if (dqdt == 0.0) continue;
      for (std::size_t c = 0; c < nj; ++c) q[jq].d[c] += dqdt * totals[k].d[c];
    }
  if (dquantities != nullptr)
    for (std::size_t c = 0; c < nj; ++c)
      for (std::size_t jq = 0; jq < n_quantities; ++jq)
        q[jq].d[c] += dquantities[(j0 + c) * MechanisticDirectional::kQuantityStride + jq];
  std::array<D, kMaxStates> ydot{};
  if (rc != nullptr)
    m.rates_with(t, yd.data(), q.data(), ydot.data(), *rc);
  else
    m.rates(t, yd.data(), q.data(), ydot.data());
  for (std::size_t c = 0; c < nj; ++c)
    for (std::size_t i = 0; i < n; ++i) out[j0 + c][i] = ydot[i].d[c];
}

void MechanisticDirectional::jacobian_times(MechanisticModel& m, double t, const double* y,
                                            std::size_t np, const double* const* s,
                                            const double* dtotals, double* const* out, Cache* cache,
                                            const double* dquantities) {
  // The chemistry at (t, y): the preceding rhs() solved it (evaluate_chemistry keeps it), and its
  // exact sensitivities from the converged speciation (kept in the cache for the same totals).
  m.evaluate_chemistry(t, y);
  const double* dq = nullptr;
  if (cache != nullptr) {
    if (!cache->valid || cache->totals != m.totals_) {
      cache->valid = false;
      m.chemistry_.sensitivities(m.totals_.data(), m.chem_, cache->dq_dtotals.data());
      cache->totals = m.totals_;
      cache->valid = true;
    }
    dq = cache->dq_dtotals.data();
  } else {
    m.chemistry_.sensitivities(m.totals_.data(), m.chem_, m.dq_dtotals_.data());
    dq = m.dq_dtotals_.data();
  }
  const std::size_t n = m.n_states_;
  for (std::size_t j0 = 0; j0 < np; j0 += kChunk) {
    const std::size_t nj = np - j0 < kChunk ? np - j0 : kChunk;
    auto pass = [&](auto width) {
      constexpr std::size_t w = decltype(width)::value;
      const MechanisticConstants<Dual<w>>* k = nullptr;
      if (cache != nullptr && cache->seeded) k = &seeded<w>(*cache, j0);
      directional_pass<w>(m, m.chem_, dq, m.n_quantities_, t, y, n, j0, nj, s, dtotals, dquantities,
                          out, k);
    };
    if (nj <= 1)
      pass(std::integral_constant<std::size_t, 1>{});
    else if (nj <= 2)
      pass(std::integral_constant<std::size_t, 2>{});
    else if (nj <= 3)
      pass(std::integral_constant<std::size_t, 3>{});
    else if (nj <= 4)
      pass(std::integral_constant<std::size_t, 4>{});
    else if (nj <= 6)
      pass(std::integral_constant<std::size_t, 6>{});
    else
      pass(std::integral_constant<std::size_t, 8>{});
  }
}

void MechanisticDirectional::rates_at(const MechanisticModel& copy, MechanisticModel& nominal,
                                      double t, const double* y, double* ydot,
                                      double* chemistry_totals) {
  if (copy.n_states_ != nominal.n_states_ ||
      copy.chemistry().phase_count() != nominal.chemistry().phase_count())
    throw std::invalid_argument("MechanisticDirectional::rates_at: models of different set-ups");
  nominal.evaluate_chemistry(t, y);
  std::array<double, kMaxPhases + 2> q{};
  quantities(nominal.chem_, nominal.chemistry().phase_count(), q.data());
  copy.rates(t, y, q.data(), ydot);
  copy.chemistry_totals(t, y, chemistry_totals);
}

}  // namespace calcikin::kinetics
