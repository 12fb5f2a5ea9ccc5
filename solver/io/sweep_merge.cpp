#include "solver/io/sweep_merge.hpp"
#include "solver/io/timestamp.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <set>

#include <sys/stat.h>

#include "solver/io/hdf5_util.hpp"
#include "solver/io/output_names.hpp"
#include "solver/io/run_layout.hpp"
#include "solver/io/sweep_reader.hpp"

namespace calcikin::io {

using h5::check;
using h5::check_status;
using h5::Handle;

namespace {

// Attributes that HDF5's dimension-scale API owns; they are recreated by set_scale/attach_scale.
bool is_dimension_scale_attribute(const std::string& name) {
  return name == "DIMENSION_LIST" || name == "REFERENCE_LIST" || name == "CLASS" || name == "NAME";
}

struct CopyAttrContext {
  hid_t target = -1;
  bool vlen_strings = false;  // the target holds variable-length strings: no _Encoding
};

herr_t copy_one_attribute_or_throw(hid_t source, const char* name, void* data) {
  const auto* ctx = static_cast<CopyAttrContext*>(data);
  const hid_t target = ctx->target;
  if (is_dimension_scale_attribute(name)) return 0;
  // netCDF-4 strings (NC_STRING) are UTF-8 by definition; _Encoding is for char/byte arrays.
  if (ctx->vlen_strings && std::string(name) == "_Encoding") return 0;
  Handle attr(H5Aopen(source, name, H5P_DEFAULT));
  if (!attr.valid()) return -1;
  Handle type(H5Aget_type(attr.get()));
  Handle space(H5Aget_space(attr.get()));
  if (H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) > 0) {
    h5::write_attribute(target, name, h5::read_string_attribute(source, name));
    return 0;
  }
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<unsigned char> buffer(H5Tget_size(type.get()) *
                                    static_cast<std::size_t>(std::max<hssize_t>(n, 1)));
  if (H5Aread(attr.get(), type.get(), buffer.data()) < 0) return -1;
  if (H5Aexists(target, name) > 0) H5Adelete(target, name);
  Handle out(H5Acreate2(target, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!out.valid() || H5Awrite(out.get(), type.get(), buffer.data()) < 0) return -1;
  return 0;
}

// An HDF5 callback: nothing may be thrown through it.
herr_t copy_one_attribute(hid_t source, const char* name, const H5A_info_t*, void* data) {
  try {
    return copy_one_attribute_or_throw(source, name, data);
  } catch (const std::exception&) {
    return -1;
  }
}

void copy_attributes(hid_t source, hid_t target, bool vlen_strings = false) {
  CopyAttrContext ctx{target, vlen_strings};
  hsize_t idx = 0;
  check_status(H5Aiterate2(source, H5_INDEX_NAME, H5_ITER_INC, &idx, copy_one_attribute, &ctx),
               "copy attributes");
}

struct Part {
  std::string path;
  Handle file;
  std::size_t shard_index = 0;
  std::size_t shard_count = 1;
  std::size_t total = 0;
  std::size_t rows = 0;
  std::string hash;
  std::string program_version;
  std::string git_commit;
};

// Opens a part and checks it against the format before anything is sized from it.
Part open_part(const std::string& path, bool isolate = true) {
  Part p;
  p.path = path;
  if (isolate) verify_sweep_file_isolated(path, true);
  p.file = check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                 "open " + path + " (not an HDF5 file, or a damaged one)");
  const SweepFileShape shape = check_sweep_file(p.file.get(), path);
  p.total = shape.total_runs;
  p.shard_index = shape.shard_index;
  p.shard_count = shape.shard_count;
  p.rows = shape.rows;
  p.hash = shape.scenario_hash;
  try {
    p.program_version = h5::read_string_attribute(p.file.get(), "program_version");
    p.git_commit = h5::read_string_attribute(p.file.get(), "git_commit");
  } catch (const IoError&) {
    throw IoError(path + ": program_version or git_commit is not a single string");
  }
  return p;
}

// The datasets of a part: name -> (type class, type size, shape without the run rows).
struct DatasetSignature {
  H5T_class_t cls = H5T_NO_CLASS;
  std::size_t size = 0;
  bool variable = false;
  std::vector<hsize_t> shape;
  bool operator==(const DatasetSignature& o) const {
    return cls == o.cls && size == o.size && variable == o.variable && shape == o.shape;
  }
};

std::map<std::string, DatasetSignature> signature(const Part& p) {
  std::map<std::string, DatasetSignature> out;
  for (const auto& name : h5::dataset_names(p.file.get())) {
    Handle ds = check(H5Dopen2(p.file.get(), name.c_str(), H5P_DEFAULT), "open " + name);
    Handle type = check(H5Dget_type(ds.get()), "read the type of " + name);
    DatasetSignature sig;
    sig.cls = H5Tget_class(type.get());
    sig.size = H5Tget_size(type.get());
    sig.variable = H5Tis_variable_str(type.get()) > 0;
    sig.shape = h5::dataset_shape(ds.get());
    if (name == kRunDimension || H5DSis_scale(ds.get()) <= 0) sig.shape[0] = 0;  // rows differ
    out[name] = std::move(sig);
  }
  return out;
}

bool is_per_run(hid_t file, const std::string& name) {
  if (name == kRunDimension) return true;
  Handle ds = check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), "open " + name);
  Handle run = check(H5Dopen2(file, kRunDimension, H5P_DEFAULT), "open run");
  return H5DSis_attached(ds.get(), run.get(), 0) > 0;
}

// A dataset creation list for the published file: strings become variable-length UTF-8 (netCDF-4
// NC_STRING, empty string as fill); per-run numeric datasets are chunked (about 1 MiB per chunk
// along run, whole extent elsewhere) with shuffle + gzip when `compression` > 0.
Handle published_creation(hid_t src, hid_t type, const std::vector<hsize_t>& shape, bool run_rows,
                          int compression, const std::string& n) {
  if (h5::is_string_type(type)) {
    Handle dcpl = check(H5Pcreate(H5P_DATASET_CREATE), "create dataset property list");
    check_status(H5Pset_obj_track_times(dcpl.get(), false), "turn object times off");
    Handle vlen = h5::utf8_vlen_string_type();
    const char* empty = "";
    check_status(H5Pset_fill_value(dcpl.get(), vlen.get(), &empty), "set fill of " + n);
    return dcpl;
  }
  Handle dcpl = check(H5Dget_create_plist(src), "read creation list of " + n);
  const std::size_t rows = shape.empty() ? 0 : shape[0];
  if (compression > 0 && run_rows && rows > 0) {
    std::vector<hsize_t> chunk = shape;
    std::size_t row_bytes = H5Tget_size(type);
    for (std::size_t k = 1; k < shape.size(); ++k) row_bytes *= shape[k];
    chunk[0] = std::clamp<hsize_t>((1u << 20) / std::max<std::size_t>(row_bytes, 1), 1, rows);
    check_status(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
                 "set chunks of " + n);
    check_status(H5Pset_shuffle(dcpl.get()), "set shuffle of " + n);
    check_status(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(compression)),
                 "set compression of " + n);
    check_status(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_INCR), "set allocation of " + n);
  }
  return dcpl;
}

// Creates `to` holding the datasets of `first` with `rows` rows each (per-run ones) and copies
// every non-per-run dataset. Returns the names of the per-run datasets.
std::vector<std::string> create_like(hid_t first, hid_t to, std::size_t rows, int compression) {
  const std::vector<std::string> names = h5::dataset_names(first);
  std::vector<std::string> per_run;
  // Scales first (so data variables can attach them), then everything else.
  std::vector<std::string> order;
  for (const auto& n : names) {
    Handle ds = check(H5Dopen2(first, n.c_str(), H5P_DEFAULT), "open " + n);
    if (H5DSis_scale(ds.get()) > 0)
      order.insert(order.begin(), n);
    else
      order.push_back(n);
  }
  for (const auto& n : order) {
    Handle src = check(H5Dopen2(first, n.c_str(), H5P_DEFAULT), "open " + n);
    Handle src_type = check(H5Dget_type(src.get()), "read type of " + n);
    const bool is_string = h5::is_string_type(src_type.get());
    Handle type = is_string ? h5::utf8_vlen_string_type()
                            : check(H5Tcopy(src_type.get()), "copy type of " + n);
    std::vector<hsize_t> shape = h5::dataset_shape(src.get());
    const bool run_rows = is_per_run(first, n);
    if (run_rows) {
      shape[0] = rows;
      per_run.push_back(n);
    }
    Handle dcpl = published_creation(src.get(), src_type.get(), shape, run_rows, compression, n);
    Handle space = check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                         "create space of " + n);
    Handle dst = check(
        H5Dcreate2(to, n.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        "create " + n);
    copy_attributes(src.get(), dst.get(), is_string);
    if (H5DSis_scale(src.get()) > 0) {
      // Keep the scale's NAME (a dimension without a variable says so there).
      char scale_name[128] = {0};
      const ssize_t len = H5DSget_scale_name(src.get(), scale_name, sizeof scale_name);
      check_status(H5DSset_scale(dst.get(), len > 0 ? scale_name : n.c_str()),
                   "make " + n + " a dimension scale");
    } else {
      const std::vector<std::string> dims = h5::dimension_names(src.get());
      for (std::size_t k = 0; k < dims.size(); ++k) {
        if (dims[k].empty()) continue;
        Handle scale = check(H5Dopen2(to, dims[k].c_str(), H5P_DEFAULT), "open " + dims[k]);
        check_status(H5DSattach_scale(dst.get(), scale.get(), static_cast<unsigned>(k)),
                     "attach " + dims[k]);
      }
    }
    if (!run_rows && is_string) {
      h5::write_vlen_strings(dst.get(), H5S_ALL, H5S_ALL,
                             h5::read_strings(src.get(), space.get(), space.get()));
    } else if (!run_rows) {
      std::vector<unsigned char> buffer(
          H5Tget_size(type.get()) *
          static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
      if (!buffer.empty()) {
        check_status(H5Dread(src.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
                     "read " + n);
        check_status(H5Dwrite(dst.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
                     "write " + n);
      }
    }
  }
  copy_attributes(first, to);
  return per_run;
}

// Copies all rows of `name` from `from` into `to` at rows start, start+stride, ...
void scatter_rows(hid_t from, hid_t to, const std::string& name, std::size_t rows,
                  std::size_t start, std::size_t stride) {
  if (rows == 0) return;
  Handle src = check(H5Dopen2(from, name.c_str(), H5P_DEFAULT), "open " + name);
  Handle dst = check(H5Dopen2(to, name.c_str(), H5P_DEFAULT), "open " + name);
  Handle type = check(H5Dget_type(src.get()), "read type of " + name);
  const bool is_string = h5::is_string_type(type.get());
  std::vector<hsize_t> shape = h5::dataset_shape(src.get());
  std::size_t row_bytes = H5Tget_size(type.get());
  for (std::size_t k = 1; k < shape.size(); ++k) row_bytes *= shape[k];
  const std::size_t block =
      std::max<std::size_t>(1, (8u << 20) / std::max<std::size_t>(row_bytes, 1));
  std::vector<unsigned char> buffer;
  Handle src_space = check(H5Dget_space(src.get()), "read space of " + name);
  Handle dst_space = check(H5Dget_space(dst.get()), "read space of " + name);
  for (std::size_t r0 = 0; r0 < rows; r0 += block) {
    const std::size_t n = std::min(block, rows - r0);
    buffer.resize(n * row_bytes);
    std::vector<hsize_t> s_start(shape.size(), 0), count = shape, d_start(shape.size(), 0),
                                                   d_stride(shape.size(), 1);
    s_start[0] = r0;
    count[0] = n;
    d_start[0] = start + r0 * stride;
    d_stride[0] = stride;
    Handle mem = check(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                       "create memory space");
    check_status(H5Sselect_hyperslab(src_space.get(), H5S_SELECT_SET, s_start.data(), nullptr,
                                     count.data(), nullptr),
                 "select");
    std::vector<std::string> strings;
    if (is_string)
      strings = h5::read_strings(src.get(), mem.get(), src_space.get());
    else
      check_status(
          H5Dread(src.get(), type.get(), mem.get(), src_space.get(), H5P_DEFAULT, buffer.data()),
          "read " + name);
    // Each selected "block" is one row (count n along run with the stride, full extent elsewhere).
    std::vector<hsize_t> d_count(shape.size(), 1), d_block = shape;
    d_count[0] = n;
    d_block[0] = 1;
    check_status(H5Sselect_hyperslab(dst_space.get(), H5S_SELECT_SET, d_start.data(),
                                     d_stride.data(), d_count.data(), d_block.data()),
                 "select");
    if (is_string)
      h5::write_vlen_strings(dst.get(), mem.get(), dst_space.get(), strings);
    else
      check_status(
          H5Dwrite(dst.get(), type.get(), mem.get(), dst_space.get(), H5P_DEFAULT, buffer.data()),
          "write " + name);
  }
}

// Counts the failed rows of a finished part (every row completed; IoError otherwise).
std::size_t require_complete(const Part& p) {
  std::size_t missing = 0, failed = 0;
  scan_rows(p.file.get(), p.path, p.rows,
            [&](std::size_t, std::size_t count, const std::uint8_t* done, const std::int8_t* st) {
              missing += static_cast<std::size_t>(std::count(done, done + count, 0));
              failed += static_cast<std::size_t>(
                  std::count(st, st + count, static_cast<std::int8_t>(RunStatus::Failed)));
            });
  if (missing != 0) {
    throw IoError(p.path + " is unfinished (" + std::to_string(missing) + " of " +
                  std::to_string(p.rows) + " runs not completed): finish it with --resume first");
  }
  return failed;
}

// HDF5 1.8 object format: checksummed metadata (as the sweep writer).
Handle checksummed_format() {
  Handle fapl = check(H5Pcreate(H5P_FILE_ACCESS), "create file access list");
  check_status(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18),
               "set the file format version");
  return fapl;
}

// Removes a temporary file unless it was renamed into place (any failure leaves no temporary).
// Owns the path only once this process has created the file (own()), so a failed exclusive
// creation never removes another process's file.
class TemporaryFile {
 public:
  TemporaryFile() = default;
  void own(std::string path) { path_ = std::move(path); }
  ~TemporaryFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  void release() { path_.clear(); }

 private:
  std::string path_;
};

void rename_into_place(const std::string& partial, const std::string& out) {
  verify_sweep_file(partial, true);  // never a damaged file under the final name
  if (std::rename(partial.c_str(), out.c_str()) != 0) {
    throw IoError("cannot rename " + partial + " to " + out + ": " + std::strerror(errno));
  }
}

}  // namespace

MergeSummary merge_parts(const std::vector<std::string>& parts, const std::string& out,
                         int compression, bool overwrite) {
  h5::silence_errors();
  if (parts.empty()) throw IoError("merge: no part files given");
  {
    struct stat st {};
    if (::lstat(out.c_str(), &st) == 0 && (!S_ISREG(st.st_mode) || !overwrite))
      throw IoError(
          "merge: " + out + " exists" +
          (S_ISREG(st.st_mode) ? ": pass overwrite to replace it" : " and is not a regular file"));
  }
  // A part named twice (or under two names) is refused by name before HDF5 opens it a second time
  // (which failed as "not an HDF5 file, or a damaged one").
  for (std::size_t i = 0; i < parts.size(); ++i) {
    struct stat a {};
    if (::stat(parts[i].c_str(), &a) != 0) continue;  // open_part names the missing file
    for (std::size_t j = 0; j < i; ++j) {
      struct stat b {};
      if (::stat(parts[j].c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        throw IoError("merge: " + parts[i] + " is given twice (" + parts[j] + " is the same file)");
    }
  }
  std::vector<Part> opened;
  opened.reserve(parts.size());
  for (const auto& path : parts) opened.push_back(open_part(path));
  const Part& first = opened.front();
  const std::map<std::string, DatasetSignature> first_signature = signature(first);
  std::set<std::size_t> seen;
  std::size_t failed = 0;
  for (const Part& p : opened) {
    if (p.hash != first.hash) {
      throw IoError("merge: " + p.path + " is of another scenario (hash " + p.hash + ") than " +
                    first.path + " (hash " + first.hash + ")");
    }
    if (p.total != first.total || p.shard_count != first.shard_count) {
      throw IoError("merge: " + p.path + " is shard " + std::to_string(p.shard_index) + "/" +
                    std::to_string(p.shard_count) + " of " + std::to_string(p.total) + " runs; " +
                    first.path + " is of " + std::to_string(first.total) + " runs in " +
                    std::to_string(first.shard_count) + " shards");
    }
    // The merged file states one program version and commit: it must be true of every part.
    if (p.program_version != first.program_version || p.git_commit != first.git_commit) {
      throw IoError("merge: " + p.path + " was written by calcikin " + p.program_version +
                    " (git " + p.git_commit + "), " + first.path + " by calcikin " +
                    first.program_version + " (git " + first.git_commit +
                    "): parts of one sweep must come from one program version; rerun the "
                    "shards with one build");
    }
    if (signature(p) != first_signature) {
      throw IoError("merge: " + p.path + " holds other variables (names, types or shapes) than " +
                    first.path);
    }
    if (!seen.insert(p.shard_index).second) {
      throw IoError("merge: shard " + std::to_string(p.shard_index) + " is given twice (" + p.path +
                    ")");
    }
    failed += require_complete(p);
  }
  std::string missing;
  for (std::size_t k = 0; k < first.shard_count; ++k) {
    if (seen.count(k) == 0)
      missing += (missing.empty() ? "" : ", ") + std::to_string(k) + "/" +
                 std::to_string(first.shard_count);
  }
  if (!missing.empty()) throw IoError("merge: shards missing: " + missing);

  const std::string partial = out + kPartialSuffix;
  MergeSummary summary;
  TemporaryFile temporary;
  {
    Handle fapl = checksummed_format();
    // Exclusive: never truncates a file this call did not create (another process's .partial).
    Handle file = check(H5Fcreate(partial.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()),
                        "create " + partial + " (it must not exist)");
    temporary.own(partial);
    const std::vector<std::string> per_run =
        create_like(first.file.get(), file.get(), first.total, compression);
    for (const Part& p : opened) {
      for (const auto& name : per_run)
        scatter_rows(p.file.get(), file.get(), name, p.rows, p.shard_index, p.shard_count);
    }
    h5::write_attribute(file.get(), "shard_index", static_cast<std::int64_t>(0));
    h5::write_attribute(file.get(), "shard_count", static_cast<std::int64_t>(1));
    h5::write_attribute(file.get(), "merged_from_parts", static_cast<std::int64_t>(opened.size()));
    const std::string history = h5::read_string_attribute(file.get(), "history");
    h5::write_attribute(file.get(), "history",
                        (history.empty() ? "" : history + "\n") + utc_now() +
                            " calcikin merge of " + std::to_string(opened.size()) + " shard files");
    check_status(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush " + partial);
  }
  rename_into_place(partial, out);
  temporary.release();
  summary.failed = failed;
  summary.parts = opened.size();
  summary.runs = first.total;
  return summary;
}

void repack_compressed(const std::string& from, const std::string& to, int level,
                       const std::map<std::string, std::string>& text,
                       const std::map<std::string, double>& numeric) {
  h5::silence_errors();
  Part p = open_part(from, false);  // this process's own file
  const std::string partial = to + ".repack";
  TemporaryFile temporary;
  {
    Handle fapl = checksummed_format();
    temporary.own(partial);  // under the run's lock: a leftover .repack is this output's own
    Handle file = check(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                        "create " + partial);
    const std::vector<std::string> per_run = create_like(p.file.get(), file.get(), p.rows, level);
    for (const auto& name : per_run) scatter_rows(p.file.get(), file.get(), name, p.rows, 0, 1);
    for (const auto& [k, v] : text) h5::write_attribute(file.get(), k, v);
    for (const auto& [k, v] : numeric) h5::write_attribute(file.get(), k, v);
    check_status(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush " + partial);
  }
  p.file.reset();
  rename_into_place(partial, to);
  temporary.release();
}

}  // namespace calcikin::io
