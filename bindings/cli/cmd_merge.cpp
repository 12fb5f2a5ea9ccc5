// calcikin merge PART.h5... -o OUT.h5: combines the shard files of a job array (calcikin run
// --shard K/N) into the file a single run would have written. Refuses parts of different scenarios
// (hash), unfinished parts, and missing or repeated shards. stdout stays empty; exit 0, 3 (the
// output is a part, not a regular file, or exists without --overwrite) or 5.
//
// The output policy is run's (solver/io/output_guard.hpp): never onto a part or a non-regular file,
// one process per output path (OUT.lock, shared with `calcikin run`, so a merge never touches a
// running run's .partial), a finished OUT or an OUT.partial is never replaced without --overwrite;
// with it the old OUT stays until the merged file is complete and verified.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bindings/cli/commands.hpp"
#include "solver/input/exit_codes.hpp"
#include "solver/input/input_error.hpp"
#include "solver/io/io_error.hpp"
#include "solver/io/output_guard.hpp"
#include "solver/io/output_names.hpp"
#include "solver/io/sweep_merge.hpp"

namespace calcikin::cli {
namespace {

struct MergeOptions {
  std::vector<std::string> parts;
  std::string output;
  int compression = 0;
  bool overwrite = false;
};

[[noreturn]] void refuse(const std::string& why) { throw input::InputError({}, "merge -o", why); }

// io::IoError (unreadable parts, mismatched scenarios) becomes exit code 5 in run_selected.
int run_merge(const MergeOptions& o) {
  const std::string refusal = io::output_refusal(o.output, o.parts);
  if (!refusal.empty()) refuse(refusal);
  io::OutputLock lock(o.output);  // exit 5 at once when a run or merge is writing it
  const std::string partial = o.output + io::kPartialSuffix;
  std::error_code ec;
  const bool finished = std::filesystem::exists(o.output, ec);
  const bool unfinished = std::filesystem::exists(partial, ec);
  if ((finished || unfinished) && !o.overwrite) {
    refuse((finished ? o.output + " exists" : partial + " (an interrupted run or merge) exists") +
           std::string(": refusing to overwrite it; pass --overwrite to replace it"));
  }
  if (unfinished && std::remove(partial.c_str()) != 0)
    throw io::IoError("cannot remove " + partial + " (--overwrite)");
  const io::MergeSummary m = io::merge_parts(o.parts, o.output, o.compression, o.overwrite);
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
  sub->add_flag("--overwrite", o->overwrite,
                "Replace an existing output file (or its .partial); the old file stays until the "
                "merged one is complete");
  sub->footer(exit_code_help());
  table.add(sub, [o] { return run_merge(*o); });
}

}  // namespace calcikin::cli
