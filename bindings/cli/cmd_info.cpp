// calcikin info OUT.h5 [--json]: what a sweep file (finished or .partial) holds: scenario, size,
// progress, failures, timing, versions, variables. Text or JSON on stdout; exit 0, or 5 when the
// file cannot be read.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "bindings/cli/commands.hpp"
#include "solver/input/exit_codes.hpp"
#include "solver/input/json.hpp"
#include "solver/io/sweep_reader.hpp"

namespace calcikin::cli {
namespace {

struct InfoOptions {
  std::string file;
  bool json = false;
};

using input::json_number;
using input::json_string;

void print_json(const io::SweepFileInfo& info) {
  std::string out = "{\n";
  out += "  \"file\": " + json_string(info.path) + ",\n";
  out += "  \"runs\": " + std::to_string(info.rows) + ",\n";
  out += "  \"total_runs\": " + std::to_string(info.total_runs) + ",\n";
  out += "  \"shard\": {\"index\": " + std::to_string(info.shard_index) +
         ", \"count\": " + std::to_string(info.shard_count) + "},\n";
  out += "  \"completed\": " + std::to_string(info.completed) + ",\n";
  out += "  \"failed\": " + std::to_string(info.failed) + ",\n";
  out += "  \"first_failures\": [";
  for (std::size_t i = 0; i < info.first_failures.size(); ++i)
    out += (i ? ", " : "") + json_string(info.first_failures[i]);
  out += "],\n  \"attributes\": {";
  bool first = true;
  for (const auto& [k, v] : info.text_attributes) {
    out += std::string(first ? "\n" : ",\n") + "    " + json_string(k) + ": " + json_string(v);
    first = false;
  }
  for (const auto& [k, v] : info.numeric_attributes) {
    out += std::string(first ? "\n" : ",\n") + "    " + json_string(k) + ": " + json_number(v);
    first = false;
  }
  out += "\n  },\n  \"variables\": [";
  for (std::size_t i = 0; i < info.variables.size(); ++i) {
    const auto& v = info.variables[i];
    out +=
        std::string(i ? ",\n" : "\n") + "    {\"name\": " + json_string(v.name) + ", \"dims\": [";
    for (std::size_t k = 0; k < v.dims.size(); ++k) out += (k ? ", " : "") + json_string(v.dims[k]);
    out += "], \"shape\": [";
    for (std::size_t k = 0; k < v.shape.size(); ++k)
      out += (k ? ", " : "") + std::to_string(v.shape[k]);
    out += "], \"units\": " + json_string(v.units);
    if (!v.sweep_path.empty()) out += ", \"sweep_path\": " + json_string(v.sweep_path);
    out += "}";
  }
  out += "\n  ]\n}\n";
  std::fputs(out.c_str(), stdout);
}

std::string attribute(const io::SweepFileInfo& info, const char* key) {
  const auto t = info.text_attributes.find(key);
  if (t != info.text_attributes.end()) return t->second;
  const auto n = info.numeric_attributes.find(key);
  if (n != info.numeric_attributes.end()) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", n->second);
    return text;
  }
  return "?";
}

void print_text(const io::SweepFileInfo& info) {
  std::printf("file:      %s\n", info.path.c_str());
  std::printf("scenario:  %s (%s, hash %s)\n", attribute(info, "title").c_str(),
              attribute(info, "scenario_file").c_str(), attribute(info, "scenario_hash").c_str());
  if (info.text_attributes.count("overrides") != 0 &&
      !info.text_attributes.at("overrides").empty()) {
    std::printf("overrides: %s\n", info.text_attributes.at("overrides").c_str());
  }
  std::printf("runs:      %zu", info.rows);
  if (info.shard_count > 1)
    std::printf(" (shard %zu/%zu of %zu runs)", info.shard_index, info.shard_count,
                info.total_runs);
  std::printf("\nprogress:  %zu/%zu completed%s, %zu failed\n", info.completed, info.rows,
              info.completed < info.rows ? " (unfinished: resume with calcikin run --resume)" : "",
              info.failed);
  for (const auto& m : info.first_failures) std::printf("  failed:  %s\n", m.c_str());
  std::printf("timing:    %s s wall, %s s in HDF5, %s threads, %s MPI ranks\n",
              attribute(info, "wall_seconds").c_str(), attribute(info, "writer_seconds").c_str(),
              attribute(info, "threads").c_str(), attribute(info, "mpi_ranks").c_str());
  std::printf("created:   %s, finished %s\n", attribute(info, "created_utc").c_str(),
              attribute(info, "finished_utc").c_str());
  std::printf("versions:  calcikin %s (git %s), SUNDIALS %s, HDF5 %s, format %s %s\n",
              attribute(info, "program_version").c_str(), attribute(info, "git_commit").c_str(),
              attribute(info, "sundials_version").c_str(), attribute(info, "hdf5_version").c_str(),
              attribute(info, "calcikin_format").c_str(),
              attribute(info, "calcikin_format_version").c_str());
  std::printf("variables:\n");
  for (const auto& v : info.variables) {
    std::string dims;
    for (std::size_t k = 0; k < v.dims.size(); ++k) dims += (k ? ", " : "") + v.dims[k];
    std::printf("  %-28s (%s) %s%s\n", v.name.c_str(), dims.c_str(),
                v.units.empty() ? "" : ("[" + v.units + "]").c_str(),
                v.sweep_path.empty() ? "" : ("  swept: " + v.sweep_path).c_str());
  }
}

// io::IoError (unreadable file) becomes exit code 5 in CommandTable::run_selected.
int run_info(const InfoOptions& o) {
  const io::SweepFileInfo info = io::read_sweep_info(o.file);
  if (o.json)
    print_json(info);
  else
    print_text(info);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void register_info(CLI::App& app, CommandTable& table) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* sub = app.add_subcommand(
      "info", "Describe an output file: scenario, size, progress, failures, timing, versions");
  sub->add_option("file", o->file, "Output file (.h5, or the .partial of an unfinished run)")
      ->required();
  sub->add_flag("--json", o->json, "Print JSON instead of text");
  sub->footer(exit_code_help());
  table.add(sub, [o] { return run_info(*o); });
}

}  // namespace calcikin::cli
