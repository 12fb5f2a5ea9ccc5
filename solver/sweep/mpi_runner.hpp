#pragma once
// The MPI sweep driver (CALCIKIN_WITH_MPI=ON): `mpirun -n N calcikin run ...` hands points out
// dynamically from rank 0 to every rank (threads within ranks); workers send finished records to
// rank 0, the only writer, so the file is the same as a single-process run's.
#include "solver/io/run_layout.hpp"
#include "solver/sweep/runner.hpp"

namespace calcikin::sweep {

struct MpiWorld {
  int rank = 0;
  int size = 1;
};

// Initialises MPI on first use when compiled with MPI (and finalises it at exit); {0, 1} without
// MPI or when the program was not started by mpirun.
MpiWorld mpi_world();

// Rank 0: computes with its own threads, serves point requests, writes every record.
RunnerSummary run_points_mpi_master(const SweepPlan& plan, const io::RunLayout& layout,
                                    const EvaluatorFactory& factory, io::RunSink& writer,
                                    const RunnerOptions& options);
// Ranks > 0: computes the points rank 0 hands out and sends the records back.
RunnerSummary run_points_mpi_worker(const SweepPlan& plan, const io::RunLayout& layout,
                                    const EvaluatorFactory& factory, const RunnerOptions& options);

}  // namespace calcikin::sweep
