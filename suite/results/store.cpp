#include "suite/results/store.h"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/error.h"

namespace spikebench::results {
namespace {

namespace fs = std::filesystem;

/// RAII for an hid_t with its matching close function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  operator hid_t() const { return id_; }  // NOLINT: used as an hid_t in the C API
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const char* what, const fs::path& path) {
  if (status < 0) fail("HDF5 error in ", what, " for '", path.string(), "'");
}

Handle string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

void write_attr(hid_t obj, const std::string& key, const Attr& value, const fs::path& path) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  if (auto* i = std::get_if<int64_t>(&value)) {
    Handle a(H5Acreate2(obj, key.c_str(), H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
    check(H5Awrite(a, H5T_NATIVE_INT64, i), "attribute write", path);
  } else if (auto* d = std::get_if<double>(&value)) {
    Handle a(H5Acreate2(obj, key.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT),
             H5Aclose);
    check(H5Awrite(a, H5T_NATIVE_DOUBLE, d), "attribute write", path);
  } else {
    Handle t = string_type();
    Handle a(H5Acreate2(obj, key.c_str(), t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    const char* c = std::get<std::string>(value).c_str();
    check(H5Awrite(a, t, &c), "attribute write", path);
  }
}

void write_group(hid_t loc, const Group& g, const fs::path& path) {
  for (const auto& [key, value] : g.attrs) write_attr(loc, key, value, path);
  for (const auto& [name, ds] : g.datasets) {
    std::vector<hsize_t> dims(ds.shape.begin(), ds.shape.end());
    if (dims.empty()) dims = {0};
    Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
    hid_t type = ds.integer ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE;
    Handle d(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose);
    if (!d.valid()) fail("HDF5: cannot create dataset '", name, "' in '", path.string(), "'");
    if (ds.values.empty()) continue;
    if (ds.integer) {
      std::vector<int64_t> ints(ds.values.size());
      for (size_t i = 0; i < ints.size(); ++i) ints[i] = std::llround(ds.values[i]);
      check(H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ints.data()),
            "dataset write", path);
    } else {
      check(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.values.data()),
            "dataset write", path);
    }
  }
  for (const auto& [name, child] : g.groups) {
    Handle sub(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!sub.valid()) fail("HDF5: cannot create group '", name, "' in '", path.string(), "'");
    write_group(sub, *child, path);
  }
}

// ---------------------------------------------------------------- reading
struct ReadContext {
  Group* group;
  const fs::path* path;
};

herr_t read_attr(hid_t loc, const char* name, const H5A_info_t*, void* data) {
  auto* ctx = static_cast<ReadContext*>(data);
  Handle a(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
  Handle t(H5Aget_type(a), H5Tclose);
  switch (H5Tget_class(t)) {
    case H5T_INTEGER: {
      int64_t v = 0;
      H5Aread(a, H5T_NATIVE_INT64, &v);
      ctx->group->attrs[name] = v;
      break;
    }
    case H5T_FLOAT: {
      double v = 0;
      H5Aread(a, H5T_NATIVE_DOUBLE, &v);
      ctx->group->attrs[name] = v;
      break;
    }
    case H5T_STRING: {
      if (H5Tis_variable_str(t) > 0) {
        char* c = nullptr;
        Handle mem = string_type();
        H5Aread(a, mem, &c);
        ctx->group->attrs[name] = std::string(c ? c : "");
        H5free_memory(c);
      } else {
        std::string s(H5Tget_size(t), '\0');
        H5Aread(a, t, s.data());
        s.erase(s.find_last_not_of('\0') + 1);
        ctx->group->attrs[name] = s;
      }
      break;
    }
    default:
      break;  // other attribute types are not part of the layout
  }
  return 0;
}

herr_t read_link(hid_t loc, const char* name, const H5L_info_t*, void* data);

void read_group(hid_t loc, Group& g, const fs::path& path) {
  ReadContext ctx{&g, &path};
  H5Aiterate2(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, read_attr, &ctx);
  H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, read_link, &ctx);
}

herr_t read_link(hid_t loc, const char* name, const H5L_info_t*, void* data) {
  auto* ctx = static_cast<ReadContext*>(data);
  H5O_info_t info;
  if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) return -1;
  if (info.type == H5O_TYPE_GROUP) {
    Handle sub(H5Gopen2(loc, name, H5P_DEFAULT), H5Gclose);
    auto& child = ctx->group->groups[name];
    child = std::make_unique<Group>();
    read_group(sub, *child, *ctx->path);
  } else if (info.type == H5O_TYPE_DATASET) {
    Handle d(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
    Handle space(H5Dget_space(d), H5Sclose);
    Handle type(H5Dget_type(d), H5Tclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 1 || rank > 2) return 0;  // not part of the layout
    std::vector<hsize_t> dims(rank);
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    Dataset& ds = ctx->group->datasets[name];
    ds.shape.assign(dims.begin(), dims.end());
    ds.integer = H5Tget_class(type) == H5T_INTEGER;
    size_t n = 1;
    for (auto x : dims) n *= x;
    ds.values.resize(n);
    if (n > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.values.data()) < 0)
      return -1;
  }
  return 0;
}

/// Silences HDF5's own error-stack printing for a scope: failures become our one-line Errors.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// The HDF5 image of `root`, built in memory (the core driver, no backing store): disk errors
/// never reach HDF5, whose 1.10 library keeps a file it failed to close and crashes at exit.
std::vector<char> file_image(const Group& root, const fs::path& path) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  check(H5Pset_fapl_core(fapl, 1 << 20, /*backing_store=*/0), "set the in-memory driver", path);
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
  if (!file.valid()) fail("cannot create the results image for '", path.string(), "'");
  write_group(file, root, path);
  check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush", path);
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size < 0) fail("HDF5 error in file image for '", path.string(), "'");
  std::vector<char> image(static_cast<size_t>(size));
  if (H5Fget_file_image(file, image.data(), image.size()) != size)
    fail("HDF5 error in file image for '", path.string(), "'");
  return image;
}

/// Writes `bytes` to `tmp` and syncs it; every failure (ENOSPC, EFBIG, EIO) names the file.
void write_synced(const std::vector<char>& bytes, const fs::path& tmp) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create results file '", tmp.string(), "': ", std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      fail("cannot write results file '", tmp.string(), "': ", std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    fail("cannot write results file '", tmp.string(), "': ", std::strerror(errno));
}

}  // namespace

void save(const Group& root, const fs::path& path) {
  // Built in memory, written whole to FILE.tmp, synced, then renamed over FILE: a failed write
  // (a full disk, a file-size limit) leaves FILE as it was, and the error names the path.
  const fs::path tmp = path.string() + ".tmp";
  QuietHdf5 quiet;
  const std::vector<char> image = file_image(root, path);
  try {
    write_synced(image, tmp);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);  // the previous FILE stays as it was
    throw;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fail("cannot move '", tmp.string(), "' to '", path.string(), "': ", ec.message());
}

Group load(const fs::path& path) {
  if (!fs::exists(path)) fail("results file '", path.string(), "' does not exist");
  QuietHdf5 quiet;  // we report our own one-line errors
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) fail("'", path.string(), "' is not a readable HDF5 results file");
  Group root;
  read_group(file, root, path);
  return root;
}

}  // namespace spikebench::results
