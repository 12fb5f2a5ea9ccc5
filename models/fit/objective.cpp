#include "models/fit/objective.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/api/simulation.hpp"
#include "models/fit/condition_sensitivity.hpp"
#include "models/kinetics/mechanistic_model.hpp"
#include "solver/input/input_error.hpp"

namespace calcikin::fit {

namespace {

const std::vector<std::string> kElements = {"Ca", "Mg", "P"};

std::size_t prior_count(const CalibrationProblem& p) {
  std::size_t n = 0;
  for (const FitParameter& f : p.parameters)
    if (f.prior == PriorKind::Normal || f.prior == PriorKind::LogNormal) ++n;
  return n;
}

// The share of phase `phase` in the solid phosphate at one output time, from that time's
// solid_element row (phases x Ca, Mg, P) and its dissolved phosphate: max(P_l, 0) / sum_k max(P_k,
// 0), the definition of final_phase_fraction. NaN when the solids hold less than 1e-9 of the
// phosphate (no solid yet: the share is undefined, and the evaluation fails as for
// final_phase_fraction).
constexpr std::size_t kP = 2;  // Ca, Mg, P
double phase_share(const double* solid, std::size_t phases, std::size_t phase,
                   double dissolved_p) noexcept {
  double total = 0.0;
  for (std::size_t l = 0; l < phases; ++l) total += std::max(solid[3 * l + kP], 0.0);
  if (!(total > 1e-9 * (total + std::max(dissolved_p, 0.0))))
    return std::numeric_limits<double>::quiet_NaN();
  return std::max(solid[3 * phase + kP], 0.0) / total;
}

// The residuals of every measurement and prior from the conditions' records.
// dr_dm (per measurement) and dr_df (per measurement, kMaxShares each: categorical) receive the
// residuals' derivatives with respect to the simulated values when given.
constexpr std::size_t kMaxShares = 8;
void residuals_from_records(const PreparedFit& fit, const std::vector<io::RunRecord>& records,
                            const std::vector<double>& theta, double* r, double* simulated,
                            double* constants, double* dr_dm = nullptr, double* dr_df = nullptr) {
  const CalibrationProblem& p = fit.problem();
  for (std::size_t c = 0; c < fit.conditions().size(); ++c) {
    const PreparedFit::ConditionPlan& plan = fit.conditions()[c];
    const io::RunRecord& rec = records[c];
    for (std::size_t k = 0; k < plan.measurements.size(); ++k) {
      const std::size_t mi = plan.measurements[k];
      const Measurement& m = p.measurements[mi];
      const Observable& o = p.observables[m.observable];
      const PreparedFit::ConditionPlan::Access& a = plan.access[k];
      const double* v = rec.data(a.variable) + a.offset;
      Residual res;
      double sim = v[0];
      switch (o.kind) {
        case ObservableKind::T50:
        case ObservableKind::InductionTime: {
          // Not reached by time.end: the model says "later than time.end"; a lognormal datum
          // costs at least as much as at time.end, a censored one as if the event came then.
          if (!std::isfinite(sim)) sim = plan.time_end;
          const bool reached = std::isfinite(v[0]);
          res = m.censored ? censored_residual(sim, m.value, m.sigma)
                           : lognormal_residual(sim, m.value, m.sigma);
          if (o.noise == NoiseModel::Normal) res = normal_residual(sim, m.value, m.sigma);
          if (!reached) res.dr_dm = 0.0;  // flat beyond time.end
          break;
        }
        case ObservableKind::FinalPhase: {
          double shares[kMaxShares];
          const std::size_t n = std::min<std::size_t>(a.count, kMaxShares);
          bool any = false;
          for (std::size_t l = 0; l < n; ++l) {
            shares[l] = std::isfinite(v[l]) ? v[l] : 0.0;
            any = any || shares[l] > 0.0;
          }
          if (!any)
            for (std::size_t l = 0; l < n; ++l) shares[l] = 1.0 / static_cast<double>(n);
          const auto obs = static_cast<std::size_t>(m.value);
          res = categorical_residual(shares, n, obs, o.temperature,
                                     dr_df != nullptr ? dr_df + mi * kMaxShares : nullptr);
          if (!any && dr_df != nullptr)
            for (std::size_t l = 0; l < n; ++l) dr_df[mi * kMaxShares + l] = 0.0;
          sim = std::exp(-0.5 * res.r * res.r);
          break;
        }
        default:
          if (a.phase != PreparedFit::ConditionPlan::Access::kNoPhase)
            sim = phase_share(v, a.count, a.phase, rec.data(a.dissolved_variable)[a.dissolved]);
          res = o.noise == NoiseModel::LogNormal ? lognormal_residual(sim, m.value, m.sigma)
                                                 : normal_residual(sim, m.value, m.sigma);
          break;
      }
      r[mi] = res.r;
      if (dr_dm != nullptr) dr_dm[mi] = res.dr_dm;
      if (simulated != nullptr) simulated[mi] = sim;
      if (constants != nullptr) constants[mi] = res.constant;
    }
  }
  std::size_t row = p.measurements.size();
  for (std::size_t j = 0; j < p.parameters.size(); ++j) {
    const FitParameter& f = p.parameters[j];
    if (f.prior == PriorKind::Normal) {
      const Residual res = normal_residual(theta[j], f.prior_a, f.prior_b);
      r[row] = res.r;
      if (constants != nullptr) constants[row] = res.constant;
      ++row;
    } else if (f.prior == PriorKind::LogNormal) {
      const Residual res = lognormal_residual(theta[j], f.prior_a, f.prior_b);
      r[row] = res.r;
      if (constants != nullptr) constants[row] = res.constant;
      ++row;
    }
  }
}

class FitObjective final : public optimize::ResidualProblem {
 public:
  // fast_jacobian: sensitivities without their own error control
  // (FitSettings::fast_iteration_jacobian).
  FitObjective(const PreparedFit& fit, double fd_step, bool sensitivities,
               bool fast_jacobian = false)
      : fit_(fit), h_(fd_step), use_sensitivities_(sensitivities), fast_jacobian_(fast_jacobian) {
    for (const PreparedFit::ConditionPlan& c : fit.conditions()) {
      evaluators_.push_back(std::make_unique<api::TrajectoryEvaluator>(*c.simulation));
      inputs_.push_back(c.simulation->base_inputs());
      records_.emplace_back(c.simulation->layout());
    }
    theta_.resize(fit.parameter_count());
    xw_.resize(fit.parameter_count());
    rp_.resize(fit.residual_count());
    rm_.resize(fit.residual_count());
    dr_dm_.resize(fit.problem().measurements.size());
    dr_df_.resize(fit.problem().measurements.size() * kMaxShares);
    sensitivity_.resize(fit.conditions().size());
    scratch_.resize(fit.conditions().size());
    last_x_.resize(fit.parameter_count());
    last_r_.resize(fit.residual_count());
  }
  std::size_t parameter_count() const override { return fit_.parameter_count(); }
  std::size_t residual_count() const override { return fit_.residual_count(); }

  void set_threads(int threads) override { threads_ = std::max(1, threads); }

  bool evaluate(const double* x, double* r, double* J) override {
    const std::size_t n = parameter_count(), m = residual_count();
    // The optimiser asks for the Jacobian at a point whose residuals it has just evaluated (an
    // accepted step): the residuals of the last point are kept (and the sensitivities need the
    // dr/dm of that point, which residuals() leaves behind).
    if (use_sensitivities_ && last_valid_ && std::equal(x, x + n, last_x_.begin())) {
      std::copy(last_r_.begin(), last_r_.end(), r);
    } else {
      last_valid_ = false;
      if (!residuals(x, r)) return false;
      std::copy(x, x + n, last_x_.begin());
      std::copy(r, r + m, last_r_.begin());
      last_valid_ = true;
    }
    if (J == nullptr) return true;
    if (use_sensitivities_) return sensitivity_jacobian(x, J);
    last_valid_ = false;  // the differences below overwrite dr/dm
    std::copy(x, x + n, xw_.begin());
    for (std::size_t j = 0; j < n; ++j) {
      // Central differences inside the bounds (one-sided at a bound).
      const double lo = fit_.lower()[j], hi = fit_.upper()[j];
      double xp = std::min(x[j] + h_, hi), xm = std::max(x[j] - h_, lo);
      xw_[j] = xp;
      if (!residuals(xw_.data(), rp_.data())) return false;
      xw_[j] = xm;
      if (!residuals(xw_.data(), rm_.data())) return false;
      xw_[j] = x[j];
      for (std::size_t i = 0; i < m; ++i) J[i * n + j] = (rp_[i] - rm_[i]) / (xp - xm);
    }
    return true;
  }

  // One pass over the conditions: false when a simulation failed.
  bool residuals(const double* x, double* r) {
    const CalibrationProblem& p = fit_.problem();
    for (std::size_t j = 0; j < p.parameters.size(); ++j)
      theta_[j] = from_scaled(p.parameters[j], x[j]);
    // Every condition runs (also after a failure), each on its own evaluator, so the result does
    // not depend on the number of threads.
    int failed = 0;
    const long nc = static_cast<long>(evaluators_.size());
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1) \
    reduction(|                                                     \
              : failed) if (threads_ > 1)
    for (long ci = 0; ci < nc; ++ci) {
      const auto c = static_cast<std::size_t>(ci);
      const PreparedFit::ConditionPlan& plan = fit_.conditions()[c];
      inputs_[c] = plan.simulation->base_inputs();
      api::apply(plan.bindings, theta_.data(), inputs_[c]);
      records_[c].reset(0);
      evaluators_[c]->evaluate(inputs_[c], records_[c]);
      if (records_[c].status != io::RunStatus::Ok) failed |= 1;
    }
    if (failed != 0) return false;
    residuals_from_records(fit_, records_, theta_, r, nullptr, nullptr, dr_dm_.data(),
                           dr_df_.data());
    for (std::size_t i = 0; i < residual_count(); ++i)
      if (!std::isfinite(r[i])) return false;
    return true;
  }

  // J from forward sensitivities of every condition at x (after residuals(x)).
  bool sensitivity_jacobian(const double* x, double* J) {
    const CalibrationProblem& p = fit_.problem();
    const std::size_t n = parameter_count();
    std::fill(J, J + residual_count() * n, 0.0);
    int failed = 0;
    const long nc = static_cast<long>(fit_.conditions().size());
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1) \
    reduction(|                                                     \
              : failed) if (threads_ > 1)
    for (long c = 0; c < nc; ++c)
      if (!condition_jacobian(static_cast<std::size_t>(c), x, J)) failed |= 1;
    if (failed != 0) return false;
    // Priors: analytic.
    std::size_t row = p.measurements.size();
    for (std::size_t j = 0; j < n; ++j) {
      const FitParameter& f = p.parameters[j];
      const double theta = from_scaled(f, x[j]);
      const double dtheta = f.scale == Scale::Log10 ? theta * std::log(10.0) : 1.0;
      if (f.prior == PriorKind::Normal) J[row++ * n + j] = dtheta / f.prior_b;
      if (f.prior == PriorKind::LogNormal) J[row++ * n + j] = dtheta / (theta * f.prior_b);
    }
    for (std::size_t i = 0; i < residual_count() * n; ++i)
      if (!std::isfinite(J[i])) return false;
    return true;
  }

  // The Jacobian rows of condition c's measurements (each condition writes only its own rows and
  // its own scratch: the conditions run in parallel).
  bool condition_jacobian(std::size_t c, const double* x, double* J) {
    const CalibrationProblem& p = fit_.problem();
    const std::size_t n = parameter_count();
    const PreparedFit::ConditionPlan& plan = fit_.conditions()[c];
    Scratch& sc = scratch_[c];
    if (!sensitivity_[c])
      sensitivity_[c] =
          std::make_unique<ConditionSensitivity>(*plan.simulation, plan.bindings, p.parameters, h_);
    ConditionSensitivity& cs = *sensitivity_[c];
    cs.set_sensitivity_tolerance_factor(p.settings.sensitivity_tolerance_factor);
    cs.set_error_control(!fast_jacobian_);
    // residuals(x) has just built this condition's model at x: the sensitivity run starts from
    // that set-up (one speciation and ACP equilibration fewer).
    if (!cs.run(x, evaluators_[c].get())) return false;
    const std::size_t nphase = plan.simulation->phases().size();
    const std::size_t nout = cs.output_count();
    sc.observed.assign(nout, 0);
    sc.values.resize(nout);
    sc.derivatives.resize(nout);
    auto observation = [&](std::size_t k) {
      if (!sc.observed[k]) {
        cs.observe(k, sc.values[k], sc.derivatives[k]);
        sc.observed[k] = 1;
      }
    };
    for (std::size_t q = 0; q < plan.measurements.size(); ++q) {
      const std::size_t mi = plan.measurements[q];
      const Measurement& m = p.measurements[mi];
      const Observable& o = p.observables[m.observable];
      const PreparedFit::ConditionPlan::Access& a = plan.access[q];
      double* row = J + mi * n;
      switch (o.kind) {
        case ObservableKind::T50:
        case ObservableKind::InductionTime: {
          const auto* e = cs.event(o.kind == ObservableKind::T50 ? 1 : 0);
          if (e == nullptr) break;
          for (std::size_t j = 0; j < n; ++j) row[j] = dr_dm_[mi] * e->dt_dp[j];
          break;
        }
        case ObservableKind::TimeSeries: {
          if (a.phase != PreparedFit::ConditionPlan::Access::kNoPhase) {
            // The share P_l / sum_k P_k at the measured time: quotient rule on the sensitivities
            // of the phases' solid phosphate (negative amounts count as 0, as in the value).
            const std::size_t k = a.offset / (3 * nphase);
            observation(k);
            const kinetics::Observation& v = sc.values[k];
            double total = 0.0;
            for (std::size_t l = 0; l < nphase; ++l)
              total += std::max(v.solid[l][kinetics::kP], 0.0);
            if (!(total > 0.0)) break;
            const double pl = std::max(v.solid[a.phase][kinetics::kP], 0.0);
            for (std::size_t j = 0; j < n; ++j) {
              const kinetics::Observation& d = sc.derivatives[k][j];
              double dtotal = 0.0;
              for (std::size_t l = 0; l < nphase; ++l)
                dtotal += v.solid[l][kinetics::kP] > 0.0 ? d.solid[l][kinetics::kP] : 0.0;
              const double dpl =
                  v.solid[a.phase][kinetics::kP] > 0.0 ? d.solid[a.phase][kinetics::kP] : 0.0;
              row[j] = dr_dm_[mi] * (dpl * total - pl * dtotal) / (total * total);
            }
            break;
          }
          const std::size_t width = o.variable == "dissolved_total" ? 3
                                    : o.selector.empty()            ? 1
                                                                    : nphase;
          const std::size_t k = a.offset / width, sel = a.offset % width;
          observation(k);
          for (std::size_t j = 0; j < n; ++j)
            row[j] = dr_dm_[mi] * derivative_of(o, sc.values[k], sc.derivatives[k][j], sel);
          break;
        }
        case ObservableKind::FinalShare:
        case ObservableKind::FinalPhase: {
          const std::size_t k = nout - 1;
          observation(k);
          const kinetics::Observation& v = sc.values[k];
          double total = 0.0;
          for (std::size_t l = 0; l < nphase; ++l) total += std::max(v.solid[l][kinetics::kP], 0.0);
          if (!(total > 0.0)) break;
          for (std::size_t j = 0; j < n; ++j) {
            const kinetics::Observation& d = sc.derivatives[k][j];
            double dtotal = 0.0;
            for (std::size_t l = 0; l < nphase; ++l)
              dtotal += v.solid[l][kinetics::kP] > 0.0 ? d.solid[l][kinetics::kP] : 0.0;
            auto dshare = [&](std::size_t l) {
              const double pl = std::max(v.solid[l][kinetics::kP], 0.0);
              const double dpl = v.solid[l][kinetics::kP] > 0.0 ? d.solid[l][kinetics::kP] : 0.0;
              return (dpl * total - pl * dtotal) / (total * total);
            };
            if (o.kind == ObservableKind::FinalShare) {
              row[j] = dr_dm_[mi] * dshare(a.offset);
            } else {
              double sum = 0.0;
              for (std::size_t l = 0; l < nphase && l < kMaxShares; ++l)
                sum += dr_df_[mi * kMaxShares + l] * dshare(l);
              row[j] = sum;
            }
          }
          break;
        }
      }
    }
    return true;
  }

  // d(simulated value)/dx_j of a time-series observable from the observation's derivative.
  static double derivative_of(const Observable& o, const kinetics::Observation& v,
                              const kinetics::Observation& d, std::size_t sel) {
    if (o.variable == "pH") return d.pH;
    if (o.variable == "free_calcium_activity")
      return std::log(10.0) * std::pow(10.0, v.log10_activity_ca) * d.log10_activity_ca;
    if (o.variable == "crystalline_fraction") return d.crystalline_fraction;
    if (o.variable == "dissolved_total") return d.dissolved[sel];
    if (o.variable == "phase_amount") return d.amount[sel];
    if (o.variable == "mean_radius") return d.mean_radius[sel];
    if (o.variable == "saturation_index") return d.saturation_index[sel];
    return 0.0;
  }

  std::vector<io::RunRecord>& records() { return records_; }
  const std::vector<double>& theta() const { return theta_; }

 private:
  const PreparedFit& fit_;
  double h_;
  std::vector<std::unique_ptr<api::TrajectoryEvaluator>> evaluators_;
  std::vector<api::PointInputs> inputs_;
  std::vector<io::RunRecord> records_;
  std::vector<double> theta_, xw_, rp_, rm_;
  bool use_sensitivities_ = true;
  bool fast_jacobian_ = false;
  std::vector<double> dr_dm_, dr_df_;
  std::vector<std::unique_ptr<ConditionSensitivity>> sensitivity_;
  struct Scratch {  // per condition: the observations at its outputs and their derivatives
    std::vector<char> observed;
    std::vector<kinetics::Observation> values;
    std::vector<std::vector<kinetics::Observation>> derivatives;
  };
  std::vector<Scratch> scratch_;
  int threads_ = 1;                      // conditions in parallel within one evaluation
  std::vector<double> last_x_, last_r_;  // the last point whose residuals were evaluated
  bool last_valid_ = false;
};

[[noreturn]] void fail_in_problem(const CalibrationProblem& p, const input::SourceLocation& where,
                                  const std::string& key, const std::string& problem,
                                  const std::string& hint = {}) {
  std::string line;
  int n = 1;
  std::size_t start = 0;
  while (n < where.line && start != std::string::npos) {
    start = p.source_text.find('\n', start);
    if (start != std::string::npos) ++start;
    ++n;
  }
  if (start != std::string::npos)
    line = p.source_text.substr(start, p.source_text.find('\n', start) - start);
  throw input::InputError(where, key, problem, line, hint);
}

}  // namespace

std::shared_ptr<const PreparedFit> PreparedFit::prepare(CalibrationProblem problem) {
  std::shared_ptr<PreparedFit> fit(new PreparedFit());
  fit->problem_ = std::move(problem);
  CalibrationProblem& p = fit->problem_;
  for (const FitParameter& f : p.parameters) {
    fit->lower_.push_back(to_scaled(f, f.lower));
    fit->upper_.push_back(to_scaled(f, f.upper));
    fit->nominal_.push_back(
        std::clamp(to_scaled(f, f.nominal), fit->lower_.back(), fit->upper_.back()));
  }
  fit->residual_count_ = p.measurements.size() + prior_count(p);

  for (std::size_t c = 0; c < p.conditions.size(); ++c) {
    Condition& cond = p.conditions[c];
    ConditionPlan plan;
    for (std::size_t i = 0; i < p.measurements.size(); ++i)
      if (p.measurements[i].condition == c) plan.measurements.push_back(i);
    // Output times: the measured times (the events do not depend on them).
    std::vector<double> times;
    for (std::size_t i : plan.measurements) {
      const Measurement& m = p.measurements[i];
      if (p.observables[m.observable].kind == ObservableKind::TimeSeries) times.push_back(m.time);
    }
    times.push_back(cond.scenario.time.end);
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    scenario::Scenario s = cond.scenario;
    s.time.grid = scenario::TimeGrid::List;
    s.time.list = times;
    s.output.time_series = scenario::TimeSeriesMode::All;
    s.solver.rtol = std::min(s.solver.rtol, p.settings.rtol);
    // Every fitted path is resolved and bound once, by prepare (thermodynamic offsets get their
    // slot there).
    std::vector<api::BoundPath> fitted;
    for (const FitParameter& f : p.parameters) fitted.push_back({f.path, f.where});
    plan.simulation = api::Simulation::prepare(std::move(s), fitted);
    plan.bindings = plan.simulation->fitted_bindings();
    plan.time_end = cond.scenario.time.end;
    const io::RunLayout& L = plan.simulation->layout();
    const std::vector<std::string>& phases = plan.simulation->phases();
    const std::vector<double>& out_times = plan.simulation->output_times();
    for (std::size_t i : plan.measurements) {
      const Measurement& m = p.measurements[i];
      const Observable& o = p.observables[m.observable];
      ConditionPlan::Access a;
      auto phase_index = [&](const std::string& ph) {
        const auto it = std::find(phases.begin(), phases.end(), ph);
        if (it == phases.end())
          fail_in_problem(
              p, o.where, "observables." + o.id,
              "condition '" + cond.id + "' has no phase '" + ph + "'", "its phases: " + [&] {
                std::string s2;
                for (const auto& x : phases) s2 += (s2.empty() ? "" : ", ") + x;
                return s2;
              }());
        return static_cast<std::size_t>(it - phases.begin());
      };
      switch (o.kind) {
        case ObservableKind::T50:
          a.variable = L.variable_index("t50");
          break;
        case ObservableKind::InductionTime:
          a.variable = L.variable_index("induction_time");
          break;
        case ObservableKind::FinalShare:
          a.variable = L.variable_index("final_phase_fraction");
          a.offset = phase_index(o.selector);
          break;
        case ObservableKind::FinalPhase:
          a.variable = L.variable_index("final_phase_fraction");
          a.count = phases.size();
          if (m.value >= 0) {
            // The class index in the problem's phase list -> this condition's phase index.
            const std::vector<std::string>& all = kinetics::kinetic_phase_names();
            const std::size_t idx = phase_index(all[static_cast<std::size_t>(m.value)]);
            p.measurements[i].value = static_cast<double>(idx);
          }
          break;
        case ObservableKind::TimeSeries: {
          const auto tk = static_cast<std::size_t>(
              std::lower_bound(out_times.begin(), out_times.end(), m.time) - out_times.begin());
          if (o.variable == "phase_fraction") {
            a.variable = L.variable_index("solid_element");
            a.offset = tk * phases.size() * 3;
            a.count = phases.size();
            a.phase = phase_index(o.selector);
            a.dissolved_variable = L.variable_index("dissolved_total");
            a.dissolved = tk * 3 + kP;
            break;
          }
          a.variable = L.variable_index(o.variable);
          if (o.variable == "dissolved_total") {
            const auto e = static_cast<std::size_t>(
                std::find(kElements.begin(), kElements.end(), o.selector) - kElements.begin());
            a.offset = tk * 3 + e;
          } else if (!o.selector.empty()) {
            a.offset = tk * phases.size() + phase_index(o.selector);
          } else {
            a.offset = tk;
          }
          break;
        }
      }
      plan.access.push_back(a);
    }
    fit->conditions_.push_back(std::move(plan));
  }
  return fit;
}

std::unique_ptr<optimize::ResidualProblem> PreparedFit::make_objective(
    double fd_step, std::optional<FitSettings::Gradient> gradient, bool iterating) const {
  const FitSettings::Gradient g = gradient.value_or(problem_.settings.gradient);
  return std::make_unique<FitObjective>(*this, fd_step, g == FitSettings::Gradient::Sensitivities,
                                        iterating && problem_.settings.fast_iteration_jacobian);
}

optimize::ProblemFactory PreparedFit::factory(double fd_step,
                                              std::optional<FitSettings::Gradient> gradient) const {
  return [this, fd_step, gradient] { return make_objective(fd_step, gradient); };
}

Prediction PreparedFit::predict(const std::vector<double>& x) const {
  FitObjective obj(*this, 1e-4, false);
  Prediction out;
  out.residuals.assign(residual_count_, std::numeric_limits<double>::quiet_NaN());
  out.constants.assign(residual_count_, 0.0);
  out.simulated.assign(problem_.measurements.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<double> theta(parameter_count());
  for (std::size_t j = 0; j < theta.size(); ++j)
    theta[j] = from_scaled(problem_.parameters[j], x[j]);
  std::vector<io::RunRecord>& recs = obj.records();
  std::unique_ptr<optimize::ResidualProblem> keep;
  for (std::size_t c = 0; c < conditions_.size(); ++c) {
    api::TrajectoryEvaluator ev(*conditions_[c].simulation);
    api::PointInputs in = conditions_[c].simulation->base_inputs();
    api::apply(conditions_[c].bindings, theta.data(), in);
    recs[c].reset(0);
    ev.evaluate(in, recs[c]);
    out.failures.push_back(recs[c].status == io::RunStatus::Ok ? std::string() : recs[c].message);
    if (recs[c].status != io::RunStatus::Ok) out.ok = false;
  }
  residuals_from_records(*this, recs, theta, out.residuals.data(), out.simulated.data(),
                         out.constants.data());
  return out;
}

}  // namespace calcikin::fit
