// Results tree <-> HDF5: round trip, integer datasets, atomic replacement.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "suite/results/store.h"

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
}

TEST_CASE("loading a file that is not HDF5 is a one-line error naming it", "[results]") {
  const fs::path file = fs::temp_directory_path() / "spikebench-test-not-hdf5.h5";
  { std::ofstream(file) << "not hdf5"; }
  CHECK_THROWS_WITH(load(file), Catch::Matchers::Contains(file.string()));
  fs::remove(file);
}
