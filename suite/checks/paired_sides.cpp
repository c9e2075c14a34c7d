#include "suite/checks/paired_sides.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "core/error.h"
#include "stats/stats.h"
#include "suite/checks/lr_sensitivity.h"

namespace spikebench::checks {
namespace {

bool is_sweep_metric(const std::string& m) { return m == "lr_sensitivity" || m == "critical_lr"; }

Unit sweep_unit(const LrSweep& s, const std::string& metric) {
  RunAttrs a{{"method", s.method}, {"size", s.size}, {"seed", s.seed}};
  return Unit{s.method + "/" + s.size + "/s" + std::to_string(s.seed), a,
              metric == "critical_lr" ? s.critical_lr : s.sensitivity, false};
}

}  // namespace

const char* const kPairedSideKeys = R"KEYS(
metric: "DATASET:REDUCTION, @ATTR, diverged (1 if the run diverged, else 0), or per method and seed over the lr sweep: lr_sensitivity | critical_lr"
above: "turn the metric into a 0/1 outcome per run: 1 when it is above this value or the run diverged (e.g. failed = final loss near the unigram loss), for test mcnemar"
diverged: "value of a diverged run: high (default; ranks worst), low, or exclude (the only rule for bootstrap: a mean cannot hold an infinite difference)"
alpha: "family-wise significance level (default 0.05)"
family: "the Holm family the claim joins: true (default: the artifact's claims), false (none), or a name (the claims sharing it)"
control: "per side, the selector of its control runs, e.g. {lower: {method: se_none}, higher: {method: vanilla_none}}: each run's value is its metric minus its control's (same seed), a difference in differences"
)KEYS";

PairedSides::PairedSides(const config::Reader& spec, const std::string& where,
                         const char* first_key, const char* second_key,
                         const std::string& default_rule)
    : where_(where), first_key_(first_key), second_key_(second_key) {
  for (const char* side : {first_key, second_key})
    if (!spec.is_nonempty_map(side))
      fail(where_, ": key '", side, "' must be a non-empty selector map, e.g. {method: vanilla}");
  first_ = Selector::read(spec, first_key), second_ = Selector::read(spec, second_key);
  metric_ = spec.get<std::string>("metric", where_);
  if (is_sweep_metric(metric_)) {
    for (const char* side : {first_key, second_key})
      if (Selector::read(spec, side).fixes("lr"))
        fail(where_, ": key '", side, ".lr': ", metric_, " is per method over every lr");
  } else if (metric_ != "diverged") {
    validate_metric(metric_, where_);
  }
  if (spec.defined("above")) {
    above_ = spec.get<double>("above", where_);
    if (!std::isfinite(above_) || is_sweep_metric(metric_) || metric_ == "diverged")
      fail(where_, ": key 'above' needs a finite value and a per-run metric");
  }
  if (spec.defined("control")) {
    const config::Reader c = spec.child("control", where_ + ": key 'control'");
    for (const char* side : {first_key, second_key})
      if (!c.is_map() || !c.is_nonempty_map(side))
        fail(where_, ": key 'control.", side, "' must be a non-empty selector map (the ", side,
             " side's control runs, e.g. {method: vanilla_none})");
    if (c.keys().size() != 2)
      fail(where_, ": key 'control' takes exactly '", first_key, "' and '", second_key, "'");
    if (is_sweep_metric(metric_) || metric_ == "diverged" || spec.defined("above"))
      fail(where_, ": key 'control' needs a per-run metric (not a 0/1 outcome or an lr sweep)");
    control_first_ = Selector::read(c, first_key), control_second_ = Selector::read(c, second_key);
    has_control_ = true;
  }
  const auto rule =
      spec.defined("diverged") ? spec.get<std::string>("diverged", where_) : default_rule;
  if (rule == "high")
    rule_ = DivergedRule::high;
  else if (rule == "low")
    rule_ = DivergedRule::low;
  else if (rule == "exclude")
    rule_ = DivergedRule::exclude;
  else
    fail(where_, ": key 'diverged': unknown rule '", rule, "' (valid: high, low, exclude)");
}

bool PairedSides::is_sweep() const { return is_sweep_metric(metric_); }

void PairedSides::add(Unit u, std::vector<Unit>& a, std::vector<Unit>& b) const {
  if (first_.matches(u.attrs)) a.push_back(u);
  if (second_.matches(u.attrs)) b.push_back(std::move(u));
}

void PairedSides::validate_plan(const std::vector<RunAttrs>& planned) const {
  std::vector<Unit> a, b;
  if (is_sweep()) {
    for (const auto& s : planned_lr_sweeps(planned)) add(sweep_unit(s, metric_), a, b);
  } else {
    for (const auto& attrs : planned) add(Unit{"planned", attrs, NAN, false}, a, b);
  }
  if (has_control_) {
    for (const auto& [side, select, control] :
         {std::tuple{first_key_, &first_, &control_first_},
          std::tuple{second_key_, &second_, &control_second_}}) {
      std::vector<Unit> treated, controls;
      for (const auto& attrs : planned) {
        if (select->matches(attrs)) treated.push_back(Unit{"planned", attrs, NAN, false});
        if (control->matches(attrs)) controls.push_back(Unit{"planned", attrs, NAN, false});
      }
      if (make_pairs(treated, controls, *select, *control, where_).size() != treated.size())
        fail(where_, ": key 'control.", side, "': ", control->text(),
             " does not give every planned run of ", select->text(), " a control");
    }
  }
  if (make_pairs(a, b, first_, second_, where_).empty())
    fail(where_, ": keys '", first_key_, "'/'", second_key_,
         "' select no pairs among the planned runs (", first_key_, " ", first_.text(), " matches ",
         a.size(), ", ", second_key_, " ", second_.text(), " matches ", b.size(),
         is_sweep() ? "; " + metric_ + " needs >= 2 lrs" : std::string(), ")");
}

PairedSides::Values PairedSides::collect(const results::Group& root) const {
  std::vector<Unit> a, b, all;  // all: every run's unit, the controls' source
  if (is_sweep()) {
    for (const auto& s : lr_sweeps(root)) add(sweep_unit(s, metric_), a, b);
  } else {
    for (const auto& [name, g] : select_runs(root)) {
      if (zero_one()) {  // a 0/1 outcome: no rule replaces a diverged run's 1
        const double v = metric_ == "diverged" ? 0.0 : checks::metric(*g, metric_);
        const double failed = diverged(*g) ? 1.0 : std::isnan(v) ? NAN : v > above_ ? 1.0 : 0.0;
        add(Unit{name, g->attrs, failed, false}, a, b);
      } else {
        all.push_back(Unit{name, g->attrs, checks::metric(*g, metric_), diverged(*g)});
        add(all.back(), a, b);
      }
    }
  }
  if (has_control_) {  // a per-run metric (the constructor refuses the others)
    subtract_controls(a, first_, control_first_, all);
    subtract_controls(b, second_, control_second_, all);
  }
  Values out;
  const auto pairs = make_pairs(a, b, first_, second_, where_);
  out.pairs = static_cast<int64_t>(pairs.size());
  auto value = [&](const Unit& u) {
    if (!u.diverged) return u.value;
    return rule_ == DivergedRule::high ? HUGE_VAL : -HUGE_VAL;
  };
  for (const auto& pair : pairs) {
    const bool any_diverged = pair.lower->diverged || pair.higher->diverged;
    out.diverged += pair.lower->diverged + pair.higher->diverged;
    const double x = value(*pair.lower), y = value(*pair.higher);
    if ((any_diverged && rule_ == DivergedRule::exclude) || std::isnan(x) || std::isnan(y)) {
      ++out.excluded;  // missing data on a run that did not diverge, or the exclude rule
      continue;
    }
    out.xy.emplace_back(x, y);
  }
  return out;
}

void PairedSides::subtract_controls(std::vector<Unit>& side, const Selector& select,
                                    const Selector& control, const std::vector<Unit>& all) const {
  std::vector<Unit> controls;
  for (const auto& u : all)
    if (control.matches(u.attrs)) controls.push_back(u);
  std::map<std::string, const Unit*> control_of;
  for (const auto& pair : make_pairs(side, controls, select, control, where_))
    control_of[pair.lower->name] = pair.higher;
  for (auto& u : side) {
    const auto it = control_of.find(u.name);
    // A missing or diverged control leaves nothing to subtract: the pair is left out (counted).
    if (it == control_of.end() || it->second->diverged) {
      u.value = NAN, u.diverged = false;
      continue;
    }
    u.value -= it->second->value;  // a diverged treated run stays diverged: its rule decides
  }
}

std::string PairedSides::describe() const {
  return (metric_ == "lr_sensitivity" ? std::string("LR sensitivity (") + kLrLossMetric + ")"
          : metric_ == "critical_lr"  ? std::string("critical lr (largest stable lr)")
                                      : metric_) +
         (std::isnan(above_) ? "" : " > " + num(above_) + " or diverged (0/1)") +
         (has_control_ ? " minus its control's (" + control_first_.text() + ", " +
                             control_second_.text() + ")"
                       : std::string()) +
         ", paired: " + first_.text() + " vs " + second_.text();
}

std::string evidence_id(const std::string& test, int rule, const std::vector<double>& d) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
      h = (h ^ static_cast<const unsigned char*>(p)[i]) * 1099511628211ULL;
  };
  mix(test.data(), test.size());
  mix(&rule, sizeof rule);
  for (double x : d) mix(&x, sizeof x);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void parse_family(const config::Reader& spec, const std::string& where, double& alpha,
                  bool& in_family, std::string& family) {
  if (spec.defined("alpha")) {
    alpha = spec.get<double>("alpha", where);
    if (!(alpha > 0 && alpha < 1)) fail(where, ": key 'alpha' must be in (0, 1)");
  }
  if (spec.defined("family")) {
    const auto f = spec.get<std::string>("family", where);
    family = f == "true" || f == "false" ? "" : f;  // "" = the artifact's family
    in_family = f != "false";
  }
}

void describe_effect(const std::vector<double>& d, const std::vector<double>& finite, Paired& p) {
  p.effect_n = static_cast<int64_t>(finite.size());
  if (!finite.empty()) {
    const auto b = stats::bootstrap_mean(finite);
    p.effect = b.mean;
    if (finite.size() >= 2) p.effect_lo = b.lo, p.effect_hi = b.hi;
  }
  p.effect_sd = sample_sd(finite);
  const auto hl = stats::hodges_lehmann(d);
  p.hl = hl.estimate, p.hl_lo = hl.lo, p.hl_hi = hl.hi;
}

double sample_sd(const std::vector<double>& v) {
  if (v.size() < 2) return NAN;
  double mean = 0, ss = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

}  // namespace spikebench::checks
