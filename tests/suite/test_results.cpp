// Results tree <-> HDF5: round trip, integer datasets, atomic replacement.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/source_dir.h"
#include "suite/results/store.h"
#include "suite/results/wire.h"

using namespace spikebench::results;
namespace fs = std::filesystem;

TEST_CASE("results round-trip through HDF5", "[results]") {
  const fs::path file = fs::temp_directory_path() / "spikebench-test-roundtrip.h5";
  Group root;
  root.attrs["artifact"] = std::string("fig2");
  root.attrs["answer"] = int64_t{42};
  root.attrs["lr"] = 5e-4;
  auto& run = root.group("runs/vanilla-cpu-s0");
  run.dataset("train/step").integer = true;
  for (int i = 0; i < 5; ++i) {
    run.dataset("train/step").append(i);
    run.dataset("train/loss").append(3.0 - 0.1 * i);
  }
  run.dataset("layers/grad_norm").append_row({1.0, 2.0, 3.0});
  run.dataset("layers/grad_norm").append_row({4.0, 5.0, 6.0});
  run.dataset("spikes/loss/step");  // empty series
  save(root, file);
  Group back = load(file);
  CHECK(back.attr_string("artifact") == "fig2");
  CHECK(back.attr_number("answer") == 42);
  CHECK(back.attr_number("lr") == 5e-4);
  const auto* loss = back.find_dataset("runs/vanilla-cpu-s0/train/loss");
  REQUIRE(loss);
  CHECK(loss->values == std::vector<double>{3.0, 2.9, 2.8, 2.7, 2.6});
  CHECK(back.find_dataset("runs/vanilla-cpu-s0/train/step")->integer);
  const auto* layers = back.find_dataset("runs/vanilla-cpu-s0/layers/grad_norm");
  CHECK(layers->shape == std::vector<int64_t>{2, 3});
  CHECK(back.find_dataset("runs/vanilla-cpu-s0/spikes/loss/step")->rows() == 0);
  CHECK_FALSE(fs::exists(file.string() + ".tmp"));
  fs::remove(file);
}

TEST_CASE("keep_rows drops rows of rank-1 and rank-2 datasets", "[results]") {
  Dataset d;
  d.append_row({1, 2});
  d.append_row({3, 4});
  d.append_row({5, 6});
  d.keep_rows({true, false, true});
  CHECK(d.shape == std::vector<int64_t>{2, 2});
  CHECK(d.values == std::vector<double>{1, 2, 5, 6});
  Dataset never;  // created by name, never appended (a rewind can meet one): stays empty
  never.keep_rows({false});
  CHECK(never.rows() == 0);
  CHECK(never.shape.empty());
}

TEST_CASE("loading a file that is not HDF5 is a one-line error naming it", "[results]") {
  const fs::path file = fs::temp_directory_path() / "spikebench-test-not-hdf5.h5";
  { std::ofstream(file) << "not hdf5"; }
  CHECK_THROWS_WITH(load(file), Catch::Matchers::Contains(file.string()));
  fs::remove(file);
}

TEST_CASE("files HDF5 1.10.8 crashes on are one-line errors naming the file", "[results]") {
  // All found by fuzz_results: a null dereference in H5Aiterate2 (now caught before the table
  // is built), an unchecked global-heap length in H5HG_read (caught only because the file is
  // read in a child process), and a file HDF5 loops on forever (the child is killed after
  // 10 s + 1 s/MiB). The caller must get an Error, never a signal or a hang.
  for (const char* name : {"hdf5-1.10.8-H5A__close-segv.h5", "hdf5-1.10.8-H5HG_read-overlap.h5",
                           "hdf5-1.10.8-loop.h5"}) {
    const fs::path file = fs::path(spikebench::source_dir()) / "fuzz" / "regressions" / "fuzz_results" / name;
    REQUIRE(fs::exists(file));
    try {
      (void)load(file);
      FAIL("no error for " << name);
    } catch (const spikebench::Error& e) {
      const std::string what = e.what();
      CHECK_THAT(what, Catch::Matchers::Contains(file.string()) && Catch::Matchers::Contains("damaged"));
      CHECK(what.find('\n') == std::string::npos);
    }
  }
}

TEST_CASE("a results tree survives the pipe between reader and caller", "[results]") {
  Group root;
  root.attrs["i"] = int64_t{-7};
  root.attrs["d"] = 0.25;
  root.attrs["s"] = std::string("a\0b", 3);
  root.group("runs/x").dataset("train/loss").append_row({1.5, 2.5});
  root.group("runs/x").dataset("train/step").integer = true;
  root.group("empty");
  const std::string bytes = encode(root);
  const Group back = decode(bytes);
  CHECK(encode(back) == bytes);
  CHECK(std::get<std::string>(back.attrs.at("s")) == std::string("a\0b", 3));
  CHECK(back.find_dataset("runs/x/train/loss")->shape == std::vector<int64_t>{1, 2});
  CHECK(back.find_dataset("runs/x/train/step")->integer);
  for (size_t cut = 0; cut < bytes.size(); ++cut)  // every truncation is an Error, no overread
    CHECK_THROWS_AS(decode(std::string_view(bytes).substr(0, cut)), spikebench::Error);
}
