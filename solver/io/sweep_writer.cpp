#include "solver/io/sweep_writer.hpp"

#include <fcntl.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <variant>

#include "solver/io/hdf5_util.hpp"
#include "solver/io/output_description.hpp"
#include "solver/io/output_names.hpp"
#include "solver/io/sweep_merge.hpp"
#include "solver/io/sweep_reader.hpp"

namespace calcikin::io {

using h5::check;
using h5::check_status;
using h5::Handle;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Adds the elapsed time of a scope to a counter (HDF5 share of the wall time).
class Stopwatch {
 public:
  explicit Stopwatch(double& total) : total_(total), start_(now_seconds()) {}
  ~Stopwatch() { total_ += now_seconds() - start_; }
  Stopwatch(const Stopwatch&) = delete;
  Stopwatch& operator=(const Stopwatch&) = delete;

 private:
  double& total_;
  double start_;
};

// The file layout keeps every dataset contiguous, allocated and filled at creation, and the sieve
// buffer off: afterwards a write is a plain pwrite of raw data and never touches HDF5 metadata.
Handle crash_safe_access() {
  Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), "create file access list");
  check_status(H5Pset_sieve_buf_size(fapl.get(), 0), "turn the sieve buffer off");
  // No metadata / small-data aggregation blocks: their unused tails are given back when the file
  // is closed, which shrinks the file and rewrites the superblock; after a write failed for want
  // of space (ENOSPC on a copy-on-write file system) that rewrite failed too and left a .partial
  // shorter than the end-of-file address in its superblock, which HDF5 refuses to open.
  check_status(H5Pset_meta_block_size(fapl.get(), 0), "turn metadata aggregation off");
  check_status(H5Pset_small_data_block_size(fapl.get(), 0), "turn small-data aggregation off");
  // HDF5 1.8 object format: checksummed metadata, so damage is reported instead of trusted (and
  // no superblock-v3 "open for writing" flag that would block resuming after kill -9).
  check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18),
               "set the file format version");
  return fapl;
}

Handle dataset_creation(hid_t type, const void* fill) {
  Handle dcpl = check(H5Pcreate(H5P_DATASET_CREATE), "create dataset property list");
  check_status(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), "set contiguous layout");
  check_status(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "set early allocation");
  check_status(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC), "set fill time");
  check_status(H5Pset_fill_value(dcpl.get(), type, fill), "set fill value");
  // No timestamps in object headers: two runs of the same sweep give identical datasets.
  check_status(H5Pset_obj_track_times(dcpl.get(), false), "turn object times off");
  return dcpl;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

void write_attributes(hid_t object, const Attributes& attributes) {
  for (const auto& [name, value] : attributes) {
    std::visit([&, &name = name](const auto& v) { h5::write_attribute(object, name, v); }, value);
  }
}

// A fixed-length UTF-8 string dataset holding `text` (strings of the .partial file; the published
// file has variable-length ones).
Handle create_string_dataset(hid_t f, const std::string& name,
                             const std::vector<std::string>& text) {
  std::size_t len = 1;
  for (const auto& t : text) len = std::max(len, t.size());
  Handle type = h5::utf8_string_type(len);
  const hsize_t n = text.size();
  Handle space = check(H5Screate_simple(1, &n, nullptr), "create space of " + name);
  std::vector<char> fill(len, '\0');
  Handle dcpl = dataset_creation(type.get(), fill.data());
  Handle ds = check(
      H5Dcreate2(f, name.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      "create dataset " + name);
  std::vector<char> bytes(len * text.size(), '\0');
  for (std::size_t i = 0; i < text.size(); ++i)
    std::memcpy(&bytes[i * len], text[i].data(), text[i].size());
  check_status(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
               "write " + name);
  return ds;
}

// A dimension whose entries are named (phase, element, parameter): a netCDF dimension without a
// coordinate variable (netCDF-C's convention: a dimension scale whose NAME attribute says so; CF
// forbids a string variable named like its dimension), and the names as the CF auxiliary
// coordinate NAME_name, listed in the `coordinates` attribute of every variable along NAME.
Handle create_label_dimension(hid_t f, const std::string& name,
                              const std::vector<std::string>& labels,
                              const std::string& long_name) {
  const hsize_t n = labels.size();
  Handle space = check(H5Screate_simple(1, &n, nullptr), "create space of " + name);
  const float zero = 0.0F;
  Handle dcpl = dataset_creation(H5T_NATIVE_FLOAT, &zero);
  Handle scale = check(H5Dcreate2(f, name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                                  dcpl.get(), H5P_DEFAULT),
                       "create dimension " + name);
  char scale_name[96];
  std::snprintf(scale_name, sizeof scale_name, "%s%10d", kDimensionWithoutVariable,
                static_cast<int>(n));
  check_status(H5DSset_scale(scale.get(), scale_name), "make " + name + " a dimension scale");
  Handle names = create_string_dataset(f, name + kLabelSuffix, labels);
  if (!long_name.empty()) h5::write_attribute(names.get(), "long_name", long_name);
  check_status(H5DSattach_scale(names.get(), scale.get(), 0), "attach " + name);
  return scale;
}

// The file's whole extent is allocated on disk before it becomes the .partial. HDF5 addresses
// space it has not written yet (the tail of the file): rows written later would extend the file,
// and a full disk then left a .partial shorter than its own end-of-file address, which HDF5 no
// longer opens (seen with ENOSPC, tests/sweep/disk_full_test.sh). With the space reserved, a full
// disk fails the creation (nothing left) and row writes land in allocated blocks.
void reserve_space(hid_t file, const std::string& path) {
  haddr_t size = 0;  // the end-of-file address (H5Fget_filesize is the bytes written so far)
  check_status(H5Fget_eoa(file, &size), "read the end-of-file address of " + path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw IoError("cannot open " + path + ": " + std::strerror(errno));
  const int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
  ::close(fd);
  if (err != 0 && err != EINVAL && err != EOPNOTSUPP)  // file systems without it: as before
    throw IoError("cannot reserve " + std::to_string(size) + " bytes for " + path + ": " +
                  h5::describe_system_error(err));
}

}  // namespace

struct SweepWriter::Impl {
  WriterSetup setup;
  std::string partial;
  std::size_t rows = 0;
  Handle file;

  struct OutVar {
    std::size_t layout_index = 0;
    std::size_t out_size = 1;         // values per run in the file (after thinning)
    std::vector<std::size_t> gather;  // file element -> record element; empty = identity
    ValueKind kind = ValueKind::Float64;
    bool float32 = false;  // Float64 values stored as float32
    std::size_t label_length = 1;
    std::vector<hsize_t> shape;  // without run
    Handle dataset;
  };
  std::vector<OutVar> vars;
  Handle status_ds, message_ds, completed_ds;
  std::vector<std::uint8_t> completed;
  std::vector<std::int8_t> status;
  std::vector<std::size_t> time_keep;  // kept time indices (All: every one)
  bool keep_time = true;
  double hdf5_seconds = 0.0;

  // Reused staging buffers (grow to the largest batch, then stay).
  std::vector<double> f64;
  std::vector<float> f32;
  std::vector<std::int64_t> i64;
  std::vector<char> chars;
  std::vector<std::int8_t> i8;
  std::vector<std::uint8_t> u8;

  OutputDescription description;  // names, dims and attributes (shared with MemoryResult)
  dev_t partial_device = 0;       // the .partial this process created or resumed
  ino_t partial_inode = 0;
  void remember_own();
  // Throws IoError unless PATH.partial is still the file this process wrote and PATH is absent or
  // a regular file (rename only the own file, and never over a device or directory).
  void check_still_own() const;

  void plan_outputs();
  void create_file();
  void create_file_body();
  void create_run_dimension();
  void create_layout_dimensions();
  void create_swept_inputs();
  void create_model_outputs();
  void create_bookkeeping();
  void publish_creating(const std::string& creating);
  Handle per_run_space(const std::vector<hsize_t>& shape) const;
  void attach(hid_t ds, const std::vector<std::string>& dims) const;
  void write_parameters(hid_t f);
  void open_file();
  void write_group(const RunRecord* const* records, std::size_t count, std::size_t first_row);
  void write_rows(hid_t dataset, hid_t mem_type, const void* data, std::size_t first_row,
                  std::size_t count, const std::vector<hsize_t>& shape);
};

void SweepWriter::Impl::plan_outputs() {
  const OutputPlan plan = plan_output(setup);
  description = describe_output(setup, plan);
  rows = plan.rows;
  keep_time = plan.keep_time;
  time_keep = plan.time_keep;
  vars.clear();
  for (const PlannedOutput& p : plan.outputs) {
    OutVar out;
    out.layout_index = p.layout_index;
    out.out_size = p.out_size;
    out.gather = p.gather;
    out.kind = p.kind;
    out.float32 = p.float32;
    out.label_length = p.label_length;
    out.shape.assign(p.shape.begin(), p.shape.end());
    vars.push_back(std::move(out));
  }
}

// The effective parameters: dimension `parameter` (their dotted scenario paths) with
// parameter_value and parameter_units. Written once at creation; a swept parameter is NaN (its
// per-run values are the swept coordinate).
void SweepWriter::Impl::write_parameters(hid_t f) {
  if (setup.parameters.empty()) return;
  const ParameterTable table = parameter_table(setup);
  const hsize_t n = table.names.size();
  const std::string label = std::string(kParameterDimension) + kLabelSuffix;
  Handle dim = create_label_dimension(f, kParameterDimension, table.names,
                                      "effective model parameter (dotted scenario path)");
  Handle unit_ds = create_string_dataset(f, kParameterUnitsVariable, table.units);
  write_attributes(unit_ds.get(), description.variable(kParameterUnitsVariable).attributes);
  h5::write_attribute(unit_ds.get(), "coordinates", label);
  check_status(H5DSattach_scale(unit_ds.get(), dim.get(), 0), "attach parameter");
  Handle space = check(H5Screate_simple(1, &n, nullptr), "create space of parameter_value");
  Handle dcpl = dataset_creation(H5T_IEEE_F64LE, &kNaN);
  Handle ds = check(H5Dcreate2(f, kParameterValueVariable, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                               dcpl.get(), H5P_DEFAULT),
                    "create dataset parameter_value");
  check_status(
      H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, table.values.data()),
      "write parameter_value");
  h5::write_fill_value_attribute(ds.get(), kNaN);
  write_attributes(ds.get(), description.variable(kParameterValueVariable).attributes);
  h5::write_attribute(ds.get(), "coordinates", label);
  check_status(H5DSattach_scale(ds.get(), dim.get(), 0), "attach parameter");
}

void SweepWriter::Impl::create_file() {
  try {
    create_file_body();
  } catch (...) {
    // A failure while creating (disk full, ...) leaves no temporary file behind.
    vars.clear();
    status_ds.reset();
    message_ds.reset();
    completed_ds.reset();
    file.reset();
    std::remove((partial + ".creating").c_str());
    throw;
  }
}

// The .partial is built in named steps, each naming what it creates in its error: the run
// dimension, the layout dimensions, the swept inputs, the model outputs, the bookkeeping
// (status, message, completed), the parameters and root attributes, then publication.
void SweepWriter::Impl::create_file_body() {
  Handle fapl = crash_safe_access();
  // Built under a temporary name and renamed once its metadata is on disk: a .partial file always
  // opens, even when the process was killed while creating it.
  const std::string creating = partial + ".creating";
  std::remove(partial.c_str());
  file = check(H5Fcreate(creating.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
               "create " + creating);
  create_run_dimension();
  create_layout_dimensions();
  create_swept_inputs();
  create_model_outputs();
  create_bookkeeping();
  write_parameters(file.get());
  write_attributes(file.get(), description.root);
  publish_creating(creating);
}

Handle SweepWriter::Impl::per_run_space(const std::vector<hsize_t>& shape) const {
  std::vector<hsize_t> dims{static_cast<hsize_t>(rows)};
  dims.insert(dims.end(), shape.begin(), shape.end());
  return check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               "create data space");
}

void SweepWriter::Impl::attach(hid_t ds, const std::vector<std::string>& dims) const {
  const hid_t f = file.get();
  Handle run = check(H5Dopen2(f, kRunDimension, H5P_DEFAULT), "open run");
  check_status(H5DSattach_scale(ds, run.get(), 0), "attach run");
  for (std::size_t k = 0; k < dims.size(); ++k) {
    Handle scale = check(H5Dopen2(f, dims[k].c_str(), H5P_DEFAULT), "open " + dims[k]);
    check_status(H5DSattach_scale(ds, scale.get(), static_cast<unsigned>(k + 1)),
                 "attach " + dims[k]);
  }
}

void SweepWriter::Impl::create_run_dimension() {
  const hid_t f = file.get();
  const hsize_t n_rows = rows;
  // Dimension `run`: the global run index of each row.
  {
    Handle space = check(H5Screate_simple(1, &n_rows, nullptr), "create run space");
    const std::int64_t fill = -1;
    Handle dcpl = dataset_creation(H5T_STD_I64LE, &fill);
    Handle ds = check(H5Dcreate2(f, kRunDimension, H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                                 dcpl.get(), H5P_DEFAULT),
                      "create dataset run");
    std::vector<std::int64_t> index(rows);
    for (std::size_t r = 0; r < rows; ++r)
      index[r] = static_cast<std::int64_t>(setup.shard_index + r * setup.shard_count);
    if (rows > 0)
      check_status(
          H5Dwrite(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, index.data()),
          "write run");
    check_status(H5DSset_scale(ds.get(), kRunDimension), "make run a dimension scale");
    write_attributes(ds.get(), description.variable(kRunDimension).attributes);
  }
}

void SweepWriter::Impl::create_layout_dimensions() {
  const hid_t f = file.get();
  const RunLayout& layout = setup.layout;
  // Layout dimensions (time thinned; dropped with time_series: none).
  for (const auto& c : layout.dimensions) {
    const bool is_time = c.name == kTimeDimension;
    if (is_time && !keep_time) continue;
    Handle ds;
    if (!c.labels.empty()) {
      create_label_dimension(f, c.name, c.labels, c.long_name);
      continue;
    } else {
      std::vector<double> values;
      if (is_time) {
        for (std::size_t i : time_keep) values.push_back(c.values[i]);
      } else {
        values = c.values;
      }
      hsize_t n = values.size();
      Handle space = check(H5Screate_simple(1, &n, nullptr), "create space of " + c.name);
      Handle dcpl = dataset_creation(H5T_IEEE_F64LE, &kNaN);
      ds = check(H5Dcreate2(f, c.name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(),
                            H5P_DEFAULT),
                 "create dataset " + c.name);
      check_status(
          H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "write " + c.name);
    }
    check_status(H5DSset_scale(ds.get(), c.name.c_str()), "make " + c.name + " a dimension scale");
    write_attributes(ds.get(), description.variable(c.name).attributes);
  }
}

void SweepWriter::Impl::create_swept_inputs() {
  const hid_t f = file.get();
  // Swept inputs, one value per run, written now (they are known before any point is computed).
  for (std::size_t s = 0; s < setup.swept.size(); ++s) {
    const SweptVariable& sv = setup.swept[s];
    Handle space = per_run_space({});
    Handle dcpl = dataset_creation(H5T_IEEE_F64LE, &kNaN);
    Handle ds = check(H5Dcreate2(f, sv.name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                 dcpl.get(), H5P_DEFAULT),
                      "create dataset " + sv.name);
    write_attributes(ds.get(), description.variable(sv.name).attributes);
    attach(ds.get(), {});
  }
  if (!setup.swept.empty() && rows > 0) {
    const std::size_t block = 65536;
    std::vector<double> point(setup.swept.size());
    std::vector<std::vector<double>> columns(setup.swept.size());
    for (std::size_t start = 0; start < rows; start += block) {
      const std::size_t n = std::min(block, rows - start);
      for (auto& col : columns) col.resize(n);
      for (std::size_t r = 0; r < n; ++r) {
        setup.swept_values(setup.shard_index + (start + r) * setup.shard_count, point.data());
        for (std::size_t s = 0; s < point.size(); ++s) columns[s][r] = point[s];
      }
      for (std::size_t s = 0; s < setup.swept.size(); ++s) {
        Handle ds = check(H5Dopen2(f, setup.swept[s].name.c_str(), H5P_DEFAULT),
                          "open " + setup.swept[s].name);
        write_rows(ds.get(), H5T_NATIVE_DOUBLE, columns[s].data(), start, n, {});
      }
    }
  }
}

void SweepWriter::Impl::create_model_outputs() {
  const hid_t f = file.get();
  const RunLayout& layout = setup.layout;
  // Model outputs.
  for (auto& out : vars) {
    const Variable& var = layout.variables[out.layout_index];
    Handle space = per_run_space(out.shape);
    Handle type;
    Handle dcpl;
    if (out.kind == ValueKind::Float64) {
      const hid_t file_type = out.float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
      dcpl = dataset_creation(H5T_NATIVE_DOUBLE, &kNaN);  // the fill converted to the file type
      out.dataset = check(H5Dcreate2(f, var.name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                     dcpl.get(), H5P_DEFAULT),
                          "create dataset " + var.name);
    } else if (out.kind == ValueKind::Int64) {
      const std::int64_t fill = kMissingInteger;
      dcpl = dataset_creation(H5T_STD_I64LE, &fill);
      out.dataset = check(H5Dcreate2(f, var.name.c_str(), H5T_STD_I64LE, space.get(), H5P_DEFAULT,
                                     dcpl.get(), H5P_DEFAULT),
                          "create dataset " + var.name);
    } else {
      type = h5::utf8_string_type(out.label_length);
      std::vector<char> fill(out.label_length, '\0');
      dcpl = dataset_creation(type.get(), fill.data());
      out.dataset = check(H5Dcreate2(f, var.name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                     dcpl.get(), H5P_DEFAULT),
                          "create dataset " + var.name);
    }
    write_attributes(out.dataset.get(), description.variable(var.name).attributes);
    if (out.kind == ValueKind::Float64) h5::write_fill_value_attribute(out.dataset.get(), kNaN);
    if (out.kind == ValueKind::Int64)
      h5::write_fill_value_attribute(out.dataset.get(), static_cast<double>(kMissingInteger));
    // CF auxiliary coordinates: the swept inputs and the names of the named dimensions.
    std::string coords = h5::read_string_attribute(out.dataset.get(), "coordinates");
    for (const auto& d : var.dims) {
      if (!layout.dimensions[layout.dimension_index(d)].labels.empty())
        coords += (coords.empty() ? "" : " ") + d + kLabelSuffix;
    }
    if (!coords.empty()) h5::write_attribute(out.dataset.get(), "coordinates", coords);
    attach(out.dataset.get(), var.dims);
  }
}

void SweepWriter::Impl::create_bookkeeping() {
  const hid_t f = file.get();
  // Bookkeeping per run: status, message, completed (written last for each row).
  {
    Handle space = per_run_space({});
    const std::int8_t fill = static_cast<std::int8_t>(RunStatus::NotRun);
    Handle dcpl = dataset_creation(H5T_STD_I8LE, &fill);
    status_ds = check(H5Dcreate2(f, kStatusVariable, H5T_STD_I8LE, space.get(), H5P_DEFAULT,
                                 dcpl.get(), H5P_DEFAULT),
                      "create dataset status");
    write_attributes(status_ds.get(), description.variable(kStatusVariable).attributes);
    attach(status_ds.get(), {});
  }
  {
    Handle space = per_run_space({});
    Handle type = h5::utf8_string_type(kMessageLength);
    std::vector<char> fill(kMessageLength, '\0');
    Handle dcpl = dataset_creation(type.get(), fill.data());
    message_ds = check(H5Dcreate2(f, kMessageVariable, type.get(), space.get(), H5P_DEFAULT,
                                  dcpl.get(), H5P_DEFAULT),
                       "create dataset message");
    write_attributes(message_ds.get(), description.variable(kMessageVariable).attributes);
    attach(message_ds.get(), {});
  }
  {
    Handle space = per_run_space({});
    const std::uint8_t fill = 0;
    Handle dcpl = dataset_creation(H5T_STD_U8LE, &fill);
    completed_ds = check(H5Dcreate2(f, kCompletedVariable, H5T_STD_U8LE, space.get(), H5P_DEFAULT,
                                    dcpl.get(), H5P_DEFAULT),
                         "create dataset completed");
    write_attributes(completed_ds.get(), description.variable(kCompletedVariable).attributes);
    attach(completed_ds.get(), {});
  }
}

// Flushes the metadata, reserves the file's extent (a full disk fails here, not later while the
// .partial is in use) and renames .creating to .partial.
void SweepWriter::Impl::publish_creating(const std::string& creating) {
  check_status(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush " + partial);
  reserve_space(file.get(), creating);
  if (std::rename(creating.c_str(), partial.c_str()) != 0) {
    throw IoError("cannot rename " + creating + " to " + partial + ": " + std::strerror(errno));
  }
  completed.assign(rows, 0);
  status.assign(rows, static_cast<std::int8_t>(RunStatus::NotRun));
}

void SweepWriter::Impl::open_file() {
  // Verified completely before anything in it is trusted: format, sizes, every dataset readable.
  verify_sweep_file_isolated(partial, false);
  const SweepFileShape shape = verify_sweep_file(partial, false);
  const auto wanted = [&](const char* key) {
    const auto it = setup.text_attributes.find(key);
    return it != setup.text_attributes.end() ? it->second : std::string();
  };
  if (shape.scenario_hash != wanted("scenario_hash")) {
    throw IoError(partial + " belongs to another scenario (hash " + shape.scenario_hash +
                  ", this one " + wanted("scenario_hash") +
                  "): refusing to resume; remove it or run without --resume");
  }
  if (shape.total_runs != setup.total_runs || shape.shard_index != setup.shard_index ||
      shape.shard_count != setup.shard_count) {
    throw IoError(partial + " was written for another shard or sweep size: refusing to resume");
  }
  Handle fapl = crash_safe_access();
  file = check(H5Fopen(partial.c_str(), H5F_ACC_RDWR, fapl.get()),
               "open " + partial + " (no interrupted run to resume, or the file is damaged)");
  const hid_t f = file.get();
  for (const char* key : {"program_version", "git_commit"}) {
    const std::string have = h5::read_string_attribute(f, key), want = wanted(key);
    if (!want.empty() && have != want) {
      throw IoError(partial + " was written by another program version (" + key + " " + have +
                    ", this one " + want +
                    "): its runs and new ones would not be one computation; refusing to resume");
    }
  }
  for (auto& out : vars) {
    const std::string& name = setup.layout.variables[out.layout_index].name;
    if (!h5::has_dataset(f, name))
      throw IoError(partial + " has no variable '" + name + "': refusing to resume");
    out.dataset = check(H5Dopen2(f, name.c_str(), H5P_DEFAULT), "open " + name);
    std::vector<hsize_t> want_shape{rows};
    want_shape.insert(want_shape.end(), out.shape.begin(), out.shape.end());
    if (h5::dataset_shape(out.dataset.get()) != want_shape) {
      throw IoError(partial + ": variable '" + name + "' has another shape: refusing to resume");
    }
    Handle type = check(H5Dget_type(out.dataset.get()), "read the type of " + name);
    const H5T_class_t want_class = out.kind == ValueKind::Float64 ? H5T_FLOAT
                                   : out.kind == ValueKind::Int64 ? H5T_INTEGER
                                                                  : H5T_STRING;
    const bool other_float_size =
        out.kind == ValueKind::Float64 && H5Tget_size(type.get()) != (out.float32 ? 4u : 8u);
    if (H5Tget_class(type.get()) != want_class || other_float_size)
      throw IoError(partial + ": variable '" + name + "' has another type: refusing to resume");
  }
  status_ds = check(H5Dopen2(f, kStatusVariable, H5P_DEFAULT), "open status");
  message_ds = check(H5Dopen2(f, kMessageVariable, H5P_DEFAULT), "open message");
  completed_ds = check(H5Dopen2(f, kCompletedVariable, H5P_DEFAULT), "open completed");
  completed.assign(rows, 0);
  status.assign(rows, static_cast<std::int8_t>(RunStatus::NotRun));
  if (rows > 0) {
    check_status(H5Dread(completed_ds.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                         completed.data()),
                 "read completed");
    check_status(
        H5Dread(status_ds.get(), H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, status.data()),
        "read status");
  }
}

void SweepWriter::Impl::remember_own() {
  struct stat st {};
  if (::stat(partial.c_str(), &st) != 0)
    throw IoError("cannot read " + partial + ": " + std::strerror(errno));
  partial_device = st.st_dev;
  partial_inode = st.st_ino;
}

void SweepWriter::Impl::check_still_own() const {
  struct stat st {};
  if (::stat(partial.c_str(), &st) != 0 || st.st_dev != partial_device ||
      st.st_ino != partial_inode) {
    throw IoError(partial +
                  " is no longer the file this run wrote (replaced or removed by "
                  "another process): not renaming it");
  }
  if (::lstat(setup.path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
    throw IoError(setup.path + " is not a regular file: not replacing it");
}

void SweepWriter::Impl::write_rows(hid_t dataset, hid_t mem_type, const void* data,
                                   std::size_t first_row, std::size_t count,
                                   const std::vector<hsize_t>& shape) {
  std::vector<hsize_t> start(shape.size() + 1, 0), extent(shape.size() + 1, 0);
  start[0] = first_row;
  extent[0] = count;
  for (std::size_t k = 0; k < shape.size(); ++k) extent[k + 1] = shape[k];
  Handle file_space = check(H5Dget_space(dataset), "read data space");
  check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                   extent.data(), nullptr),
               "select rows");
  Handle mem_space =
      check(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr),
            "create memory space");
  check_status(H5Dwrite(dataset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data),
               "write rows");
}

void SweepWriter::Impl::write_group(const RunRecord* const* records, std::size_t count,
                                    std::size_t first_row) {
  for (const auto& out : vars) {
    const std::size_t v = out.layout_index;
    const Variable& var = setup.layout.variables[v];
    auto value = [&](const RunRecord& rec, std::size_t e) {
      return rec.data(v)[out.gather.empty() ? e : out.gather[e]];
    };
    if (out.kind == ValueKind::Float64 && out.float32) {
      // Rounded here (to nearest, as HDF5 would) so that the write stays a plain copy.
      f32.resize(count * out.out_size);
      for (std::size_t r = 0; r < count; ++r) {
        for (std::size_t e = 0; e < out.out_size; ++e)
          f32[r * out.out_size + e] = static_cast<float>(value(*records[r], e));
      }
      write_rows(out.dataset.get(), H5T_NATIVE_FLOAT, f32.data(), first_row, count, out.shape);
    } else if (out.kind == ValueKind::Float64) {
      f64.resize(count * out.out_size);
      for (std::size_t r = 0; r < count; ++r) {
        for (std::size_t e = 0; e < out.out_size; ++e)
          f64[r * out.out_size + e] = value(*records[r], e);
      }
      write_rows(out.dataset.get(), H5T_NATIVE_DOUBLE, f64.data(), first_row, count, out.shape);
    } else if (out.kind == ValueKind::Int64) {
      i64.resize(count * out.out_size);
      for (std::size_t r = 0; r < count; ++r) {
        for (std::size_t e = 0; e < out.out_size; ++e) {
          const double x = value(*records[r], e);
          // |x| < 2^63: anything else (NaN of a failed run, overflow) is "missing".
          i64[r * out.out_size + e] =
              std::fabs(x) < 9.2e18 ? static_cast<std::int64_t>(x) : kMissingInteger;
        }
      }
      write_rows(out.dataset.get(), H5T_NATIVE_INT64, i64.data(), first_row, count, out.shape);
    } else {
      const std::size_t len = out.label_length;
      chars.assign(count * out.out_size * len, '\0');
      for (std::size_t r = 0; r < count; ++r) {
        for (std::size_t e = 0; e < out.out_size; ++e) {
          const double x = value(*records[r], e);
          if (!std::isfinite(x) || x < 0 || x >= static_cast<double>(var.labels.size())) continue;
          const std::string& label = var.labels[static_cast<std::size_t>(x)];
          std::memcpy(&chars[(r * out.out_size + e) * len], label.data(), label.size());
        }
      }
      Handle type = h5::utf8_string_type(len);
      write_rows(out.dataset.get(), type.get(), chars.data(), first_row, count, out.shape);
    }
  }
  i8.resize(count);
  chars.assign(count * kMessageLength, '\0');
  for (std::size_t r = 0; r < count; ++r) {
    i8[r] = static_cast<std::int8_t>(records[r]->status);
    const std::string m = truncate_utf8(records[r]->message, kMessageLength);
    std::memcpy(&chars[r * kMessageLength], m.data(), m.size());
  }
  write_rows(status_ds.get(), H5T_NATIVE_INT8, i8.data(), first_row, count, {});
  Handle type = h5::utf8_string_type(kMessageLength);
  write_rows(message_ds.get(), type.get(), chars.data(), first_row, count, {});
}

SweepWriter::SweepWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SweepWriter::~SweepWriter() = default;

std::unique_ptr<SweepWriter> SweepWriter::open(const WriterSetup& setup, bool resume) {
  h5::silence_errors();
  auto impl = std::make_unique<Impl>();
  impl->setup = setup;
  impl->partial = setup.path + kPartialSuffix;
  impl->plan_outputs();
  {
    Stopwatch sw(impl->hdf5_seconds);
    if (resume)
      impl->open_file();
    else
      impl->create_file();
    impl->remember_own();
  }
  return std::unique_ptr<SweepWriter>(new SweepWriter(std::move(impl)));
}

std::unique_ptr<SweepWriter> SweepWriter::create(const WriterSetup& setup) {
  return open(setup, false);
}

std::unique_ptr<SweepWriter> SweepWriter::resume(const WriterSetup& setup) {
  return open(setup, true);
}

std::size_t SweepWriter::rows() const noexcept { return impl_->rows; }
std::size_t SweepWriter::global_index(std::size_t row) const noexcept {
  return impl_->setup.shard_index + row * impl_->setup.shard_count;
}
std::size_t SweepWriter::row_of(std::size_t global_run) const noexcept {
  return (global_run - impl_->setup.shard_index) / impl_->setup.shard_count;
}
bool SweepWriter::completed(std::size_t row) const noexcept { return impl_->completed[row] != 0; }
bool SweepWriter::failed(std::size_t row) const noexcept {
  return impl_->completed[row] != 0 &&
         impl_->status[row] == static_cast<std::int8_t>(RunStatus::Failed);
}

void SweepWriter::write(const RunRecord* const* records, std::size_t count) {
  if (count == 0) return;
  h5::silence_errors();  // the sweep's writer thread
  Stopwatch sw(impl_->hdf5_seconds);
  std::vector<const RunRecord*> sorted(records, records + count);
  std::sort(sorted.begin(), sorted.end(),
            [](const RunRecord* a, const RunRecord* b) { return a->run_index < b->run_index; });
  // Groups of consecutive rows: one write per dataset per group.
  std::vector<std::pair<std::size_t, std::size_t>> groups;  // (first position in sorted, length)
  for (std::size_t i = 0; i < count;) {
    std::size_t j = i + 1;
    while (j < count && row_of(sorted[j]->run_index) == row_of(sorted[j - 1]->run_index) + 1) ++j;
    impl_->write_group(&sorted[i], j - i, row_of(sorted[i]->run_index));
    groups.emplace_back(i, j - i);
    i = j;
  }
  // Only now the completed flags: a row is flagged after its data reached the file.
  for (const auto& [first, n] : groups) {
    impl_->u8.assign(n, 1);
    impl_->write_rows(impl_->completed_ds.get(), H5T_NATIVE_UINT8, impl_->u8.data(),
                      row_of(sorted[first]->run_index), n, {});
  }
  for (const RunRecord* r : sorted) {
    const std::size_t row = row_of(r->run_index);
    impl_->completed[row] = 1;
    impl_->status[row] = static_cast<std::int8_t>(r->status);
  }
}

void SweepWriter::flush() {
  h5::silence_errors();
  Stopwatch sw(impl_->hdf5_seconds);
  check_status(H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL), "flush " + impl_->partial);
}

void SweepWriter::finish(const std::map<std::string, std::string>& text_attributes,
                         const std::map<std::string, double>& numeric_attributes) {
  {
    Stopwatch sw(impl_->hdf5_seconds);
    impl_->vars.clear();
    impl_->status_ds.reset();
    impl_->message_ds.reset();
    impl_->completed_ds.reset();
    check_status(H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL), "flush " + impl_->partial);
    impl_->file.reset();
  }
  impl_->check_still_own();
  // The published file is a copy of the finished .partial, which is not modified again: its strings
  // become variable-length (netCDF-4), compressed when asked. The copy is verified before it is
  // renamed into place; the .partial stays on failure. The final attributes go into the copy only:
  // the .partial's metadata are never changed after creation (a full disk while changing them
  // left a .partial HDF5 could not read, tests/sweep/disk_full_test.sh copy-on-write).
  Stopwatch sw(impl_->hdf5_seconds);
  repack_compressed(impl_->partial, impl_->setup.path, impl_->setup.compression, text_attributes,
                    numeric_attributes);
  std::remove(impl_->partial.c_str());
}

void SweepWriter::close_partial() {
  if (!impl_->file.valid()) return;
  Stopwatch sw(impl_->hdf5_seconds);
  impl_->vars.clear();
  impl_->status_ds.reset();
  impl_->message_ds.reset();
  impl_->completed_ds.reset();
  H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL);
  impl_->file.reset();
}

double SweepWriter::hdf5_seconds() const noexcept { return impl_->hdf5_seconds; }
const std::string& SweepWriter::partial_path() const noexcept { return impl_->partial; }

}  // namespace calcikin::io
