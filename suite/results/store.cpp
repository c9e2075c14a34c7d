#include "suite/results/store.h"

#include <fcntl.h>
#include <hdf5.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "suite/results/wire.h"

#if defined(__SANITIZE_ADDRESS__)
#define SPIKEBENCH_HAS_SANITIZER_API 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SPIKEBENCH_HAS_SANITIZER_API 1
#endif
#endif
#ifdef SPIKEBENCH_HAS_SANITIZER_API
#include <sanitizer/common_interface_defs.h>
#endif

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
// Reading stops at the first HDF5 failure and load() names the file and the object: a damaged
// file is one Error, never a partial Group. Callbacks return -1 (no exception crosses HDF5's C
// frames) and leave the reason in the context.
struct ReadContext {
  Group* group;
  std::string where;  // the group being read, "/" for the root
  std::string error;  // the first failure, empty while all is well
  uintmax_t file_bytes = 0;  // no dataset of a real file holds more elements than its bytes
};

herr_t failed(ReadContext& ctx, const std::string& what) {
  if (ctx.error.empty()) ctx.error = what;
  return -1;
}

herr_t read_attr(hid_t loc, const char* name, const H5A_info_t*, void* data) {
  auto& ctx = *static_cast<ReadContext*>(data);
  const std::string what = "attribute '" + std::string(name) + "' of " + ctx.where;
  Handle a(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
  if (!a.valid()) return failed(ctx, what);
  Handle t(H5Aget_type(a), H5Tclose);
  if (!t.valid()) return failed(ctx, what);
  switch (H5Tget_class(t)) {
    case H5T_INTEGER: {
      int64_t v = 0;
      if (H5Aread(a, H5T_NATIVE_INT64, &v) < 0) return failed(ctx, what);
      ctx.group->attrs[name] = v;
      break;
    }
    case H5T_FLOAT: {
      double v = 0;
      if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0) return failed(ctx, what);
      ctx.group->attrs[name] = v;
      break;
    }
    case H5T_STRING: {
      if (H5Tis_variable_str(t) > 0) {
        char* c = nullptr;
        Handle mem = string_type();
        if (H5Aread(a, mem, &c) < 0) return failed(ctx, what);
        ctx.group->attrs[name] = std::string(c ? c : "");
        H5free_memory(c);
      } else {
        std::string s(H5Tget_size(t), '\0');
        if (H5Aread(a, t, s.data()) < 0) return failed(ctx, what);
        s.erase(s.find_last_not_of('\0') + 1);
        ctx.group->attrs[name] = s;
      }
      break;
    }
    default:
      break;  // other attribute types are not part of the layout
  }
  return 0;
}

herr_t read_link(hid_t loc, const char* name, const H5L_info_t*, void* data);

/// Reads the attributes, subgroups and datasets of `loc` into ctx.group; negative on failure.
herr_t read_group(hid_t loc, ReadContext& ctx) {
  // HDF5 1.10.8 (Debian 12) crashes in H5Aiterate2 on an object header whose attribute message
  // fails to decode: H5A__compact_build_table leaves the table's count at its capacity and
  // H5A__attr_release_table then closes entries that were never set (fuzz/upstream/README.md).
  // H5Aexists with a name no attribute has decodes every compact attribute message through a
  // path that fails cleanly, so a damaged header is an error here and never reaches the table.
  if (H5Aexists(loc, "\x01 spikebench: no such attribute") < 0)
    return failed(ctx, "the attributes of " + ctx.where);
  if (H5Aiterate2(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, read_attr, &ctx) < 0)
    return failed(ctx, "the attributes of " + ctx.where);
  if (H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, read_link, &ctx) < 0)
    return failed(ctx, "the members of " + ctx.where);
  return 0;
}

std::string child_path(const std::string& parent, const char* name) {
  return parent == "/" ? "/" + std::string(name) : parent + "/" + name;
}

herr_t read_link(hid_t loc, const char* name, const H5L_info_t*, void* data) {
  auto& ctx = *static_cast<ReadContext*>(data);
  const std::string where = child_path(ctx.where, name);
  H5O_info_t info;
  if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) < 0) return failed(ctx, where);
  if (info.type == H5O_TYPE_GROUP) {
    Handle sub(H5Gopen2(loc, name, H5P_DEFAULT), H5Gclose);
    if (!sub.valid()) return failed(ctx, where);
    auto& child = ctx.group->groups[name];
    child = std::make_unique<Group>();
    ReadContext sub_ctx{child.get(), where, {}, ctx.file_bytes};
    if (read_group(sub, sub_ctx) < 0) return failed(ctx, sub_ctx.error);
  } else if (info.type == H5O_TYPE_DATASET) {
    Handle d(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
    if (!d.valid()) return failed(ctx, where);
    Handle space(H5Dget_space(d), H5Sclose);
    Handle type(H5Dget_type(d), H5Tclose);
    if (!space.valid() || !type.valid()) return failed(ctx, where);
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 1 || rank > 2) return 0;  // not part of the layout
    std::vector<hsize_t> dims(rank);
    if (H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0) return failed(ctx, where);
    Dataset& ds = ctx.group->datasets[name];
    ds.shape.assign(dims.begin(), dims.end());
    ds.integer = H5Tget_class(type) == H5T_INTEGER;
    uintmax_t n = 1;
    for (auto x : dims) {
      if (x != 0 && n > ctx.file_bytes / x) return failed(ctx, where + " (larger than the file)");
      n *= x;
    }
    ds.values.resize(static_cast<size_t>(n));
    if (n > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ds.values.data()) < 0)
      return failed(ctx, where);
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

namespace {

/// The tree of `path`, read with HDF5 in this process.
Group read_in_process(const fs::path& path) {
  QuietHdf5 quiet;  // we report our own one-line errors
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) fail("'", path.string(), "' is not a readable HDF5 results file");
  Group root;
  ReadContext ctx{&root, "/", {}, fs::file_size(path)};
  if (read_group(file, ctx) < 0)
    fail("'", path.string(), "' is damaged: HDF5 cannot read ", ctx.error);
  return root;
}

void write_all(int fd, const std::string& bytes) {
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent reports the short message
    done += static_cast<size_t>(n);
  }
}

/// Under ASan/UBSan, drops the death callback a fuzzer registered (libFuzzer's writes the
/// input as a crash of its own process): in the reader child, a report ends only the child.
void forget_death_callback() {
#ifdef SPIKEBENCH_HAS_SANITIZER_API
  __sanitizer_set_death_callback(nullptr);
#endif
}

/// Everything the child writes to `fd` until it closes it, or nullopt when `seconds` pass first.
std::optional<std::string> read_all(int fd, double seconds) {
  std::string out;
  char buf[1 << 16];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return std::nullopt;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

/// How long a reader may take: 10 s + 1 s per MiB, or $SPIKEBENCH_READ_TIMEOUT seconds
/// (scripts/fuzz.sh sets 1: HDF5 loops forever on many malformed files).
double read_limit_seconds(const fs::path& path) {
  if (const char* env = std::getenv("SPIKEBENCH_READ_TIMEOUT"); env && *env) {
    char* end = nullptr;
    const double s = std::strtod(env, &end);
    if (*end != '\0' || !(s > 0) || !std::isfinite(s))
      fail("SPIKEBENCH_READ_TIMEOUT must be a positive number of seconds, got '", env, "'");
    return s;
  }
  return std::ceil(10.0 + static_cast<double>(fs::file_size(path)) / (1 << 20));
}

}  // namespace

Group load(const fs::path& path) {
  if (!fs::exists(path)) fail("results file '", path.string(), "' does not exist");
  // HDF5 1.10.8 (Debian 12) has memory errors on malformed files that no check of ours can
  // route around (fuzz/upstream/README.md: a null dereference in H5Aiterate2, an unchecked
  // global-heap length in H5HG_read). So a file is read in a child process that sends the tree
  // back through a pipe: a damaged file the library crashes on is one Error naming it, and the
  // caller (check, resume, report) lives on; one that makes HDF5 loop forever (also found) is
  // killed after 10 s + 1 s per MiB (healthy files take milliseconds). Cost: one fork per read.
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) fail("cannot read '", path.string(), "': pipe: ", std::strerror(errno));
  std::fflush(nullptr);  // the child must not flush the parent's buffered output a second time
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    fail("cannot read '", path.string(), "': fork: ", std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    // A crash ends the child: no handler the parent installed (a test framework's, a
    // sanitizer's SEGV report, a fuzzer's crash-input writer) runs in its place.
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(sig, SIG_DFL);
    forget_death_callback();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a parent killed mid-read takes the reader with it
    std::string reply;
    try {
      reply = "G" + encode(read_in_process(path));
    } catch (const Error& e) {
      reply = std::string("E") + e.what();
    } catch (const std::exception& e) {  // bad_alloc on a header that declares a huge object
      reply = "E'" + path.string() + "' is damaged: " + e.what();
    }
    write_all(fds[1], reply);
    ::_exit(0);  // no atexit handlers, no static destructors: the parent owns those
  }
  ::close(fds[1]);
  const double limit = read_limit_seconds(path);
  const std::optional<std::string> got = read_all(fds[0], limit);
  ::close(fds[0]);
  if (!got) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!got)
    fail("'", path.string(), "' is damaged: the HDF5 reader did not finish in ", limit, " s");
  const std::string& reply = *got;
  if (WIFSIGNALED(status))
    fail("'", path.string(), "' is damaged: the HDF5 library crashed reading it (",
         strsignal(WTERMSIG(status)), ")");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || reply.empty())
    fail("'", path.string(), "' is damaged: the HDF5 reader stopped (exit ",
         WIFEXITED(status) ? WEXITSTATUS(status) : -1, ")");
  if (reply[0] == 'E') fail(reply.substr(1));
  if (reply[0] != 'G') fail("'", path.string(), "' is damaged: the HDF5 reader sent no tree");
  try {
    return decode(std::string_view(reply).substr(1));
  } catch (const Error& e) {
    fail("'", path.string(), "' is damaged: ", e.what());
  }
}

}  // namespace spikebench::results
