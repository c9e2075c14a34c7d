#pragma once
// A metric's reduction ("DATASET:REDUCTION", runs.h: metric) = one registry entry
// (core/registry.h) beside its definition: value, first, last, count, min, max, mean, late_max,
// max_rise, step_of_min, first_over_last, max_over_min, and the parameterized families
// max_from_K, max_before_K, rise_after_K, ratio_after_K, recovery_after_K, recovery_P (a name
// ending in its parameter takes digits there: "max_from_200"). A metric is parsed once
// (`parse_metric`): an unknown reduction or a parameter out of range is an error naming the file,
// the key and the valid names before anything runs.
#include <cstdint>
#include <string>

#include "core/registry.h"
#include "suite/results/tree.h"

namespace spikebench::checks {

/// What a reduction reads: the dataset, its path, the run holding it, the parameter (K or P).
struct Curve {
  const results::Dataset& data;
  const std::string& path;
  const results::Group& run;
  int64_t k = 0;
};

struct Reduction {
  static constexpr const char* kKind = "metric reduction";
  std::string summary;
  double (*reduce)(const Curve& c);  // NaN when the data does not have the shape it needs
  /// A family (its name ends in K or P): the parameter's range and what it means, for errors.
  int64_t k_min = -1, k_max = -1;  // -1: no parameter
  const char* k_rule = "";
};

/// A metric parsed: "@ATTR" (a run attribute) or a dataset path and its reduction.
struct Metric {
  std::string spec;       // as written
  std::string attribute;  // "@ATTR": the attribute's name; else empty
  std::string path;
  const Reduction* reduction = nullptr;
  std::string name;  // the reduction's registered name ("max_from_K" for max_from_200)
  int64_t k = 0;
};

/// Parses `spec`; an Error names `where`, key 'metric' and the valid reductions.
Metric parse_metric(const std::string& spec, const std::string& where);

}  // namespace spikebench::checks

/// Registers reduction `name` ("max_from_K": a family taking K in [k_min, k_max]).
#define SPIKEBENCH_REDUCTION(name, ...) \
  SPIKEBENCH_REGISTER(::spikebench::checks::Reduction, name, __VA_ARGS__)
