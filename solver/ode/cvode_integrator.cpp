#include "solver/ode/cvode_integrator.hpp"

#include <cvodes/cvodes.h>  // CVODES: the CVODE API plus sensitivities (one SUNDIALS library)
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "solver/ode/cvode_messages.hpp"
#include "solver/ode/exact_solution.hpp"

namespace calcikin::ode {

struct CvodeIntegrator::Workspace {
  SUNContext context = nullptr;
  void* cvode = nullptr;
  N_Vector y = nullptr;
  N_Vector atol = nullptr;
  N_Vector constraints = nullptr;  // allocated with y; used when the system has non-negative states
  SUNMatrix matrix = nullptr;
  SUNLinearSolver linear_solver = nullptr;
  std::size_t n = 0;
  std::size_t n_roots = 0;
  bool initialised = false;

  // Per-run state seen by the callbacks.
  OdeSystem* system = nullptr;
  std::string callback_error;      // text of an exception caught inside a callback
  CvodeMessageLog cvode_messages;  // what CVODE's error handler would have printed
  std::vector<int> root_flags;

  ~Workspace() { release(); }

  void release() {
    if (cvode != nullptr) CVodeFree(&cvode);
    if (linear_solver != nullptr) SUNLinSolFree(linear_solver);
    if (matrix != nullptr) SUNMatDestroy(matrix);
    if (y != nullptr) N_VDestroy(y);
    if (atol != nullptr) N_VDestroy(atol);
    if (constraints != nullptr) N_VDestroy(constraints);
    constraints = nullptr;
    cvode = nullptr;
    linear_solver = nullptr;
    matrix = nullptr;
    y = nullptr;
    atol = nullptr;
    initialised = false;
    n = 0;
  }
};

namespace {

// Every callback runs the model inside try/catch (Cantera's evalNoThrow pattern): an exception must
// never unwind through CVODE's C frames.
template <class F>
int guarded(void* user_data, F&& f) noexcept {
  auto* w = static_cast<std::string*>(user_data);
  try {
    f();
    return 0;
  } catch (const RecoverableEvaluationError& e) {
    *w = e.what();
    return 1;
  } catch (const std::exception& e) {
    *w = e.what();
    return -1;
  } catch (...) {
    *w = "unknown exception in model evaluation";
    return -1;
  }
}

}  // namespace

extern "C" {
static int calcikin_cvode_rhs(realtype t, N_Vector y, N_Vector ydot, void* user_data) {
  auto* ws = static_cast<CvodeIntegrator::Workspace*>(user_data);
  return guarded(&ws->callback_error, [&] {
    ws->system->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot));
    if (const char* why = ws->system->outdated_jacobian()) throw RecoverableEvaluationError(why);
  });
}

static int calcikin_cvode_jac(realtype t, N_Vector y, N_Vector fy, SUNMatrix J, void* user_data,
                              N_Vector, N_Vector, N_Vector) {
  auto* ws = static_cast<CvodeIntegrator::Workspace*>(user_data);
  return guarded(&ws->callback_error, [&] {
    SUNMatZero(J);
    ws->system->jacobian(t, N_VGetArrayPointer(y), N_VGetArrayPointer(fy),
                         DenseMatrixView(SUNDenseMatrix_Data(J), ws->n));
  });
}

static int calcikin_cvode_roots(realtype t, N_Vector y, realtype* g, void* user_data) {
  auto* ws = static_cast<CvodeIntegrator::Workspace*>(user_data);
  return guarded(&ws->callback_error, [&] { ws->system->roots(t, N_VGetArrayPointer(y), g); });
}

static void calcikin_cvode_error_handler(int error_code, const char* module, const char* function,
                                         char* msg, void* user_data) {
  static_cast<CvodeIntegrator::Workspace*>(user_data)->cvode_messages.add(error_code, module,
                                                                          function, msg);
}
}

CvodeIntegrator::CvodeIntegrator() : ws_(new Workspace) {
  if (SUNContext_Create(nullptr, &ws_->context) != 0) {
    delete ws_;
    throw std::runtime_error("SUNContext_Create failed");
  }
}

CvodeIntegrator::~CvodeIntegrator() {
  ws_->release();
  if (ws_->context != nullptr) SUNContext_Free(&ws_->context);
  delete ws_;
}

const double* CvodeIntegrator::last_state() const noexcept {
  return ws_->y != nullptr ? N_VGetArrayPointer(ws_->y) : nullptr;
}

namespace {

std::string worst_components(void* cvode, OdeSystem& system, std::size_t n, SUNContext ctx) {
  N_Vector weights = N_VNew_Serial(static_cast<sunindextype>(n), ctx);
  N_Vector errors = N_VNew_Serial(static_cast<sunindextype>(n), ctx);
  std::string out;
  if (weights != nullptr && errors != nullptr && CVodeGetErrWeights(cvode, weights) == CV_SUCCESS &&
      CVodeGetEstLocalErrors(cvode, errors) == CV_SUCCESS) {
    const double* w = N_VGetArrayPointer(weights);
    const double* e = N_VGetArrayPointer(errors);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    auto weighted = [&](std::size_t i) { return std::fabs(e[i] * w[i]); };
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return weighted(a) > weighted(b); });
    std::ostringstream s;
    s.precision(3);
    for (std::size_t k = 0; k < std::min<std::size_t>(3, n); ++k) {
      const std::size_t i = order[k];
      s << (k ? ", " : "") << system.state_name(i) << " (weighted error " << weighted(i) << ")";
    }
    out = s.str();
  }
  if (weights != nullptr) N_VDestroy(weights);
  if (errors != nullptr) N_VDestroy(errors);
  return out;
}

// One integration, in named steps: allocate (or reuse) the workspace, set CVODE up for this system
// and these options, march over the output times, collect the statistics. A failing step records
// the reason in the result (flag name, time, worst components, CVODE's own text) and the rest is
// skipped.
class IntegrationRun {
 public:
  IntegrationRun(CvodeIntegrator::Workspace& w, OdeSystem& system, double t0)
      : w_(w), system_(system), n_(system.size()), t0_(t0) {
    result_.t_reached = t0;
    w.system = &system;
    w.callback_error.clear();
    w.cvode_messages.clear();
  }
  ~IntegrationRun() { w_.system = nullptr; }

  bool failed() const noexcept { return result_.status == IntegrationStatus::Failed; }
  IntegrationResult& result() noexcept { return result_; }

  // The SUNDIALS objects, (re)built only when the size changed; otherwise CVodeReInit reuses them.
  bool allocate_workspace() {
    CvodeIntegrator::Workspace& w = w_;
    if (w.n == n_ && w.cvode != nullptr) return true;
    w.release();
    w.n = n_;
    const auto n = static_cast<sunindextype>(n_);
    w.y = N_VNew_Serial(n, w.context);
    w.atol = N_VNew_Serial(n, w.context);
    w.constraints = N_VNew_Serial(n, w.context);
    w.matrix = SUNDenseMatrix(n, n, w.context);
    w.linear_solver = SUNLinSol_Dense(w.y, w.matrix, w.context);
    w.cvode = CVodeCreate(CV_BDF, w.context);
    if (w.y == nullptr || w.atol == nullptr || w.constraints == nullptr || w.matrix == nullptr ||
        w.linear_solver == nullptr || w.cvode == nullptr) {
      w.release();
      fail("could not allocate the CVODE workspace", 0, t0_);
      return false;
    }
    return true;
  }

  // Every CVODE set-up call, each named in the error when it fails (Cantera's checkError).
  bool set_up(const double* y0, const IntegratorOptions& options) {
    CvodeIntegrator::Workspace& w = w_;
    std::copy(y0, y0 + n_, N_VGetArrayPointer(w.y));
    if (!w.initialised) {
      if (!check(CVodeInit(w.cvode, calcikin_cvode_rhs, t0_, w.y), "CVodeInit") ||
          !check(CVodeSetLinearSolver(w.cvode, w.linear_solver, w.matrix), "CVodeSetLinearSolver"))
        return false;
      w.initialised = true;
    } else if (!check(CVodeReInit(w.cvode, t0_, w.y), "CVodeReInit")) {
      return false;
    }
    if (!check(CVodeSetErrHandlerFn(w.cvode, calcikin_cvode_error_handler, &w),
               "CVodeSetErrHandlerFn") ||
        !check(CVodeSetUserData(w.cvode, &w), "CVodeSetUserData"))
      return false;
    if (!model_call("absolute tolerances could not be set",
                    [&] { system_.absolute_tolerances(N_VGetArrayPointer(w.atol)); }))
      return false;
    if (!check(CVodeSVtolerances(w.cvode, options.rtol, w.atol), "CVodeSVtolerances")) return false;
    const bool constrained = system_.has_nonnegative_states();
    if (constrained && !model_call("non-negative states could not be set", [&] {
          N_VConst(0.0, w.constraints);
          system_.nonnegative_states(N_VGetArrayPointer(w.constraints));
        }))
      return false;
    // NULL turns constraint checking off (a reused workspace may have had them).
    if (!check(CVodeSetConstraints(w.cvode, constrained ? w.constraints : nullptr),
               "CVodeSetConstraints") ||
        !check(CVodeSetJacFn(w.cvode, system_.has_jacobian() ? calcikin_cvode_jac : nullptr),
               "CVodeSetJacFn") ||
        !check(CVodeSetMaxNumSteps(w.cvode, options.max_steps), "CVodeSetMaxNumSteps") ||
        !check(CVodeSetMaxStep(w.cvode, options.max_step), "CVodeSetMaxStep") ||
        !check(CVodeSetInitStep(w.cvode, options.initial_step), "CVodeSetInitStep") ||
        !check(CVodeSetMaxOrd(w.cvode, options.max_order), "CVodeSetMaxOrd"))
      return false;
    w.n_roots = system_.root_count();
    if (!check(CVodeRootInit(w.cvode, static_cast<int>(w.n_roots),
                             w.n_roots > 0 ? calcikin_cvode_roots : nullptr),
               "CVodeRootInit"))
      return false;
    if (w.n_roots > 0 && !check(CVodeSetNoInactiveRootWarn(w.cvode), "CVodeSetNoInactiveRootWarn"))
      return false;
    w.root_flags.assign(w.n_roots, 0);
    return true;
  }

  // Steps are capped per run: CVODE counts per CVode() call, so the remaining budget is set each
  // time. With a wall-clock budget the steps go in chunks of kWallCheckSteps, the clock read after
  // each chunk (a chunk that ends short of tout returns CV_TOO_MUCH_WORK and the integration
  // resumes where it stopped).
  void march(const double* y0, const std::vector<double>& output_times,
             const IntegratorOptions& options, IntegrationObserver& observer) {
    CvodeIntegrator::Workspace& w = w_;
    constexpr long kWallCheckSteps = 200;
    const bool timed = options.max_wall_time > 0.0;
    const auto started = std::chrono::steady_clock::now();
    auto over_budget = [&] {
      return timed &&
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >
                 options.max_wall_time;
    };
    auto wall_message = [&] {
      std::ostringstream s;
      s << "wall-time limit solver.max_wall_time = " << options.max_wall_time << " s reached";
      return s.str();
    };
    const std::string step_limit =
        "step limit solver.max_steps = " + std::to_string(options.max_steps) + " reached";
    long steps_used = 0;
    double t = t0_;
    bool stopped = false;
    for (std::size_t k = 0; k < output_times.size() && !stopped; ++k) {
      const double tout = output_times[k];
      if (tout <= t0_) {  // output at the initial time: the initial state itself
        if (!observe("output observer failed", t0_, stopped,
                     [&] { return observer.on_output(k, t0_, y0); }))
          return;
        continue;
      }
      while (t < tout && !stopped) {
        const long remaining = options.max_steps - steps_used;
        if (remaining <= 0) {
          fail(step_limit, 0, t);
          return;
        }
        if (over_budget()) {
          fail(wall_message(), 0, t);
          return;
        }
        const long chunk = timed ? std::min(remaining, kWallCheckSteps) : remaining;
        CVodeSetMaxNumSteps(w.cvode, chunk);
        const int flag = CVode(w.cvode, tout, w.y, &t, CV_NORMAL);
        long nst = 0;
        CVodeGetNumSteps(w.cvode, &nst);
        steps_used = nst;
        if (flag == CV_TOO_MUCH_WORK && chunk < remaining) continue;  // next chunk, clock checked
        if (flag == CV_ROOT_RETURN) {
          CVodeGetRootInfo(w.cvode, w.root_flags.data());
          if (!observe("event observer failed", t, stopped, [&] {
                return observer.on_root(t, N_VGetArrayPointer(w.y), w.root_flags.data());
              }))
            return;
          continue;
        }
        if (flag == CV_TOO_MUCH_WORK) {
          fail(step_limit, flag, t);
          return;
        }
        if (flag < 0) {
          fail("CVODE failed", flag, t);
          return;
        }
        if (!observe("output observer failed", t, stopped,
                     [&] { return observer.on_output(k, t, N_VGetArrayPointer(w.y)); }))
          return;
      }
    }
    result_.t_reached = t;
    if (stopped) result_.status = IntegrationStatus::StoppedByObserver;
  }

  void collect_statistics() {
    void* cvode = w_.cvode;
    if (cvode == nullptr) return;
    IntegratorStatistics& st = result_.statistics;
    long v = 0;
    if (CVodeGetNumSteps(cvode, &v) == CV_SUCCESS) st.steps = v;
    long rhs = 0, rhs_ls = 0;
    CVodeGetNumRhsEvals(cvode, &rhs);
    CVodeGetNumLinRhsEvals(cvode, &rhs_ls);
    st.rhs_evaluations = rhs + rhs_ls;
    if (CVodeGetNumJacEvals(cvode, &v) == CV_SUCCESS) st.jacobian_evaluations = v;
    if (CVodeGetNumErrTestFails(cvode, &v) == CV_SUCCESS) st.error_test_failures = v;
    if (CVodeGetNumNonlinSolvConvFails(cvode, &v) == CV_SUCCESS)
      st.nonlinear_convergence_failures = v;
    if (CVodeGetNumNonlinSolvIters(cvode, &v) == CV_SUCCESS) st.nonlinear_iterations = v;
    if (CVodeGetNumGEvals(cvode, &v) == CV_SUCCESS) st.root_evaluations = v;
  }

 private:
  // A set-up call's flag: false (and the failure recorded, naming the call) unless CV_SUCCESS.
  bool check(int flag, const char* call) {
    if (flag == CV_SUCCESS) return true;
    fail(std::string("CVODE set-up failed in ") + call, flag, t0_);
    return false;
  }

  // A model call during set-up: its exception becomes the failure.
  template <class F>
  bool model_call(const char* what, F&& f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      w_.callback_error = e.what();
      fail(what, 0, t0_);
      return false;
    }
  }

  // An observer call: false after a failure (its exception); sets `stopped` when it says stop.
  template <class F>
  bool observe(const char* what, double t, bool& stopped, F&& f) {
    try {
      if (!f()) stopped = true;
      return true;
    } catch (const std::exception& e) {
      w_.callback_error = e.what();
      fail(what, 0, t);
      return false;
    }
  }

  void fail(const std::string& what, int flag, double t) {
    std::ostringstream s;
    s << what << return_flag_text(flag) << " at t = " << t << " s";
    if (!w_.callback_error.empty()) s << "; model: " << w_.callback_error;
    if (w_.cvode != nullptr && w_.initialised && flag != CV_MEM_NULL) {
      const std::string worst = worst_components(w_.cvode, system_, n_, w_.context);
      if (!worst.empty()) s << "; worst components: " << worst;
    }
    if (!w_.cvode_messages.empty()) s << "; CVODE: " << w_.cvode_messages.text();
    result_.status = IntegrationStatus::Failed;
    result_.message = s.str();
    result_.t_reached = t;
  }

  CvodeIntegrator::Workspace& w_;
  OdeSystem& system_;
  std::size_t n_;
  double t0_;
  IntegrationResult result_;
};

}  // namespace

IntegrationResult CvodeIntegrator::integrate(OdeSystem& system, double t0, const double* y0,
                                             const std::vector<double>& output_times,
                                             const IntegratorOptions& options,
                                             IntegrationObserver& observer) {
  if (system.size() == 0) throw std::invalid_argument("CvodeIntegrator: empty system");
  if (options.exact_solution && system.has_exact_solution())
    return follow_exact_solution(system, t0, y0, output_times, observer);
  IntegrationRun run(*ws_, system, t0);
  if (!run.allocate_workspace() || !run.set_up(y0, options)) return run.result();
  run.march(y0, output_times, options, observer);
  run.collect_statistics();
  return run.result();
}

}  // namespace calcikin::ode
