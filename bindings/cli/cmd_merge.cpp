// calcikin merge PART.h5... -o OUT.h5: combines the shard files of a job array (calcikin run
// --shard K/N) into the file a single run would have written. Refuses parts of different scenarios
// (hash), unfinished parts, and missing or repeated shards. stdout stays empty; exit 0 or 5.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bindings/cli/commands.hpp"
#include "solver/input/exit_codes.hpp"
#include "solver/io/sweep_merge.hpp"

namespace calcikin::cli {
namespace {

struct MergeOptions {
  std::vector<std::string> parts;
  std::string output;
  int compression = 0;
};

// io::IoError (unreadable parts, mismatched scenarios) becomes exit code 5 in run_selected.
int run_merge(const MergeOptions& o) {
  const io::MergeSummary m = io::merge_parts(o.parts, o.output, o.compression);
  std::fprintf(stderr, "calcikin: merged %zu parts into %s: %zu runs, %zu failed\n", m.parts,
               o.output.c_str(), m.runs, m.failed);
  return kExitOk;  // failed points are data here, not a failure of the merge
}

}  // namespace

void register_merge(CLI::App& app, CommandTable& table) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* sub = app.add_subcommand("merge", "Merge the shard files of a job array into one file");
  sub->add_option("parts", o->parts, "Finished shard files (calcikin run --shard K/N)")->required();
  sub->add_option("-o,--output", o->output, "Merged file")->required();
  sub->add_option("--compression", o->compression, "gzip level 0 (off) .. 9")
      ->check(CLI::Range(0, 9));
  sub->footer(exit_code_help());
  table.add(sub, [o] { return run_merge(*o); });
}

}  // namespace calcikin::cli
