// The fuzz targets without libFuzzer (ordinary builds, ctest's fuzz_smoke tests): runs every
// input file given (files or folders: the regression inputs of past findings and seeds), then
// random mutations of them (bit flips, byte inserts/deletes/overwrites, truncation, splicing)
// from a fixed seed until --seconds have passed. No coverage guidance and, outside the
// `sanitize` preset, no sanitizers: a smoke test that the entry points hold on each input.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<char> read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void run(const std::vector<char>& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::vector<char> mutate(std::vector<char> x, const std::vector<std::vector<char>>& pool,
                         std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n ? static_cast<size_t>(rng() % n) : 0; };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 6) {
      case 0:
        if (!x.empty()) x[pick(x.size())] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        x.insert(x.begin() + static_cast<long>(pick(x.size() + 1)), static_cast<char>(rng()));
        break;
      case 2:
        if (!x.empty()) x.erase(x.begin() + static_cast<long>(pick(x.size())));
        break;
      case 3:
        if (!x.empty()) x[pick(x.size())] = "\0\n\"{}[]:<>/\\-0 \xff"[rng() % 16];
        break;
      case 4:
        x.resize(pick(x.size() + 1));
        break;
      default: {
        const auto& other = pool[pick(pool.size())];
        if (other.empty()) break;
        const size_t from = pick(other.size()),
                     n = 1 + pick(std::min<size_t>(64, other.size() - from));
        x.insert(x.begin() + static_cast<long>(pick(x.size() + 1)),
                 other.begin() + static_cast<long>(from),
                 other.begin() + static_cast<long>(from + n));
      }
    }
  }
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 0;
  std::vector<std::vector<char>> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
      continue;
    }
    if (a == "-h" || a == "--help") {
      std::printf("usage: %s [--seconds S] FILE|DIR...\n", argv[0]);
      return 0;
    }
    const std::filesystem::path p(a);
    if (std::filesystem::is_directory(p)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(p)) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) inputs.push_back(read_file(f));
    } else if (std::filesystem::exists(p)) {
      inputs.push_back(read_file(p));
    } else {
      std::fprintf(stderr, "%s: no such file or folder '%s'\n", argv[0], a.c_str());
      return 1;
    }
  }
  if (inputs.empty()) inputs.emplace_back();
  for (const auto& x : inputs) run(x);
  std::mt19937_64 rng(20261130);
  size_t executions = inputs.size();
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    run(mutate(inputs[rng() % inputs.size()], inputs, rng));
    ++executions;
  }
  std::printf("%zu inputs, %zu executions\n", inputs.size(), executions);
  return 0;
}
