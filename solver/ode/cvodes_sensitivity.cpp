#include "solver/ode/cvodes_sensitivity.hpp"

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "solver/ode/cvode_messages.hpp"
#include "solver/ode/exact_solution.hpp"

namespace calcikin::ode {

void SensitivitySystem::root_gradient(std::size_t i, double t, const double* y, double* dgdy,
                                      double* dgdt, double* /*dgdp*/) {
  // Central differences of the root function in each state (events are rare: this may allocate).
  const std::size_t n = size();
  const std::size_t m = root_count();
  std::vector<double> yp(y, y + n), gp(m), gm(m);
  for (std::size_t k = 0; k < n; ++k) {
    const double h = 1e-7 * std::max(std::fabs(y[k]), 1e-8);
    yp[k] = y[k] + h;
    roots(t, yp.data(), gp.data());
    yp[k] = y[k] - h;
    roots(t, yp.data(), gm.data());
    yp[k] = y[k];
    dgdy[k] = (gp[i] - gm[i]) / (2.0 * h);
  }
  *dgdt = 0.0;
}

void event_time_sensitivities(SensitivitySystem& system, std::size_t i, double t, const double* y,
                              const double* const* s, double* dt_dp, EventScratch& scratch) {
  const std::size_t n = system.size(), np = system.parameter_count();
  scratch.f.resize(n);
  scratch.dgdy.resize(n);
  scratch.dgdp.assign(np, 0.0);
  double dgdt = 0.0;
  system.rhs(t, y, scratch.f.data());
  system.root_gradient(i, t, y, scratch.dgdy.data(), &dgdt, scratch.dgdp.data());
  double dgdt_total = dgdt;
  for (std::size_t q = 0; q < n; ++q) dgdt_total += scratch.dgdy[q] * scratch.f[q];
  for (std::size_t j = 0; j < np; ++j) {
    double num = scratch.dgdp[j];
    for (std::size_t q = 0; q < n; ++q) num += scratch.dgdy[q] * s[j][q];
    dt_dp[j] = dgdt_total != 0.0 ? -num / dgdt_total : std::numeric_limits<double>::quiet_NaN();
  }
}

const SensitivityResult::Event* SensitivityResult::first_event(std::size_t i) const noexcept {
  for (const Event& e : events)
    if (e.root == i) return &e;
  return nullptr;
}

struct CvodesSensitivityIntegrator::Workspace {
  SUNContext context = nullptr;
  void* cvode = nullptr;
  N_Vector y = nullptr, atol = nullptr, constraints = nullptr;
  N_Vector* yS = nullptr;
  N_Vector* atolS = nullptr;
  SUNMatrix matrix = nullptr;
  SUNLinearSolver linear_solver = nullptr;
  std::size_t n = 0, np = 0;
  bool initialised = false;

  // Per-run state seen by the callbacks (sized once per workspace: nothing allocates in them).
  SensitivitySystem* system = nullptr;
  std::vector<double> jac;           // n * n, column-major
  std::vector<double> dfdp;          // n * np
  std::vector<double> work_y;        // n (difference-quotient J s when the system has no Jacobian)
  std::vector<double> work_f;        // n
  std::vector<const double*> s_ptr;  // np: the sensitivity vectors (sensitivity_rhs)
  std::vector<double*> out_ptr;      // np: their right-hand sides
  std::string callback_error;
  CvodeMessageLog cvode_messages;

  ~Workspace() { release(); }
  void release() {
    if (cvode != nullptr) CVodeFree(&cvode);
    if (linear_solver != nullptr) SUNLinSolFree(linear_solver);
    if (matrix != nullptr) SUNMatDestroy(matrix);
    if (y != nullptr) N_VDestroy(y);
    if (atol != nullptr) N_VDestroy(atol);
    if (constraints != nullptr) N_VDestroy(constraints);
    if (yS != nullptr) N_VDestroyVectorArray(yS, static_cast<int>(np));
    if (atolS != nullptr) N_VDestroyVectorArray(atolS, static_cast<int>(np));
    cvode = nullptr;
    linear_solver = nullptr;
    matrix = nullptr;
    y = atol = constraints = nullptr;
    yS = atolS = nullptr;
    initialised = false;
    n = np = 0;
  }
};

namespace {

// No exception crosses CVODES' C frames (Cantera's evalNoThrow pattern).
template <class F>
int guarded(std::string& error, F&& f) noexcept {
  try {
    f();
    return 0;
  } catch (const RecoverableEvaluationError& e) {
    error = e.what();
    return 1;
  } catch (const std::exception& e) {
    error = e.what();
    return -1;
  } catch (...) {
    error = "unknown exception in model evaluation";
    return -1;
  }
}

using WS = CvodesSensitivityIntegrator::Workspace;

}  // namespace

extern "C" {
static int calcikin_cvodes_rhs(realtype t, N_Vector y, N_Vector ydot, void* user_data) {
  auto* w = static_cast<WS*>(user_data);
  return guarded(w->callback_error, [&] {
    w->system->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
    if (const char* why = w->system->outdated_jacobian()) throw RecoverableEvaluationError(why);
  });
}

static int calcikin_cvodes_jac(realtype t, N_Vector y, N_Vector fy, SUNMatrix J, void* user_data,
                               N_Vector, N_Vector, N_Vector) {
  auto* w = static_cast<WS*>(user_data);
  return guarded(w->callback_error, [&] {
    SUNMatZero(J);
    w->system->jacobian(t, N_VGetArrayPointer(y), N_VGetArrayPointer(fy),
                        DenseMatrixView(SUNDenseMatrix_Data(J), w->n));
  });
}

static int calcikin_cvodes_roots(realtype t, N_Vector y, realtype* g, void* user_data) {
  auto* w = static_cast<WS*>(user_data);
  return guarded(w->callback_error, [&] { w->system->roots(t, N_VGetArrayPointer(y), g); });
}

// s_j' = J s_j + df/dp_j for all parameters at once.
static int calcikin_cvodes_sens_rhs(int ns, realtype t, N_Vector y, N_Vector ydot, N_Vector* yS,
                                    N_Vector* ySdot, void* user_data, N_Vector, N_Vector) {
  auto* w = static_cast<WS*>(user_data);
  return guarded(w->callback_error, [&] {
    SensitivitySystem& sys = *w->system;
    const std::size_t n = w->n;
    const double* yv = N_VGetArrayPointer(y);
    const double* fv = N_VGetArrayPointer(ydot);
    if (sys.has_sensitivity_rhs()) {
      for (int jj = 0; jj < ns; ++jj) {
        w->s_ptr[static_cast<std::size_t>(jj)] = N_VGetArrayPointer(yS[jj]);
        w->out_ptr[static_cast<std::size_t>(jj)] = N_VGetArrayPointer(ySdot[jj]);
      }
      sys.sensitivity_rhs(t, yv, fv, w->s_ptr.data(), w->out_ptr.data());
      return;
    }
    std::fill(w->dfdp.begin(), w->dfdp.end(), 0.0);
    sys.parameter_jacobian(t, yv, w->dfdp.data());
    const bool analytic = sys.has_jacobian();
    if (analytic) {
      std::fill(w->jac.begin(), w->jac.end(), 0.0);
      sys.jacobian(t, yv, fv, DenseMatrixView(w->jac.data(), n));
    }
    for (int jj = 0; jj < ns; ++jj) {
      const auto j = static_cast<std::size_t>(jj);
      const double* s = N_VGetArrayPointer(yS[jj]);
      double* out = N_VGetArrayPointer(ySdot[jj]);
      const double* col = w->dfdp.data() + j * n;
      if (analytic) {
        for (std::size_t i = 0; i < n; ++i) out[i] = col[i];
        for (std::size_t k = 0; k < n; ++k) {
          const double sk = s[k];
          if (sk == 0.0) continue;
          const double* jk = w->jac.data() + k * n;
          for (std::size_t i = 0; i < n; ++i) out[i] += jk[i] * sk;
        }
      } else {
        // Directional difference quotient J s ~ (f(y + h s) - f(y)) / h.
        double norm = 0.0, ynorm = 0.0;
        for (std::size_t k = 0; k < n; ++k) {
          norm = std::max(norm, std::fabs(s[k]));
          ynorm = std::max(ynorm, std::fabs(yv[k]));
        }
        if (norm == 0.0) {
          for (std::size_t i = 0; i < n; ++i) out[i] = col[i];
          continue;
        }
        const double h = 1e-8 * std::max(ynorm, 1e-8) / norm;
        for (std::size_t k = 0; k < n; ++k) w->work_y[k] = yv[k] + h * s[k];
        sys.rhs(t, w->work_y.data(), w->work_f.data());
        for (std::size_t i = 0; i < n; ++i) out[i] = col[i] + (w->work_f[i] - fv[i]) / h;
      }
    }
  });
}

static void calcikin_cvodes_error_handler(int error_code, const char* module, const char* function,
                                          char* msg, void* user_data) {
  static_cast<WS*>(user_data)->cvode_messages.add(error_code, module, function, msg);
}
}

CvodesSensitivityIntegrator::CvodesSensitivityIntegrator() : ws_(new Workspace) {
  if (SUNContext_Create(nullptr, &ws_->context) != 0) {
    delete ws_;
    throw std::runtime_error("SUNContext_Create failed");
  }
}

CvodesSensitivityIntegrator::~CvodesSensitivityIntegrator() {
  ws_->release();
  if (ws_->context != nullptr) SUNContext_Free(&ws_->context);
  delete ws_;
}

SensitivityResult CvodesSensitivityIntegrator::integrate(SensitivitySystem& system, double t0,
                                                         const double* y0,
                                                         const std::vector<double>& output_times,
                                                         const SensitivityOptions& options,
                                                         const std::vector<std::size_t>& stop_on) {
  Workspace& w = *ws_;
  const std::size_t n = system.size();
  const std::size_t np = system.parameter_count();
  if (n == 0) throw std::invalid_argument("CvodesSensitivityIntegrator: empty system");
  if (np == 0) throw std::invalid_argument("CvodesSensitivityIntegrator: no parameters");
  if (!options.parameter_scale.empty() && options.parameter_scale.size() != np)
    throw std::invalid_argument("CvodesSensitivityIntegrator: parameter_scale size mismatch");
  if (options.integrator.exact_solution && system.has_exact_solution() &&
      system.has_exact_sensitivities())
    return follow_exact_sensitivities(system, t0, y0, output_times, stop_on);
  SensitivityResult result;
  result.n = n;
  result.np = np;
  result.t_reached = t0;
  w.system = &system;
  w.callback_error.clear();
  w.cvode_messages.clear();

  auto fail = [&](const std::string& what, int flag, double t) {
    std::ostringstream s;
    s << what << return_flag_text(flag) << " at t = " << t << " s";
    if (!w.callback_error.empty()) s << "; model: " << w.callback_error;
    if (!w.cvode_messages.empty()) s << "; CVODES: " << w.cvode_messages.text();
    result.status = IntegrationStatus::Failed;
    result.message = s.str();
    result.t_reached = t;
  };

  if (w.n != n || w.np != np || w.cvode == nullptr) {
    w.release();
    w.n = n;
    w.np = np;
    const auto nn = static_cast<sunindextype>(n);
    w.y = N_VNew_Serial(nn, w.context);
    // Fused and vector-array operations: CVODES then treats the N_p sensitivity vectors in one
    // call per operation instead of one N_VLinearSum per vector (clones inherit the setting).
    if (w.y != nullptr) N_VEnableFusedOps_Serial(w.y, SUNTRUE);
    w.atol = N_VNew_Serial(nn, w.context);
    w.constraints = N_VNew_Serial(nn, w.context);
    w.matrix = SUNDenseMatrix(nn, nn, w.context);
    w.linear_solver = SUNLinSol_Dense(w.y, w.matrix, w.context);
    w.cvode = CVodeCreate(CV_BDF, w.context);
    if (w.y != nullptr) {
      w.yS = N_VCloneVectorArray(static_cast<int>(np), w.y);
      w.atolS = N_VCloneVectorArray(static_cast<int>(np), w.y);
    }
    if (w.y == nullptr || w.atol == nullptr || w.constraints == nullptr || w.matrix == nullptr ||
        w.linear_solver == nullptr || w.cvode == nullptr || w.yS == nullptr || w.atolS == nullptr) {
      w.release();
      fail("could not allocate the CVODES workspace", 0, t0);
      return result;
    }
    w.jac.assign(n * n, 0.0);
    w.dfdp.assign(n * np, 0.0);
    w.work_y.assign(n, 0.0);
    w.work_f.assign(n, 0.0);
    w.s_ptr.assign(np, nullptr);
    w.out_ptr.assign(np, nullptr);
  }
  std::copy(y0, y0 + n, N_VGetArrayPointer(w.y));
  {
    std::vector<double> s0(n * np, 0.0);
    system.initial_sensitivities(s0.data());
    for (std::size_t j = 0; j < np; ++j)
      std::copy(s0.begin() + static_cast<std::ptrdiff_t>(j * n),
                s0.begin() + static_cast<std::ptrdiff_t>((j + 1) * n), N_VGetArrayPointer(w.yS[j]));
  }
  int flag = 0;
  const int ism = options.simultaneous_corrector ? CV_SIMULTANEOUS : CV_STAGGERED;
  if (!w.initialised) {
    flag = CVodeInit(w.cvode, calcikin_cvodes_rhs, t0, w.y);
    if (flag == CV_SUCCESS) flag = CVodeSetLinearSolver(w.cvode, w.linear_solver, w.matrix);
    // Before CVodeSensInit: CVODES hands the user data to fS as it is at CVodeSensInit.
    if (flag == CV_SUCCESS) flag = CVodeSetUserData(w.cvode, &w);
    if (flag == CV_SUCCESS)
      flag = CVodeSensInit(w.cvode, static_cast<int>(np), ism, calcikin_cvodes_sens_rhs, w.yS);
    if (flag == CV_SUCCESS) w.initialised = true;
  } else {
    flag = CVodeReInit(w.cvode, t0, w.y);
    if (flag == CV_SUCCESS) flag = CVodeSensReInit(w.cvode, ism, w.yS);
  }
  if (flag == CV_SUCCESS) flag = CVodeSetErrHandlerFn(w.cvode, calcikin_cvodes_error_handler, &w);
  if (flag == CV_SUCCESS) flag = CVodeSetUserData(w.cvode, &w);
  try {
    system.absolute_tolerances(N_VGetArrayPointer(w.atol));
  } catch (const std::exception& e) {
    w.callback_error = e.what();
    fail("absolute tolerances could not be set", 0, t0);
    return result;
  }
  if (flag == CV_SUCCESS) flag = CVodeSVtolerances(w.cvode, options.integrator.rtol, w.atol);
  // Sensitivity tolerances: the state's absolute tolerance divided by the parameter's scale
  // (CVODES' own rule for CVodeSensEEtolerances), same relative tolerance.
  for (std::size_t j = 0; j < np; ++j) {
    const double pbar = options.parameter_scale.empty()
                            ? 1.0
                            : std::max(std::fabs(options.parameter_scale[j]), 1e-300);
    double* a = N_VGetArrayPointer(w.atolS[j]);
    const double* ay = N_VGetArrayPointer(w.atol);
    for (std::size_t i = 0; i < n; ++i) a[i] = options.sensitivity_tolerance_factor * ay[i] / pbar;
  }
  if (flag == CV_SUCCESS)
    flag = CVodeSensSVtolerances(
        w.cvode, options.sensitivity_tolerance_factor * options.integrator.rtol, w.atolS);
  if (flag == CV_SUCCESS) flag = CVodeSetSensErrCon(w.cvode, options.error_control ? 1 : 0);
  const bool constrained = system.has_nonnegative_states();
  if (constrained) {
    N_VConst(0.0, w.constraints);
    system.nonnegative_states(N_VGetArrayPointer(w.constraints));
  }
  if (flag == CV_SUCCESS)
    flag = CVodeSetConstraints(w.cvode, constrained ? w.constraints : nullptr);
  if (flag == CV_SUCCESS)
    flag = CVodeSetJacFn(w.cvode, system.has_jacobian() ? calcikin_cvodes_jac : nullptr);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxStep(w.cvode, options.integrator.max_step);
  if (flag == CV_SUCCESS) flag = CVodeSetInitStep(w.cvode, options.integrator.initial_step);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxOrd(w.cvode, options.integrator.max_order);
  const std::size_t nroots = system.root_count();
  if (flag == CV_SUCCESS)
    flag = CVodeRootInit(w.cvode, static_cast<int>(nroots),
                         nroots > 0 ? calcikin_cvodes_roots : nullptr);
  if (flag == CV_SUCCESS && nroots > 0) flag = CVodeSetNoInactiveRootWarn(w.cvode);
  if (flag != CV_SUCCESS) {
    fail("CVODES setup failed", flag, t0);
    return result;
  }

  std::vector<int> root_flags(nroots, 0);
  EventScratch scratch;
  std::vector<const double*> s_at(np);
  auto record_output = [&](double t) {
    result.times.push_back(t);
    const double* yv = N_VGetArrayPointer(w.y);
    result.y.insert(result.y.end(), yv, yv + n);
    for (std::size_t j = 0; j < np; ++j) {
      const double* sj = N_VGetArrayPointer(w.yS[j]);
      result.s.insert(result.s.end(), sj, sj + n);
    }
  };

  long steps_used = 0;
  double t = t0;
  bool stopped = false;
  for (std::size_t k = 0; k < output_times.size() && !stopped; ++k) {
    const double tout = output_times[k];
    if (tout <= t0) {
      record_output(t0);  // the initial state and sensitivities
      continue;
    }
    while (t < tout && !stopped) {
      const long remaining = options.integrator.max_steps - steps_used;
      if (remaining <= 0) {
        fail("step limit solver.max_steps = " + std::to_string(options.integrator.max_steps) +
                 " reached",
             0, t);
        break;
      }
      CVodeSetMaxNumSteps(w.cvode, remaining);
      flag = CVode(w.cvode, tout, w.y, &t, CV_NORMAL);
      long nst = 0;
      CVodeGetNumSteps(w.cvode, &nst);
      steps_used = nst;
      if (flag < 0) {
        fail(flag == CV_TOO_MUCH_WORK
                 ? "step limit solver.max_steps = " + std::to_string(options.integrator.max_steps) +
                       " reached"
                 : std::string("CVODES failed"),
             flag, t);
        break;
      }
      double tret = t;
      const int sflag = CVodeGetSens(w.cvode, &tret, w.yS);
      if (sflag != CV_SUCCESS) {
        fail("CVODES could not return the sensitivities", sflag, t);
        break;
      }
      if (flag == CV_ROOT_RETURN) {
        CVodeGetRootInfo(w.cvode, root_flags.data());
        const double* yv = N_VGetArrayPointer(w.y);
        bool ok = true;
        for (std::size_t i = 0; i < nroots && ok; ++i) {
          if (root_flags[i] == 0) continue;
          SensitivityResult::Event ev;
          ev.root = i;
          ev.direction = root_flags[i];
          ev.t = t;
          ev.y.assign(yv, yv + n);
          ev.dt_dp.assign(np, 0.0);
          for (std::size_t j = 0; j < np; ++j) s_at[j] = N_VGetArrayPointer(w.yS[j]);
          const int rc = guarded(w.callback_error, [&] {
            event_time_sensitivities(system, i, t, yv, s_at.data(), ev.dt_dp.data(), scratch);
          });
          if (rc != 0) {
            fail("event sensitivity could not be evaluated", 0, t);
            ok = false;
            break;
          }
          result.events.push_back(std::move(ev));
          if (std::find(stop_on.begin(), stop_on.end(), i) != stop_on.end()) stopped = true;
        }
        if (!ok) break;
        continue;
      }
      record_output(t);
    }
    if (result.status == IntegrationStatus::Failed) break;
  }
  if (result.status != IntegrationStatus::Failed) {
    result.t_reached = t;
    if (stopped) result.status = IntegrationStatus::StoppedByObserver;
  }
  IntegratorStatistics& st = result.statistics;
  long v = 0;
  if (CVodeGetNumSteps(w.cvode, &v) == CV_SUCCESS) st.steps = v;
  long rhs = 0, rhs_ls = 0;
  CVodeGetNumRhsEvals(w.cvode, &rhs);
  CVodeGetNumLinRhsEvals(w.cvode, &rhs_ls);
  st.rhs_evaluations = rhs + rhs_ls;
  if (CVodeGetNumJacEvals(w.cvode, &v) == CV_SUCCESS) st.jacobian_evaluations = v;
  if (CVodeGetNumErrTestFails(w.cvode, &v) == CV_SUCCESS) st.error_test_failures = v;
  if (CVodeGetNumNonlinSolvConvFails(w.cvode, &v) == CV_SUCCESS)
    st.nonlinear_convergence_failures = v;
  if (CVodeGetNumNonlinSolvIters(w.cvode, &v) == CV_SUCCESS) st.nonlinear_iterations = v;
  if (CVodeGetNumGEvals(w.cvode, &v) == CV_SUCCESS) st.root_evaluations = v;
  w.system = nullptr;
  return result;
}

}  // namespace calcikin::ode
