#include "models/fit/condition_sensitivity.hpp"

#include <algorithm>
#include <cmath>

#include "models/fit/problem.hpp"
#include "models/kinetics/autocatalytic_model.hpp"
#include "models/kinetics/mechanistic_directional.hpp"
#include "models/kinetics/observation.hpp"

namespace calcikin::fit {

// The OdeSystem of the nominal model plus df/dx from the perturbed copies.
class ConditionSensitivity::System final : public ode::SensitivitySystem {
 public:
  // `offset_quantity[j]`: for a phase's log K offset (a full set-up), the index of that phase's
  // saturation index among the nominal model's chemistry quantities (-1: the phase is not in the
  // model), and `offset_slope[j]` = d offset / d x_j; -2 for every other parameter.
  // `exact_slot[j]`: the KineticParameters slot of a kinetic parameter whose df/dx_j is exact (the
  // mechanistic model's dual pass, MechanisticModel::exact_parameter; the autocatalytic model's
  // d k0/dp, d k1/dp), -1 otherwise; `exact_slope[j]` = d p / d x_j.
  System(kinetics::KineticsModel& nominal, std::vector<kinetics::KineticsModel*> plus,
         std::vector<kinetics::KineticsModel*> minus, const std::vector<char>& full, double delta,
         bool directional, const std::vector<int>& offset_quantity,
         const std::vector<double>& offset_slope, std::vector<int> exact_slot,
         const std::vector<double>& exact_slope)
      : m_(nominal),
        plus_(std::move(plus)),
        minus_(std::move(minus)),
        full_(full),
        delta_(delta),
        fp_(nominal.size()),
        fm_(nominal.size()),
        gp_(nominal.root_count()),
        gm_(nominal.root_count()) {
    const std::size_t np = plus_.size();
    full_rhs_.assign(np, 0);
    if (directional) {
      mech_ = dynamic_cast<kinetics::MechanisticModel*>(&nominal);
      for (std::size_t j = 0; j < np && mech_ != nullptr; ++j) {
        auto* mp = dynamic_cast<kinetics::MechanisticModel*>(plus_[j]);
        auto* mm = dynamic_cast<kinetics::MechanisticModel*>(minus_[j]);
        const auto same_structure = [&](const kinetics::MechanisticModel* c) {
          return c != nullptr && c->size() == mech_->size() &&
                 c->chemistry().phase_count() == mech_->chemistry().phase_count();
        };
        const bool offset = full_[j] && offset_quantity[j] >= -1;
        if (full_[j] && !(offset && same_structure(mp) && same_structure(mm))) {
          full_rhs_[j] = 1;  // the full copies' right-hand sides
          mech_plus_.push_back(nullptr);
          mech_minus_.push_back(nullptr);
          continue;
        }
        if (!same_structure(mp) || !same_structure(mm)) mech_ = nullptr;
        mech_plus_.push_back(mp);
        mech_minus_.push_back(mm);
        if (offset && offset_quantity[j] >= 0) {
          if (dquantities_.empty())
            dquantities_.assign(np * kinetics::MechanisticDirectional::kQuantityStride, 0.0);
          dquantities_[j * kinetics::MechanisticDirectional::kQuantityStride +
                       static_cast<std::size_t>(offset_quantity[j])] = -offset_slope[j];
        }
      }
    }
    explicit_.assign(np * nominal.size(), 0.0);
    explicit_y_.assign(nominal.size(), 0.0);
    dtotals_.assign(np * kinetics::kComponentCount, 0.0);
    exact_slot_ = std::move(exact_slot);
    if (mech_ != nullptr) {
      for (std::size_t j = 0; j < np; ++j)
        if (full_rhs_[j]) exact_slot_[j] = -1;
      kinetics::MechanisticDirectional::seed_parameters(*mech_, np, exact_slot_.data(),
                                                        exact_slope.data(), cache_);
    } else if ((auto_ = dynamic_cast<kinetics::AutocatalyticModel*>(&nominal)) != nullptr) {
      // The autocatalytic model: d f / d p = (dk0 + dk1 y)(1 - y / alpha_max), with dk0/dp and
      // dk1/dp exact from the set-up's expressions (constant during the run).
      auto_dk_.assign(2 * np, 0.0);
      for (std::size_t j = 0; j < np; ++j)
        if (exact_slot_[j] >= 0) {
          auto_->rate_constant_derivatives(static_cast<std::size_t>(exact_slot_[j]),
                                           auto_dk_[2 * j], auto_dk_[2 * j + 1]);
          auto_dk_[2 * j] *= exact_slope[j];
          auto_dk_[2 * j + 1] *= exact_slope[j];
        }
      set_up_exact_sensitivities(np);
    } else {
      exact_slot_.assign(np, -1);
    }
  }

  std::size_t size() const noexcept override { return m_.size(); }
  void rhs(double t, const double* y, double* ydot) override { m_.rhs(t, y, ydot); }
  const char* outdated_jacobian() const noexcept override { return m_.outdated_jacobian(); }
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
      if (auto_ != nullptr && exact_slot_[j] >= 0) {
        dfdp[j * n] = (auto_dk_[2 * j] + auto_dk_[2 * j + 1] * y[0]) *
                      (1.0 - y[0] / auto_->conversion_limit());
        continue;
      }
      plus_[j]->rhs(t, y, fp_.data());
      minus_[j]->rhs(t, y, fm_.data());
      for (std::size_t i = 0; i < n; ++i) dfdp[j * n + i] = (fp_[i] - fm_[i]) / (2.0 * delta_);
    }
  }

  // The autocatalytic model's closed form (solver/ode/exact_solution): its states, events and
  // sensitivities without stepping. s_j(t) is the chain rule through the closed form's constants:
  //   s_j = d alpha/d k0 dk0_j + d alpha/d k1 dk1_j + d alpha/d alpha_max dm_j
  //         + d alpha/d alpha(t0) s_j(t0),
  // with dk0_j, dk1_j exact for the dual-pass parameters and from the perturbed copies' constants
  // for the others (central differences of the same set-up the copies' right-hand sides use).
  bool has_exact_solution() const noexcept override { return !auto_exact_.empty(); }
  void exact_state(double t0, const double* y0, double t, double* y) const override {
    m_.exact_state(t0, y0, t, y);
  }
  double exact_root_time(std::size_t i, double t0, const double* y0, double t_from, double t_to,
                         int* direction) const override {
    return m_.exact_root_time(i, t0, y0, t_from, t_to, direction);
  }
  bool has_exact_sensitivities() const noexcept override { return !auto_exact_.empty(); }
  void exact_sensitivities(double t0, const double* y0, double t, double* s) const override {
    double partial[4];
    auto_->exact_state_partials(t0, y0[0], t, partial);
    for (std::size_t j = 0; j < plus_.size(); ++j) {
      const double* c = auto_exact_.data() + 4 * j;  // dk0, dk1, dm, s(t0)
      s[j] = partial[0] * c[0] + partial[1] * c[1] + partial[2] * c[2] + partial[3] * c[3];
    }
  }

  bool has_sensitivity_rhs() const noexcept override { return mech_ != nullptr; }
  // out_j = J s_j + df/dx_j: the explicit parts first (rates of the copies at the nominal
  // chemistry, with the change of the chemistry totals they make; full right-hand sides of the
  // full copies other than phase log K offsets), then J s_j, the totals' change through the
  // chemistry and a phase offset's exact change of its saturation index (d SI / d offset = -1 at
  // fixed totals: a phase's log K does not enter the aqueous speciation) in one dual pass.
  void sensitivity_rhs(double t, const double* y, const double*, const double* const* s,
                       double* const* out) override {
    const std::size_t n = size(), np = plus_.size();
    const double h2 = 2.0 * delta_;
    double tp[kinetics::kComponentCount], tm[kinetics::kComponentCount];
    // CVODES' staggered corrector calls this several times at one state: the explicit parts
    // depend on (t, y) only.
    const bool same =
        explicit_valid_ && t == explicit_t_ && std::equal(y, y + n, explicit_y_.begin());
    explicit_valid_ = false;
    for (std::size_t j = 0; j < np && !same; ++j) {
      if (exact_slot_[j] >= 0) continue;  // in the dual pass (explicit_, dtotals_ stay 0)
      double* dT = dtotals_.data() + j * kinetics::kComponentCount;
      if (full_rhs_[j]) {
        plus_[j]->rhs(t, y, fp_.data());
        minus_[j]->rhs(t, y, fm_.data());
        for (std::size_t k = 0; k < kinetics::kComponentCount; ++k) dT[k] = 0.0;
      } else {
        kinetics::MechanisticDirectional::rates_at(*mech_plus_[j], *mech_, t, y, fp_.data(), tp);
        kinetics::MechanisticDirectional::rates_at(*mech_minus_[j], *mech_, t, y, fm_.data(), tm);
        for (std::size_t k = 0; k < kinetics::kComponentCount; ++k) dT[k] = (tp[k] - tm[k]) / h2;
      }
      double* e = explicit_.data() + j * n;
      for (std::size_t i = 0; i < n; ++i) e[i] = (fp_[i] - fm_[i]) / h2;
    }
    explicit_t_ = t;
    std::copy(y, y + n, explicit_y_.begin());
    explicit_valid_ = true;
    kinetics::MechanisticDirectional::jacobian_times(
        *mech_, t, y, np, s, dtotals_.data(), out, &cache_,
        dquantities_.empty() ? nullptr : dquantities_.data());
    for (std::size_t j = 0; j < np; ++j) {
      const double* e = explicit_.data() + j * n;
      for (std::size_t i = 0; i < n; ++i) out[j][i] += e[i];
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
  // auto_exact_ (np x (dk0, dk1, dm, s(t0))) when every copy is an autocatalytic model too;
  // empty otherwise (the stepping path).
  void set_up_exact_sensitivities(std::size_t np) {
    std::vector<double> c(4 * np, 0.0), s0(np, 0.0);
    initial_sensitivities(s0.data());
    for (std::size_t j = 0; j < np; ++j) {
      if (exact_slot_[j] >= 0) {
        c[4 * j] = auto_dk_[2 * j];
        c[4 * j + 1] = auto_dk_[2 * j + 1];
      } else {
        const auto* p = dynamic_cast<const kinetics::AutocatalyticModel*>(plus_[j]);
        const auto* m = dynamic_cast<const kinetics::AutocatalyticModel*>(minus_[j]);
        if (p == nullptr || m == nullptr) return;
        const double h2 = 2.0 * delta_;
        c[4 * j] = (p->effective_k0() - m->effective_k0()) / h2;
        c[4 * j + 1] = (p->effective_k1() - m->effective_k1()) / h2;
        c[4 * j + 2] = (p->conversion_limit() - m->conversion_limit()) / h2;
      }
      c[4 * j + 3] = s0[j];
    }
    auto_exact_ = std::move(c);
  }

  kinetics::KineticsModel& m_;
  std::vector<kinetics::KineticsModel*> plus_, minus_;
  const std::vector<char>& full_;
  double delta_;
  kinetics::MechanisticModel* mech_ = nullptr;    // set: directional sensitivity right-hand sides
  kinetics::AutocatalyticModel* auto_ = nullptr;  // set: exact df/dx of its kinetic parameters
  std::vector<double> auto_dk_;                   // np x (dk0/dx_j, dk1/dx_j)
  std::vector<double> auto_exact_;                // np x (dk0, dk1, dm, s(t0)), or empty
  std::vector<kinetics::MechanisticModel*> mech_plus_, mech_minus_;  // nullptr: full_rhs_
  std::vector<char> full_rhs_;       // per parameter: df/dx from the full copies' rhs
  std::vector<int> exact_slot_;      // per parameter: seeded in the dual pass (>= 0), or -1
  std::vector<double> dquantities_;  // np x kQuantityStride (phase offsets), or empty
  kinetics::MechanisticDirectional::Cache cache_;
  double explicit_t_ = 0.0;  // where explicit_ and dtotals_ were computed
  std::vector<double> explicit_y_;
  bool explicit_valid_ = false;
  std::vector<double> fp_, fm_, gp_, gm_, explicit_, dtotals_;
};

ConditionSensitivity::ConditionSensitivity(const api::Simulation& simulation,
                                           const std::vector<api::ParameterBinding>& bindings,
                                           const std::vector<FitParameter>& parameters,
                                           double delta, Path path)
    : sim_(simulation),
      bindings_(bindings),
      parameters_(parameters),
      delta_(delta),
      path_(path),
      nominal_(simulation),
      in_(simulation.base_inputs()),
      in_p_(simulation.base_inputs()),
      in_m_(simulation.base_inputs()) {
  for (std::size_t j = 0; j < bindings.size(); ++j) {
    full_.push_back(api::TrajectoryEvaluator::setup_reads(bindings[j]) ? 1 : 0);
    plus_.push_back(full_[j] ? std::make_unique<api::TrajectoryEvaluator>(simulation) : nullptr);
    minus_.push_back(full_[j] ? std::make_unique<api::TrajectoryEvaluator>(simulation) : nullptr);
  }
  own_plus_.resize(bindings.size());
  own_minus_.resize(bindings.size());
  x_.resize(bindings.size());
}

ConditionSensitivity::~ConditionSensitivity() = default;

bool ConditionSensitivity::run(const double* x, api::TrajectoryEvaluator* built_at_x) {
  try {
    const std::size_t np = bindings_.size();
    model_ = nullptr;
    system_.reset();
    in_ = sim_.base_inputs();
    for (std::size_t j = 0; j < np; ++j) {
      x_[j] = x[j];
      bindings_[j].apply(in_, from_scaled(parameters_[j], x[j]));
    }
    api::TrajectoryEvaluator& setup = built_at_x != nullptr ? *built_at_x : nominal_;
    own_nominal_.reset();
    if (built_at_x != nullptr) own_nominal_ = built_at_x->model_with_parameters(in_.kinetics);
    kinetics::KineticsModel& m = built_at_x != nullptr ? *own_nominal_ : nominal_.build_model(in_);
    mp_.assign(np, nullptr);
    mm_.assign(np, nullptr);
    for (std::size_t j = 0; j < np; ++j) {
      in_p_ = in_;
      in_m_ = in_;
      bindings_[j].apply(in_p_, from_scaled(parameters_[j], x[j] + delta_));
      bindings_[j].apply(in_m_, from_scaled(parameters_[j], x[j] - delta_));
      if (full_[j]) {
        mp_[j] = &plus_[j]->build_model(in_p_);
        mm_[j] = &minus_[j]->build_model(in_m_);
      } else {
        own_plus_[j] = setup.model_with_parameters(in_p_.kinetics);
        own_minus_[j] = setup.model_with_parameters(in_m_.kinetics);
        mp_[j] = own_plus_[j].get();
        mm_[j] = own_minus_[j].get();
      }
      if (mp_[j]->size() != m.size() || mm_[j]->size() != m.size()) return false;
    }
    model_ = &m;
    // Phase log K offsets: their phase among the model's chemistry quantities (by name).
    std::vector<int> offset_quantity(np, -2);
    std::vector<double> offset_slope(np, 0.0);
    for (std::size_t j = 0; j < np; ++j) {
      if (bindings_[j].target() != scenario::PathTarget::ThermoParameter) continue;
      const api::Simulation::ThermoSlot& slot = sim_.thermo_slots().at(bindings_[j].index());
      if (slot.kind != scenario::ThermoParameterKind::PhaseLogKOffset) continue;
      offset_quantity[j] = -1;
      offset_slope[j] = (from_scaled(parameters_[j], x[j] + delta_) -
                         from_scaled(parameters_[j], x[j] - delta_)) /
                        (2.0 * delta_);
      const auto* mech = dynamic_cast<const kinetics::MechanisticModel*>(&m);
      if (slot.system_index < 0 || mech == nullptr) continue;
      const std::string& phase =
          sim_.system()->phase_name(static_cast<std::size_t>(slot.system_index));
      const kinetics::SolutionChemistry& chem = mech->chemistry();
      for (std::size_t i = 0; i < chem.phase_count(); ++i)
        if (chem.phase(i).name == phase) offset_quantity[j] = static_cast<int>(i);
    }
    // Kinetic parameters whose df/dx the dual pass gives exactly (d p / d x on the fitted scale).
    std::vector<int> exact_slot(np, -1);
    std::vector<double> exact_slope(np, 0.0);
    for (std::size_t j = 0; j < np; ++j) {
      if (!exact_ || full_[j] || bindings_[j].target() != scenario::PathTarget::KineticParameter ||
          !kinetics::MechanisticModel::exact_parameter(bindings_[j].index()))
        continue;
      exact_slot[j] = static_cast<int>(bindings_[j].index());
      exact_slope[j] = parameters_[j].scale == Scale::Log10
                           ? std::log(10.0) * from_scaled(parameters_[j], x[j])
                           : 1.0;
    }
    system_ =
        std::make_unique<System>(m, mp_, mm_, full_, delta_, path_ == Path::Directional,
                                 offset_quantity, offset_slope, std::move(exact_slot), exact_slope);
    std::vector<double> y0(m.size());
    m.initial_state(y0.data());
    ode::SensitivityOptions opt;
    opt.integrator = sim_.integrator_options(in_);
    opt.error_control = error_control_;
    opt.sensitivity_tolerance_factor = tolerance_factor_;
    opt.simultaneous_corrector = simultaneous_;
    if (rtol_ > 0.0) opt.integrator.rtol = rtol_;
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
