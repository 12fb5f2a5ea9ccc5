#include "solver/io/sweep_reader.hpp"

#include <hdf5_hl.h>

#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "solver/io/hdf5_util.hpp"
#include "solver/io/output_names.hpp"
#include "solver/io/run_layout.hpp"

namespace calcikin::io {

using h5::check;
using h5::check_status;
using h5::Handle;

namespace {

[[noreturn]] void damaged(const std::string& path, const std::string& field,
                          const std::string& what) {
  throw IoError(path + ": " + field + ": " + what +
                " (not a calcikin result file, or a damaged one)");
}

std::string number_text(double x) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

// A root attribute holding one integer in [lo, hi].
std::size_t count_attribute(hid_t file, const std::string& path, const char* name, double lo,
                            double hi) {
  if (!h5::has_attribute(file, name)) damaged(path, name, "attribute missing");
  double v = 0;
  try {
    h5::read_number_attribute(file, name, v);
  } catch (const IoError&) {
    damaged(path, name, "not a single number");
  }
  if (!std::isfinite(v) || v != std::floor(v) || v < lo || v > hi) {
    damaged(path, name,
            "value " + number_text(v) + " is not an integer in [" + number_text(lo) + ", " +
                number_text(hi) + "]");
  }
  return static_cast<std::size_t>(v);
}

// Bytes of `count` elements of `size` bytes, or SIZE_MAX on overflow.
std::size_t times(std::size_t a, std::size_t b) {
  if (a != 0 && b > SIZE_MAX / a) return SIZE_MAX;
  return a * b;
}

// The type readers use in memory for a dataset of file type `type` (native numbers; strings as
// stored).
Handle memory_type(hid_t type) {
  if (H5Tget_class(type) == H5T_STRING) return check(H5Tcopy(type), "copy string type");
  return check(H5Tget_native_type(type, H5T_DIR_ASCEND), "find native type");
}

herr_t collect_root_attribute(hid_t object, const char* name, const H5A_info_t*, void* data) {
  // An HDF5 callback: nothing may be thrown through it. Attributes that are not single strings
  // or numbers are not shown.
  try {
    auto* info = static_cast<SweepFileInfo*>(data);
    Handle attr(H5Aopen(object, name, H5P_DEFAULT));
    if (!attr.valid()) return 0;
    Handle type(H5Aget_type(attr.get()));
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls == H5T_STRING) {
      info->text_attributes[name] = h5::read_string_attribute(object, name);
    } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
      double value = 0;
      h5::read_number_attribute(object, name, value);
      info->numeric_attributes[name] = value;
    }
  } catch (const std::exception&) {
    return 0;
  }
  return 0;
}

}  // namespace

std::size_t shard_rows(std::size_t total, std::size_t index, std::size_t count) noexcept {
  if (count == 0) return 0;
  return total / count + (index < total % count ? 1 : 0);
}

SweepFileShape check_sweep_file(hid_t file, const std::string& path) {
  SweepFileShape shape;
  std::string format;
  try {
    format = h5::read_string_attribute(file, "calcikin_format");
  } catch (const IoError&) {
    damaged(path, "calcikin_format", "not a single string");
  }
  if (format != kFormatName)
    damaged(path, "calcikin_format", format.empty() ? "attribute missing" : "is not " + format);
  count_attribute(file, path, "calcikin_format_version", 1, kFormatVersion);
  shape.total_runs = count_attribute(file, path, "total_runs", 0, kMaxRuns);
  shape.shard_count = count_attribute(file, path, "shard_count", 1, kMaxRuns);
  shape.shard_index =
      count_attribute(file, path, "shard_index", 0, static_cast<double>(shape.shard_count) - 1);
  shape.rows = shard_rows(shape.total_runs, shape.shard_index, shape.shard_count);
  try {
    shape.scenario_hash = h5::read_string_attribute(file, "scenario_hash");
  } catch (const IoError&) {
    damaged(path, "scenario_hash", "not a single string");
  }
  if (shape.scenario_hash.empty()) damaged(path, "scenario_hash", "attribute missing");

  for (const char* required :
       {kRunDimension, kStatusVariable, kMessageVariable, kCompletedVariable}) {
    if (!h5::has_dataset(file, required)) damaged(path, required, "dataset missing");
  }
  for (const auto& name : h5::dataset_names(file)) {
    Handle ds = check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open " + name + " in " + path);
    Handle type = check(H5Dget_type(ds.get()), "read the type of " + name + " in " + path);
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_STRING)
      damaged(path, name, "type is not a number or a string");
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0 || size > h5::kMaxFixedStringBytes) damaged(path, name, "implausible type size");
    Handle space = check(H5Dget_space(ds.get()), "read the space of " + name + " in " + path);
    if (H5Sget_simple_extent_type(space.get()) != H5S_SIMPLE) damaged(path, name, "not an array");
    const std::vector<hsize_t> dims = h5::dataset_shape(ds.get());
    if (dims.empty()) damaged(path, name, "no dimensions");
    // Per run: `run` itself and every variable along it; the rest are coordinates (time, the
    // named dimensions and their *_name variables) and the parameter table along `parameter`.
    // (a variable attached to no scale counts as per run: the strict check).
    const std::string first_dim = h5::dimension_names(ds.get()).front();
    const bool per_run =
        name == kRunDimension ||
        (H5DSis_scale(ds.get()) <= 0 && (first_dim.empty() || first_dim == kRunDimension));
    if (!per_run) {  // a coordinate (time, phase, ...): one dimension of bounded size
      if (dims.size() != 1 || times(dims[0], size) > kMaxRowBytes)
        damaged(path, name, "a coordinate must be one bounded dimension");
      continue;
    }
    if (dims[0] != shape.rows) {
      damaged(path, name,
              std::to_string(dims[0]) + " rows, but the file is shard " +
                  std::to_string(shape.shard_index) + "/" + std::to_string(shape.shard_count) +
                  " of " + std::to_string(shape.total_runs) + " runs (" +
                  std::to_string(shape.rows) + " rows)");
    }
    std::size_t row_bytes = size;
    for (std::size_t k = 1; k < dims.size(); ++k) row_bytes = times(row_bytes, dims[k]);
    if (row_bytes > kMaxRowBytes) damaged(path, name, "a row is larger than 256 MiB");
    const bool bookkeeping = name == kRunDimension || name == kStatusVariable ||
                             name == kCompletedVariable || name == kMessageVariable;
    if (bookkeeping) {
      if (dims.size() != 1) damaged(path, name, "must have the one dimension run");
      const H5T_class_t want = name == kMessageVariable ? H5T_STRING : H5T_INTEGER;
      if (cls != want) damaged(path, name, want == H5T_STRING ? "not a string" : "not an integer");
      continue;
    }
    const std::vector<std::string> scales = h5::dimension_names(ds.get());
    for (std::size_t k = 1; k < dims.size(); ++k) {
      if (scales[k].empty() || !h5::has_dataset(file, scales[k])) continue;
      Handle scale = check(H5Dopen2(file, scales[k].c_str(), H5P_DEFAULT), "open " + scales[k]);
      const std::vector<hsize_t> scale_dims = h5::dataset_shape(scale.get());
      if (scale_dims.size() != 1 || scale_dims[0] != dims[k]) {
        damaged(path, name,
                "dimension " + std::to_string(k) + " has " + std::to_string(dims[k]) +
                    " values, its coordinate " + scales[k] + " another number");
      }
    }
  }
  return shape;
}

void scan_rows(hid_t file, const std::string& path, std::size_t rows,
               const std::function<void(std::size_t, std::size_t, const std::uint8_t*,
                                        const std::int8_t*)>& visit) {
  if (rows == 0) return;
  Handle c = check(H5Dopen2(file, kCompletedVariable, H5P_DEFAULT), "open completed in " + path);
  Handle s = check(H5Dopen2(file, kStatusVariable, H5P_DEFAULT), "open status in " + path);
  Handle c_space = check(H5Dget_space(c.get()), "read the space of completed in " + path);
  Handle s_space = check(H5Dget_space(s.get()), "read the space of status in " + path);
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::vector<std::uint8_t> done(std::min(rows, kBlock));
  std::vector<std::int8_t> status(std::min(rows, kBlock));
  for (std::size_t first = 0; first < rows; first += kBlock) {
    const hsize_t start = first, count = std::min(kBlock, rows - first);
    Handle mem = check(H5Screate_simple(1, &count, nullptr), "create memory space");
    check_status(
        H5Sselect_hyperslab(c_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
        "select completed rows");
    check_status(
        H5Sselect_hyperslab(s_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
        "select status rows");
    check_status(
        H5Dread(c.get(), H5T_NATIVE_UINT8, mem.get(), c_space.get(), H5P_DEFAULT, done.data()),
        "read completed in " + path);
    check_status(
        H5Dread(s.get(), H5T_NATIVE_INT8, mem.get(), s_space.get(), H5P_DEFAULT, status.data()),
        "read status in " + path);
    for (std::size_t r = 0; r < count; ++r) {
      const bool bad_done = done[r] > 1;
      const bool bad_status = status[r] < -1 || status[r] > 1 || (done[r] == 1 && status[r] < 0);
      if (bad_done || bad_status) {
        damaged(path, bad_done ? kCompletedVariable : kStatusVariable,
                "row " + std::to_string(first + r) + " holds " +
                    std::to_string(bad_done ? done[r] : status[r]) +
                    (bad_done ? " (0 or 1 expected)" : " (not a status of a completed row)"));
      }
    }
    visit(first, count, done.data(), status.data());
  }
}

namespace {

// Reads one attribute whole (an HDF5 callback: nothing may be thrown through it; a failure is a
// negative return, which stops the iteration). Variable-length strings live in the global heap,
// which has no checksum: reading them here, in the isolated verifier, is what keeps a damaged heap
// from crashing the process that later copies the attributes (finish, merge).
herr_t read_one_attribute(hid_t object, const char* name, const H5A_info_t*, void*) {
  try {
    Handle attr(H5Aopen(object, name, H5P_DEFAULT));
    if (!attr.valid()) return -1;
    Handle type(H5Aget_type(attr.get()));
    if (!type.valid()) return -1;
    Handle mem_type = memory_type(type.get());
    Handle space(H5Aget_space(attr.get()));
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0 || n > (1 << 20)) return -1;
    std::vector<unsigned char> buffer(H5Tget_size(mem_type.get()) * static_cast<std::size_t>(n) +
                                      1);
    if (H5Aread(attr.get(), mem_type.get(), buffer.data()) < 0) return -1;
    if (H5Tis_variable_str(mem_type.get()) > 0)
      H5Dvlen_reclaim(mem_type.get(), space.get(), H5P_DEFAULT, buffer.data());
  } catch (const std::exception&) {
    return -1;
  }
  return 0;
}

void read_all_attributes(hid_t object, const std::string& path, const std::string& where) {
  hsize_t index = 0;
  if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_NATIVE, &index, read_one_attribute, nullptr) < 0) {
    damaged(path, where, "its attributes cannot be read");
  }
}

}  // namespace

void read_all_datasets(hid_t file, const std::string& path) {
  read_all_attributes(file, path, "the root attributes");
  std::vector<unsigned char> buffer;
  for (const auto& name : h5::dataset_names(file)) {
    Handle ds = check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open " + name + " in " + path);
    read_all_attributes(ds.get(), path, name);
    Handle type = check(H5Dget_type(ds.get()), "read the type of " + name + " in " + path);
    Handle mem_type = memory_type(type.get());
    const bool vlen = H5Tis_variable_str(mem_type.get()) > 0;
    const std::vector<hsize_t> dims = h5::dataset_shape(ds.get());
    if (dims.empty() || dims[0] == 0) continue;
    std::size_t row_bytes = H5Tget_size(mem_type.get());
    for (std::size_t k = 1; k < dims.size(); ++k) row_bytes = times(row_bytes, dims[k]);
    if (row_bytes > kMaxRowBytes) damaged(path, name, "a row is larger than 256 MiB");
    const std::size_t block = std::max<std::size_t>(1, (std::size_t{8} << 20) / row_bytes);
    Handle space = check(H5Dget_space(ds.get()), "read the space of " + name + " in " + path);
    for (hsize_t first = 0; first < dims[0]; first += block) {
      std::vector<hsize_t> start(dims.size(), 0), count = dims;
      start[0] = first;
      count[0] = std::min<hsize_t>(block, dims[0] - first);
      buffer.resize(row_bytes * count[0]);
      Handle mem = check(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                         "create memory space");
      check_status(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                       count.data(), nullptr),
                   "select rows of " + name);
      if (H5Dread(ds.get(), mem_type.get(), mem.get(), space.get(), H5P_DEFAULT, buffer.data()) <
          0) {
        damaged(path, name, "its data cannot be read");
      }
      if (vlen) H5Dvlen_reclaim(mem_type.get(), mem.get(), H5P_DEFAULT, buffer.data());
    }
  }
}

SweepFileShape verify_sweep_file(const std::string& path, bool require_finished) {
  h5::silence_errors();
  Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), "create file access list");
  check_status(H5Pset_file_locking(fapl.get(), false, true), "turn file locking off");
  Handle file = check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()),
                      "open " + path + " (not an HDF5 file, or a damaged one)");
  SweepFileShape shape = check_sweep_file(file.get(), path);
  std::size_t missing = 0;
  scan_rows(file.get(), path, shape.rows,
            [&](std::size_t, std::size_t count, const std::uint8_t* done, const std::int8_t*) {
              missing += static_cast<std::size_t>(std::count(done, done + count, 0));
            });
  if (require_finished && missing != 0) {
    throw IoError(path + " is unfinished (" + std::to_string(missing) + " of " +
                  std::to_string(shape.rows) + " runs not completed)");
  }
  read_all_datasets(file.get(), path);
  return shape;
}

void verify_sweep_file_isolated(const std::string& path, bool require_finished) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw IoError("cannot read " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw IoError(path + " is not a regular file");
  int fds[2];
  if (::pipe(fds) != 0) throw IoError(std::string("cannot create a pipe: ") + std::strerror(errno));
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw IoError(std::string("cannot fork to verify ") + path + ": " + std::strerror(errno));
  }
  if (child == 0) {
    ::close(fds[0]);
    int code = 0;
    std::string message;
    try {
      verify_sweep_file(path, require_finished);
    } catch (const std::exception& e) {
      message = e.what();
      code = 5;
    }
    const char* p = message.data();
    std::size_t left = message.size();
    while (left > 0) {
      const ssize_t n = ::write(fds[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    ::_exit(code);
  }
  ::close(fds[1]);
  double limit = 30.0 + static_cast<double>(st.st_size) / 20e6;
  if (const char* env = std::getenv("CALCIKIN_VERIFY_SECONDS"))  // tests of damaged files
    limit = std::max(1.0, std::atof(env)) + static_cast<double>(st.st_size) / 20e6;
  const auto start = std::chrono::steady_clock::now();
  std::string message;
  char buffer[4096];
  bool open = true;
  while (open) {
    const double waited =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (waited > limit) break;
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, 200);
    if (ready < 0 && errno != EINTR) break;
    if (ready > 0) {
      const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
      if (n > 0)
        message.append(buffer, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EINTR)
        open = false;
    }
  }
  ::close(fds[0]);
  int status = 0;
  if (open) {  // still running after the limit: HDF5 is looping on the damage
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    throw IoError(path + ": reading it does not finish (damaged HDF5 metadata)");
  }
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    throw IoError(path + ": HDF5 crashes reading it (signal " + std::to_string(WTERMSIG(status)) +
                  "): the file is damaged");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw IoError(message.empty() ? path + ": cannot be verified" : message);
}

SweepFileInfo read_sweep_info(const std::string& path) {
  verify_sweep_file_isolated(path, false);
  h5::silence_errors();
  SweepFileInfo info;
  info.path = path;
  // No file lock: `info` must read the .partial file of a sweep that is still running (read-only;
  // rows are flagged completed only after their data, so what it counts is consistent).
  Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), "create file access list");
  check_status(H5Pset_file_locking(fapl.get(), false, true), "turn file locking off");
  Handle file = check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()),
                      "open " + path + " (not an HDF5 file, or a damaged one)");
  const SweepFileShape shape = check_sweep_file(file.get(), path);
  hsize_t idx = 0;
  check_status(
      H5Aiterate2(file.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_root_attribute, &info),
      "read attributes of " + path);
  info.total_runs = shape.total_runs;
  info.shard_index = shape.shard_index;
  info.shard_count = shape.shard_count;
  info.rows = shape.rows;

  std::vector<std::size_t> failed_rows;  // the first 10
  scan_rows(file.get(), path, info.rows,
            [&](std::size_t first, std::size_t count, const std::uint8_t* done,
                const std::int8_t* status) {
              for (std::size_t r = 0; r < count; ++r) {
                if (done[r] == 0) continue;
                ++info.completed;
                if (status[r] != static_cast<std::int8_t>(RunStatus::Failed)) continue;
                ++info.failed;
                if (failed_rows.size() < 10) failed_rows.push_back(first + r);
              }
            });
  if (!failed_rows.empty()) {
    Handle m = check(H5Dopen2(file.get(), kMessageVariable, H5P_DEFAULT), "open message");
    Handle mtype = check(H5Dget_type(m.get()), "read message type");
    const bool vlen = H5Tis_variable_str(mtype.get()) > 0;
    Handle mem_type = vlen ? h5::utf8_vlen_string_type() : check(H5Tcopy(mtype.get()), "copy");
    const std::size_t len = vlen ? sizeof(char*) : H5Tget_size(mtype.get());
    Handle mspace = check(H5Dget_space(m.get()), "read message space");
    std::vector<char> text(len + 1, '\0');
    for (std::size_t r : failed_rows) {
      hsize_t start = r, count = 1;
      check_status(
          H5Sselect_hyperslab(mspace.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr),
          "select message");
      Handle mem = check(H5Screate_simple(1, &count, nullptr), "create memory space");
      std::fill(text.begin(), text.end(), '\0');
      check_status(
          H5Dread(m.get(), mem_type.get(), mem.get(), mspace.get(), H5P_DEFAULT, text.data()),
          "read message in " + path);
      if (vlen) {
        char* p = nullptr;
        std::memcpy(&p, text.data(), sizeof p);
        info.first_failures.emplace_back(p != nullptr ? p : "");
        H5Dvlen_reclaim(mem_type.get(), mem.get(), H5P_DEFAULT, text.data());
      } else {
        info.first_failures.emplace_back(text.data(), strnlen(text.data(), len));
      }
    }
  }
  for (const auto& name : h5::dataset_names(file.get())) {
    Handle ds = check(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), "open " + name);
    VariableInfo v;
    v.name = name;
    for (hsize_t n : h5::dataset_shape(ds.get())) v.shape.push_back(static_cast<std::size_t>(n));
    v.dims = h5::dimension_names(ds.get());
    if (H5DSis_scale(ds.get()) > 0) v.dims = {name};
    try {
      v.units = h5::read_string_attribute(ds.get(), "units");
      v.sweep_path = h5::read_string_attribute(ds.get(), "sweep_path");
    } catch (const IoError&) {
      damaged(path, name, "units or sweep_path is not a single string");
    }
    info.variables.push_back(std::move(v));
  }
  return info;
}

}  // namespace calcikin::io
