// Without CALCIKIN_WITH_MPI the world is one process; the MPI entry points are never reached.
#include <stdexcept>

#include "solver/sweep/mpi_runner.hpp"

namespace calcikin::sweep {

MpiWorld mpi_world() { return {}; }

RunnerSummary run_points_mpi_master(const SweepPlan&, const io::RunLayout&, const EvaluatorFactory&,
                                    io::RunSink&, const RunnerOptions&) {
  throw std::logic_error("calcikin was built without MPI (CALCIKIN_WITH_MPI=OFF)");
}

RunnerSummary run_points_mpi_worker(const SweepPlan&, const io::RunLayout&, const EvaluatorFactory&,
                                    const RunnerOptions&) {
  throw std::logic_error("calcikin was built without MPI (CALCIKIN_WITH_MPI=OFF)");
}

}  // namespace calcikin::sweep
