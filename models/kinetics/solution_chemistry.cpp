#include "models/kinetics/solution_chemistry.hpp"

#include <algorithm>
#include <cmath>

namespace calcikin::kinetics {

void SolutionChemistry::sensitivities(const double* totals, const ChemistryResult& at,
                                      double* dq_dtotals) {
  const std::size_t m = phase_count();
  const std::size_t nq = quantity_count(m);
  std::array<double, kComponentCount> perturbed{};
  std::copy(totals, totals + kComponentCount, perturbed.begin());
  ChemistryResult r;
  const std::size_t components = free_pH() ? kComponentCount : kH;
  for (std::size_t k = 0; k < kComponentCount; ++k)
    for (std::size_t q = 0; q < nq; ++q) dq_dtotals[q * kComponentCount + k] = 0.0;
  for (std::size_t k = 0; k < components; ++k) {
    // Relative step sqrt(eps) on the total, with a floor for components that are (nearly) absent.
    const double h = std::sqrt(2.2e-16) * std::max(std::fabs(totals[k]), 1e-9);
    perturbed[k] = totals[k] + h;
    evaluate(perturbed.data(), r);
    perturbed[k] = totals[k];
    const double inv = 1.0 / h;
    for (std::size_t i = 0; i < m; ++i)
      dq_dtotals[i * kComponentCount + k] = (r.saturation_index[i] - at.saturation_index[i]) * inv;
    dq_dtotals[quantity_ca(m) * kComponentCount + k] =
        (r.log10_activity_ca - at.log10_activity_ca) * inv;
    dq_dtotals[quantity_mg(m) * kComponentCount + k] =
        (r.log10_activity_mg - at.log10_activity_mg) * inv;
  }
}

}  // namespace calcikin::kinetics
