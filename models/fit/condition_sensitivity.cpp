#include "models/fit/condition_sensitivity.hpp"

#include <algorithm>
#include <cmath>

#include "models/fit/problem.hpp"
#include "models/kinetics/observation.hpp"

namespace calcikin::fit {

// The OdeSystem of the nominal model plus df/dx from the perturbed copies.
class ConditionSensitivity::System final : public ode::SensitivitySystem {
 public:
  System(kinetics::KineticsModel& nominal, std::vector<kinetics::KineticsModel*> plus,
         std::vector<kinetics::KineticsModel*> minus, double delta)
      : m_(nominal),
        plus_(std::move(plus)),
        minus_(std::move(minus)),
        delta_(delta),
        fp_(nominal.size()),
        fm_(nominal.size()),
        gp_(nominal.root_count()),
        gm_(nominal.root_count()) {}

  std::size_t size() const noexcept override { return m_.size(); }
  void rhs(double t, const double* y, double* ydot) override { m_.rhs(t, y, ydot); }
  bool has_jacobian() const noexcept override { return m_.has_jacobian(); }
  void jacobian(double t, const double* y, const double* f, ode::DenseMatrixView J) override {
    m_.jacobian(t, y, f, J);
  }
  std::size_t root_count() const noexcept override { return m_.root_count(); }
  void roots(double t, const double* y, double* g) override { m_.roots(t, y, g); }
  bool has_nonnegative_states() const noexcept override { return m_.has_nonnegative_states(); }
  void nonnegative_states(double* mask) const override { m_.nonnegative_states(mask); }
  void absolute_tolerances(double* atol) const override { m_.absolute_tolerances(atol); }
  std::string state_name(std::size_t i) const override { return m_.state_name(i); }

  std::size_t parameter_count() const noexcept override { return plus_.size(); }
  void parameter_jacobian(double t, const double* y, double* dfdp) override {
    const std::size_t n = size();
    for (std::size_t j = 0; j < plus_.size(); ++j) {
      plus_[j]->rhs(t, y, fp_.data());
      minus_[j]->rhs(t, y, fm_.data());
      for (std::size_t i = 0; i < n; ++i) dfdp[j * n + i] = (fp_[i] - fm_[i]) / (2.0 * delta_);
    }
  }
  void initial_sensitivities(double* s0) const override {
    const std::size_t n = m_.size();
    std::vector<double> a(n), b(n);
    for (std::size_t j = 0; j < plus_.size(); ++j) {
      plus_[j]->initial_state(a.data());
      minus_[j]->initial_state(b.data());
      for (std::size_t i = 0; i < n; ++i) s0[j * n + i] = (a[i] - b[i]) / (2.0 * delta_);
    }
  }
  void root_gradient(std::size_t i, double t, const double* y, double* dgdy, double* dgdt,
                     double* dgdp) override {
    ode::SensitivitySystem::root_gradient(i, t, y, dgdy, dgdt, dgdp);
    for (std::size_t j = 0; j < plus_.size(); ++j) {
      plus_[j]->roots(t, y, gp_.data());
      minus_[j]->roots(t, y, gm_.data());
      dgdp[j] = (gp_[i] - gm_[i]) / (2.0 * delta_);
    }
  }

 private:
  kinetics::KineticsModel& m_;
  std::vector<kinetics::KineticsModel*> plus_, minus_;
  double delta_;
  std::vector<double> fp_, fm_, gp_, gm_;
};

ConditionSensitivity::ConditionSensitivity(const api::Simulation& simulation,
                                           const std::vector<api::ParameterBinding>& bindings,
                                           const std::vector<FitParameter>& parameters,
                                           double delta)
    : sim_(simulation),
      bindings_(bindings),
      parameters_(parameters),
      delta_(delta),
      nominal_(simulation),
      in_(simulation.base_inputs()),
      in_p_(simulation.base_inputs()),
      in_m_(simulation.base_inputs()) {
  for (std::size_t j = 0; j < bindings.size(); ++j) {
    plus_.push_back(std::make_unique<api::TrajectoryEvaluator>(simulation));
    minus_.push_back(std::make_unique<api::TrajectoryEvaluator>(simulation));
  }
  x_.resize(bindings.size());
}

ConditionSensitivity::~ConditionSensitivity() = default;

bool ConditionSensitivity::run(const double* x) {
  try {
    const std::size_t np = bindings_.size();
    model_ = nullptr;
    in_ = sim_.base_inputs();
    for (std::size_t j = 0; j < np; ++j) {
      x_[j] = x[j];
      bindings_[j].apply(in_, from_scaled(parameters_[j], x[j]));
    }
    kinetics::KineticsModel& m = nominal_.build_model(in_);
    mp_.assign(np, nullptr);
    mm_.assign(np, nullptr);
    for (std::size_t j = 0; j < np; ++j) {
      in_p_ = in_;
      in_m_ = in_;
      bindings_[j].apply(in_p_, from_scaled(parameters_[j], x[j] + delta_));
      bindings_[j].apply(in_m_, from_scaled(parameters_[j], x[j] - delta_));
      mp_[j] = &plus_[j]->build_model(in_p_);
      mm_[j] = &minus_[j]->build_model(in_m_);
      if (mp_[j]->size() != m.size() || mm_[j]->size() != m.size()) return false;
    }
    model_ = &m;
    system_ = std::make_unique<System>(m, mp_, mm_, delta_);
    std::vector<double> y0(m.size());
    m.initial_state(y0.data());
    ode::SensitivityOptions opt;
    opt.integrator = sim_.integrator_options(in_);
    result_ = integrator_.integrate(*system_, 0.0, y0.data(), sim_.output_times(), opt);
    return result_.status != ode::IntegrationStatus::Failed &&
           result_.times.size() == sim_.output_times().size();
  } catch (const std::exception&) {
    return false;
  }
}

const ode::SensitivityResult::Event* ConditionSensitivity::event(std::size_t root) const noexcept {
  for (const auto& e : result_.events)
    if (e.root == root && e.direction > 0) return &e;
  return nullptr;
}

void ConditionSensitivity::observe(std::size_t k, kinetics::Observation& value,
                                   std::vector<kinetics::Observation>& derivative) {
  const std::size_t n = result_.n, np = result_.np;
  const double t = result_.times[k];
  const double* y = result_.y.data() + k * n;
  model_->observe(t, y, value);
  derivative.resize(np);
  yw_.resize(n);
  kinetics::Observation op, om;
  for (std::size_t j = 0; j < np; ++j) {
    const double* s = result_.s.data() + (k * np + j) * n;
    for (std::size_t i = 0; i < n; ++i) yw_[i] = y[i] + delta_ * s[i];
    mp_[j]->observe(t, yw_.data(), op);
    for (std::size_t i = 0; i < n; ++i) yw_[i] = y[i] - delta_ * s[i];
    mm_[j]->observe(t, yw_.data(), om);
    kinetics::Observation& d = derivative[j];
    d = value;
    const double h2 = 2.0 * delta_;
    for (std::size_t p = 0; p < value.phase_count; ++p) {
      d.amount[p] = (op.amount[p] - om.amount[p]) / h2;
      d.mean_radius[p] = (op.mean_radius[p] - om.mean_radius[p]) / h2;
      d.saturation_index[p] = (op.saturation_index[p] - om.saturation_index[p]) / h2;
      for (std::size_t e = 0; e < kinetics::kComponentCount; ++e)
        d.solid[p][e] = (op.solid[p][e] - om.solid[p][e]) / h2;
    }
    for (std::size_t e = 0; e < kinetics::kComponentCount; ++e)
      d.dissolved[e] = (op.dissolved[e] - om.dissolved[e]) / h2;
    d.crystalline_fraction = (op.crystalline_fraction - om.crystalline_fraction) / h2;
    d.pH = (op.pH - om.pH) / h2;
    d.log10_activity_ca = (op.log10_activity_ca - om.log10_activity_ca) / h2;
  }
}

}  // namespace calcikin::fit
