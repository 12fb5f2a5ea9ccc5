// Newton solver behaviour: cold and warm starts, charge balance, free pH, sensitivities, failures,
// temperature range and no allocation inside solve().
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "allocation_counter.hpp"
#include "models/thermo/thermo.hpp"

using namespace calcikin::thermo;

namespace {
const std::vector<std::string> kElements = {"Ca", "Mg", "P", "Na", "K", "Cl", "C(4)", "S(6)"};
constexpr double kSbf[8] = {2.5e-3, 1.5e-3, 1.0e-3, 0.142, 5e-3, 0.1478, 4.2e-3, 0.5e-3};

std::shared_ptr<const ChemicalSystem> sbf_system() {
  return ChemicalSystem::create(builtin_database(), kElements);
}

double mass_balance(const Speciator& sp, std::size_t element) {
  double t = 0.0;
  for (std::size_t j = 0; j < sp.system().num_species(); ++j)
    t += sp.system().species_element_coefficient(j, element) * sp.molality(j);
  return t;
}
}  // namespace

TEST(Speciator, ColdStartConvergesAndSatisfiesMassBalances) {
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  const SpeciationStatus st = sp.solve_fixed_pH(kSbf, 7.4);
  ASSERT_TRUE(st.converged);
  EXPECT_LT(st.iterations, 20);
  EXPECT_LT(st.residual, 1e-12);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_NEAR(mass_balance(sp, i) / kSbf[i], 1.0, 1e-12) << i;
  EXPECT_NEAR(sp.pH(), 7.4, 1e-14);
  // I is consistent with the species
  double I = 0.0;
  for (std::size_t j = 0; j < sp.system().num_species(); ++j)
    I += 0.5 * std::pow(sp.system().species_charge(j), 2) * sp.molality(j);
  EXPECT_NEAR(sp.ionic_strength(), I, 1e-14);
  // PHREEQC's water activity
  double sum = 0.0;
  for (std::size_t j = 0; j < sp.system().num_species(); ++j) sum += sp.molality(j);
  EXPECT_NEAR(sp.activity_water(), 1.0 - 0.017 * sum, 1e-14);
}

TEST(Speciator, WarmStartNeedsFewerIterationsAndGivesTheSameAnswer) {
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  ASSERT_TRUE(sp.solve_fixed_pH(kSbf, 7.4).converged);
  const double si_cold = sp.saturation_index(0);
  double nearby[8];
  for (int i = 0; i < 8; ++i) nearby[i] = kSbf[i] * 1.01;
  const SpeciationStatus warm = sp.solve_fixed_pH(nearby, 7.41);
  ASSERT_TRUE(warm.converged);
  Speciator fresh(sbf_system());
  fresh.set_temperature(310.15);
  const SpeciationStatus cold = fresh.solve_fixed_pH(nearby, 7.41);
  ASSERT_TRUE(cold.converged);
  EXPECT_LT(warm.iterations, cold.iterations);
  for (std::size_t p = 0; p < fresh.system().num_phases(); ++p)
    EXPECT_NEAR(sp.saturation_index(p), fresh.saturation_index(p), 1e-10);
  EXPECT_NE(si_cold, sp.saturation_index(0));
}

TEST(Speciator, ChargeBalanceMakesTheSolutionNeutral) {
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  double cl = 0.0;
  ASSERT_TRUE(sp.solve_charge_balance(kSbf, 7.4, 5, &cl).converged);
  EXPECT_NEAR(sp.charge_balance() / sp.ionic_strength(), 0.0, 1e-12);
  EXPECT_NEAR(cl, mass_balance(sp, 5), 1e-15);
  EXPECT_GT(cl, 0.14);
  EXPECT_LT(cl, 0.16);
  // the other totals are kept
  EXPECT_NEAR(mass_balance(sp, 0) / kSbf[0], 1.0, 1e-12);
}

TEST(Speciator, ImpossibleChargeBalanceIsReportedAsFailure) {
  // Cl- cannot balance an excess of anions: no sodium, 50 mM phosphate.
  Speciator sp(sbf_system());
  double totals[8] = {1e-3, 0, 50e-3, 0, 0, 1e-3, 0, 0};
  double cl = 0.0;
  const SpeciationStatus st = sp.solve_charge_balance(totals, 7.4, 5, &cl);
  EXPECT_FALSE(st.converged);
  EXPECT_GT(st.iterations, 0);
  EXPECT_GT(st.residual, 1e-6);
}

TEST(Speciator, TinyTotalsConvergeFromColdAndWarmStarts) {
  // An element that is nearly used up (1e-19 ... 1e-200 mol/kg) must not break the solve.
  for (double tiny : {1e-12, 1e-19, 1e-40, 1e-150}) {
    double totals[8];
    for (int i = 0; i < 8; ++i) totals[i] = kSbf[i];
    Speciator warm(sbf_system());
    warm.set_temperature(310.15);
    ASSERT_TRUE(warm.solve_fixed_pH(totals, 7.4).converged);
    totals[1] = tiny;  // Mg
    totals[2] = tiny;  // P
    Speciator cold(sbf_system());
    cold.set_temperature(310.15);
    EXPECT_TRUE(cold.solve_fixed_pH(totals, 7.4).converged) << tiny;
    EXPECT_TRUE(warm.solve_fixed_pH(totals, 7.4).converged) << tiny;
    EXPECT_NEAR(mass_balance(cold, 1) / tiny, 1.0, 1e-10) << tiny;
    EXPECT_NEAR(mass_balance(warm, 2) / tiny, 1.0, 1e-10) << tiny;
  }
}

TEST(Speciator, RecoversAfterAFailedSolve) {
  Speciator sp(sbf_system());
  double impossible[8] = {1e-3, 0, 50e-3, 0, 0, 1e-3, 0, 0};
  double cl = 0.0;
  ASSERT_FALSE(sp.solve_charge_balance(impossible, 7.4, 5, &cl).converged);
  const SpeciationStatus st = sp.solve_charge_balance(kSbf, 7.4, 5, &cl);
  EXPECT_TRUE(st.converged);
  EXPECT_NEAR(sp.charge_balance(), 0.0, 1e-14);
}

TEST(Speciator, NegativeOrNanTotalIsReportedAsFailure) {
  Speciator sp(sbf_system());
  double totals[8];
  for (int i = 0; i < 8; ++i) totals[i] = kSbf[i];
  totals[1] = -1e-3;
  EXPECT_FALSE(sp.solve_fixed_pH(totals, 7.4).converged);
  totals[1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(sp.solve_fixed_pH(totals, 7.4).converged);
  totals[1] = kSbf[1];
  EXPECT_TRUE(sp.solve_fixed_pH(totals, 7.4).converged);  // recovers afterwards
}

TEST(Speciator, AbsentElementGivesMinusInfinitySaturation) {
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  double totals[8];
  for (int i = 0; i < 8; ++i) totals[i] = kSbf[i];
  totals[1] = 0.0;  // no Mg
  ASSERT_TRUE(sp.solve_fixed_pH(totals, 7.4).converged);
  const auto& sys = sp.system();
  EXPECT_TRUE(std::isinf(sp.saturation_index(static_cast<std::size_t>(sys.phase_index("WH")))));
  EXPECT_TRUE(std::isfinite(sp.saturation_index(static_cast<std::size_t>(sys.phase_index("HAP")))));
  EXPECT_EQ(sp.molality(static_cast<std::size_t>(sys.species_index("MgHPO4"))), 0.0);
}

TEST(Speciator, FreePhFromProtonBalanceReproducesFixedPh) {
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  ASSERT_TRUE(sp.solve_fixed_pH(kSbf, 6.8).converged);
  const double toth = sp.total_h();
  const double si = sp.saturation_index(0);
  Speciator free_ph(sbf_system());
  free_ph.set_temperature(310.15);
  const SpeciationStatus st = free_ph.solve_free_pH(kSbf, toth);
  ASSERT_TRUE(st.converged);
  EXPECT_NEAR(free_ph.pH(), 6.8, 1e-9);
  EXPECT_NEAR(free_ph.saturation_index(0), si, 1e-8);
}

TEST(Speciator, SaturationSensitivitiesMatchFiniteDifferences) {
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  ASSERT_TRUE(sp.solve_fixed_pH(kSbf, 7.4).converged);
  const auto& sys = sp.system();
  for (const char* phase : {"HAP", "WH", "DCPD", "calcite"}) {
    const std::size_t p = static_cast<std::size_t>(sys.phase_index(phase));
    double analytic[8];
    sp.dsi_dtotals(p, analytic);
    for (std::size_t e = 0; e < 8; ++e) {
      double up[8], down[8];
      for (int i = 0; i < 8; ++i) up[i] = down[i] = kSbf[i];
      const double h = kSbf[e] * 1e-6;
      up[e] += h;
      down[e] -= h;
      Speciator a(sp.system_ptr()), b(sp.system_ptr());
      a.set_temperature(310.15);
      b.set_temperature(310.15);
      ASSERT_TRUE(a.solve_fixed_pH(up, 7.4).converged);
      ASSERT_TRUE(b.solve_fixed_pH(down, 7.4).converged);
      const double fd = (a.saturation_index(p) - b.saturation_index(p)) / (2 * h);
      EXPECT_NEAR(analytic[e], fd, 1e-5 * std::max(1.0, std::fabs(fd)))
          << phase << " d/d" << sys.element_name(e);
    }
  }
}

TEST(Speciator, TemperatureOutsideTheDatabaseRangeIsRejected) {
  Speciator sp(sbf_system());
  EXPECT_THROW(sp.set_temperature(273.15 + 80.0), std::out_of_range);
  EXPECT_NO_THROW(sp.set_temperature(273.15 + 60.0));
}

TEST(Speciator, PhaseLogKOffsetShiftsOnlyThatPhase) {
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  ASSERT_TRUE(sp.solve_fixed_pH(kSbf, 7.4).converged);
  const auto wh = static_cast<std::size_t>(sp.system().phase_index("WH"));
  const auto hap = static_cast<std::size_t>(sp.system().phase_index("HAP"));
  const double si_wh = sp.saturation_index(wh), si_hap = sp.saturation_index(hap);
  sp.set_phase_log_k_offset(wh, -10.0);  // dlogK_stab = -10 instead of the default -12
  EXPECT_NEAR(sp.saturation_index(wh), si_wh - 2.0, 1e-12);
  EXPECT_EQ(sp.saturation_index(hap), si_hap);
  EXPECT_NEAR(sp.mean_ion_saturation_ratio(hap), std::pow(10.0, si_hap / 9.0), 1e-9);
}

TEST(Speciator, SpeciesLogKOffsetSwitchesNaHPO4Constant) {
  // W1: phreeqc.dat's NaHPO4- (0.29 on the HPO4 basis) instead of minteq.v4's 1.07 raises SI_HAP by
  // about 0.36 in SBF (PHREEQC 3: 10.99 vs 10.63).
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  double cl = 0.0;
  ASSERT_TRUE(sp.solve_charge_balance(kSbf, 7.4, 5, &cl).converged);
  const auto hap = static_cast<std::size_t>(sp.system().phase_index("HAP"));
  sp.set_species_log_k_offset(static_cast<std::size_t>(sp.system().species_index("NaHPO4-")),
                              0.29 - 1.07);
  ASSERT_TRUE(sp.solve_charge_balance(kSbf, 7.4, 5, &cl).converged);
  EXPECT_NEAR(sp.saturation_index(hap), 10.99, 0.02);
}

TEST(Speciator, SolveAllocatesNothing) {
  Speciator sp(sbf_system());
  sp.set_temperature(310.15);
  double cl = 0.0, out[8], dt = 0.0;
  ASSERT_TRUE(sp.solve_fixed_pH(kSbf, 7.4).converged);
  const double toth = sp.total_h();
  sp.dsi_dtotals(0, out);
  const std::size_t before = calcikin::test::allocation_count();
  for (int k = 0; k < 20; ++k) {
    double t[8];
    for (int i = 0; i < 8; ++i) t[i] = kSbf[i] * (1.0 + 0.01 * k);
    ASSERT_TRUE(sp.solve_fixed_pH(t, 7.3 + 0.01 * k).converged);
    ASSERT_TRUE(sp.solve_charge_balance(t, 7.3, 5, &cl).converged);
    sp.dsi_dtotals(0, out);
    ASSERT_TRUE(sp.solve_fixed_pH(t, 7.3).converged);  // same pH: linear prediction
    sp.dsi_dinputs(0, out, &dt);
    sp.dlog_activity_dinputs(0, out, &dt);
    ASSERT_TRUE(sp.solve_free_pH(t, toth).converged);
    sp.dsi_dinputs(0, out, &dt);
    volatile double s = sp.saturation_index(0);
    (void)s;
  }
  sp.reset_initial_guess();
  ASSERT_TRUE(sp.solve_fixed_pH(kSbf, 7.4).converged);  // cold start too
  EXPECT_EQ(calcikin::test::allocation_count(), before);
}

TEST(Speciator, RandomSolutionsConvergeOverTheWholeRange) {
  // 400 random solutions: pH 3-12, 0-60 degC, totals 1e-9 ... 0.3 mol/kg (Mg sometimes 0): fixed pH
  // converges from cold and warm starts; a charge balance on Cl fails only when no positive Cl
  // total can balance the solution.
  auto system = sbf_system();
  Speciator warm(system);
  std::uint64_t state = 12345;
  auto uniform = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  for (int k = 0; k < 400; ++k) {
    double t[8];
    for (double& v : t) v = std::pow(10.0, -9.0 + 8.5 * uniform());
    if (uniform() < 0.2) t[1] = 0.0;
    const double pH = 3.0 + 9.0 * uniform();
    const double kelvin = 273.15 + 60.0 * uniform();
    Speciator cold(system);
    cold.set_temperature(kelvin);
    warm.set_temperature(kelvin);
    ASSERT_TRUE(cold.solve_fixed_pH(t, pH).converged) << k;
    ASSERT_TRUE(warm.solve_fixed_pH(t, pH).converged) << k;
    EXPECT_NEAR(warm.saturation_index(0), cold.saturation_index(0), 1e-9) << k;
    t[3] += 0.5;  // Na
    double cl = 0.0;
    Speciator cb(system);
    cb.set_temperature(kelvin);
    if (!cb.solve_charge_balance(t, pH, 5, &cl).converged) {
      double no_cl[8];
      for (int i = 0; i < 8; ++i) no_cl[i] = t[i];
      no_cl[5] = 0.0;
      ASSERT_TRUE(cold.solve_fixed_pH(no_cl, pH).converged);
      EXPECT_LT(cold.charge_balance(), 0.0)
          << "charge balance failed although Cl could balance, case " << k;
    }
  }
}

namespace {
// Central differences of (SI of phase, log10 a of species) with respect to total e (e < 8) or, for
// e == 8, to TOTH, by fresh solves at fixed pH (free_ph false) or from the proton balance.
void central_differences(const Speciator& at, bool free_ph, double pH_or_toth, std::size_t phase,
                         std::size_t species, std::size_t e, double* dsi, double* dla) {
  double up[8], down[8];
  for (int i = 0; i < 8; ++i) up[i] = down[i] = kSbf[i];
  double in_up = pH_or_toth, in_down = pH_or_toth;
  const double h = e < 8 ? kSbf[e] * 1e-6 : 1e-9;
  if (e < 8) {
    up[e] += h;
    down[e] -= h;
  } else {
    in_up += h;
    in_down -= h;
  }
  Speciator a(at.system_ptr()), b(at.system_ptr());
  a.set_temperature(at.temperature());
  b.set_temperature(at.temperature());
  ASSERT_TRUE((free_ph ? a.solve_free_pH(up, in_up) : a.solve_fixed_pH(up, in_up)).converged);
  ASSERT_TRUE(
      (free_ph ? b.solve_free_pH(down, in_down) : b.solve_fixed_pH(down, in_down)).converged);
  *dsi = (a.saturation_index(phase) - b.saturation_index(phase)) / (2 * h);
  *dla = (a.log10_activity(species) - b.log10_activity(species)) / (2 * h);
}
}  // namespace

TEST(Speciator, InputSensitivitiesMatchFiniteDifferencesAtFixedAndFreePH) {
  for (const bool free_ph : {false, true}) {
    Speciator sp(sbf_system());
    sp.set_temperature(310.15);
    ASSERT_TRUE(sp.solve_fixed_pH(kSbf, 7.4).converged);
    const double input = free_ph ? sp.total_h() : 7.4;
    if (free_ph) {
      ASSERT_TRUE(sp.solve_free_pH(kSbf, input).converged);
    }
    const auto& sys = sp.system();
    for (const char* phase : {"HAP", "WH"}) {
      for (const char* species : {"Ca+2", "Mg+2", "CaHPO4"}) {
        const auto p = static_cast<std::size_t>(sys.phase_index(phase));
        const auto j = static_cast<std::size_t>(sys.species_index(species));
        double dsi[8], dla[8], dsi_h = -1.0, dla_h = -1.0;
        sp.dsi_dinputs(p, dsi, &dsi_h);
        sp.dlog_activity_dinputs(j, dla, &dla_h);
        if (!free_ph) {
          EXPECT_EQ(dsi_h, 0.0);
          EXPECT_EQ(dla_h, 0.0);
        }
        for (std::size_t e = 0; e < (free_ph ? 9u : 8u); ++e) {
          double fd_si = 0.0, fd_la = 0.0;
          central_differences(sp, free_ph, input, p, j, e, &fd_si, &fd_la);
          const double an_si = e < 8 ? dsi[e] : dsi_h, an_la = e < 8 ? dla[e] : dla_h;
          EXPECT_NEAR(an_si, fd_si, 1e-5 * std::max(1.0, std::fabs(fd_si)))
              << phase << " input " << e << " " << free_ph;
          EXPECT_NEAR(an_la, fd_la, 1e-5 * std::max(1.0, std::fabs(fd_la)))
              << species << " input " << e << " " << free_ph;
        }
      }
    }
  }
}

TEST(Speciator, WarmStartsAlongAPathGiveTheColdStartAnswers) {
  // Consecutive solves at one pH (as inside an ODE right-hand side) start from the linear
  // prediction with the previous Newton matrix: same answers as cold starts, in one or two
  // iterations.
  Speciator warm(sbf_system());
  warm.set_temperature(310.15);
  double t[8];
  for (int i = 0; i < 8; ++i) t[i] = kSbf[i];
  ASSERT_TRUE(warm.solve_fixed_pH(t, 7.4).converged);
  for (int k = 1; k <= 30; ++k) {
    t[0] = kSbf[0] * (1.0 - 0.01 * k);  // Ca and P taken up by a solid
    t[2] = kSbf[2] * (1.0 - 0.006 * k);
    const SpeciationStatus st = warm.solve_fixed_pH(t, 7.4);
    ASSERT_TRUE(st.converged) << k;
    EXPECT_LE(st.iterations, 2) << k;
    Speciator cold(warm.system_ptr());
    cold.set_temperature(310.15);
    ASSERT_TRUE(cold.solve_fixed_pH(t, 7.4).converged);
    for (std::size_t p = 0; p < cold.system().num_phases(); ++p)
      EXPECT_NEAR(warm.saturation_index(p), cold.saturation_index(p), 1e-11) << k;
    EXPECT_NEAR(warm.ionic_strength(), cold.ionic_strength(), 1e-13 * cold.ionic_strength()) << k;
  }
}
