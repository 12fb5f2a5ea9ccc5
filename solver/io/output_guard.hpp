#pragma once
// What a run may do with its output path, decided before anything is computed or written:
//   * output_refusal: the output (or its .partial) must not resolve to an input (the scenario, the
//     database) nor be anything but a regular file (directory, device, FIFO, socket);
//   * OutputLock: one process per output path: an exclusive flock on PATH.lock for the whole run;
//     a second run on the same path fails at once and never touches the first run's files;
//   * decide_output: what exists decides, with --resume / --overwrite: a finished file or a
//     .partial is never replaced without overwrite; --resume on a finished file is a no-op.
#include <string>
#include <vector>

namespace calcikin::io {

// Why `output` cannot be written by a run that reads `inputs`, or "" when it can. Paths that do not
// exist yet are compared after resolving their folder (symbolic links, "..").
std::string output_refusal(const std::string& output, const std::vector<std::string>& inputs);

// Exclusive advisory lock on OUTPUT.lock (created; removed by the destructor). Throws IoError
// naming the path and the holder's process id when another process holds it.
class OutputLock {
 public:
  explicit OutputLock(const std::string& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

enum class OutputAction {
  Create,           // start afresh (removing what overwrite allows)
  Resume,           // continue OUTPUT.partial
  AlreadyFinished,  // --resume on a finished OUTPUT: nothing to do
};

struct OutputDecision {
  OutputAction action = OutputAction::Create;
  std::string refusal;  // non-empty: the run must not start (the text says why and what to do)
  std::string note;     // a line for the user (e.g. "no .partial: starting afresh"), or ""
};

// Decides under the lock. `scenario_hash` identifies the run: --resume on a finished file of
// another scenario is refused.
OutputDecision decide_output(const std::string& output, bool resume, bool overwrite,
                             const std::string& scenario_hash);

}  // namespace calcikin::io
