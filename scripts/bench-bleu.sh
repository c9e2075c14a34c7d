#!/usr/bin/env bash
# BLEU beside Python sacrebleu 2.6.0: (a) cross-checks per-line tokenization and corpus statistics
# on WMT newstest2010-2017 (and a perturbed copy), (b) times corpus BLEU (sentences/s) side by side.
# Usage: scripts/bench-bleu.sh [BUILD_DIR]   (default build-bleu; needs targets bench_bleu bleu_score)
# Python sacrebleu lives in a venv under ~/.cache/spikebench (never in the repository).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SPIKEBENCH_ROOT"
build="${1:-build-bleu}"
[ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="${SPIKEBENCH_TORCH_PREFIX:-}" >/dev/null
cmake --build "$build" -j1 --target bench_bleu bleu_score >/dev/null 2>&1 ||
  cmake --build "$build" -j1 --target bench_bleu bleu_score
score="$build/bench/bleu/bleu_score"
bench="$build/bench/bleu/bench_bleu"

venv="$HOME/.cache/spikebench/sacrebleu-venv"
if ! "$venv/bin/python" -c 'import sacrebleu; assert sacrebleu.__version__ == "2.6.0"' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'sacrebleu==2.6.0'
fi
py="$venv/bin/python"

data="${SPIKEBENCH_DATA_DIR:?set SPIKEBENCH_DATA_DIR or keep ../shared/data}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wmt17="$data/oracles/sacrebleu/wmt17_en_de"

# Inputs: newstest2010-2016 both sides (English scored against German as a low-BLEU "system"),
# newstest2017 systems vs reference, and a perturbed German copy (drops, swaps, case, entities).
"$py" - "$data/wmt/newstest2014.de" "$tmp/newstest2014.perturbed.de" <<'PY'
import sys
out = []
for i, line in enumerate(open(sys.argv[1], encoding="utf-8", newline="\n")):
    w = line.rstrip().split()
    if len(w) > 3: del w[i % len(w)]
    if i % 3 == 0 and len(w) > 2: w[0], w[1] = w[1], w[0]
    if i % 5 == 0 and w: w[-1] = w[-1].upper()
    if i % 11 == 0: w.append("&quot;x&quot; 3.5-4,0 ...")
    out.append(" ".join(w))
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out) + "\n")
PY
pairs=()
for y in 2010 2011 2012 2013 2014 2015 2016; do pairs+=("$data/wmt/newstest$y.en:$data/wmt/newstest$y.de"); done
pairs+=("$tmp/newstest2014.perturbed.de:$data/wmt/newstest2014.de")
for sys in "$wmt17"/newstest2017.*.en-de.de.gz; do
  case "$sys" in *ref.de.gz) continue ;; esac
  pairs+=("$sys:$wmt17/newstest2017.en-de.ref.de.gz")
done

echo "== (a) cross-check against sacrebleu 2.6.0 =="
fail=0
# Per-line preprocessing (lowercase + rstrip + tokenize) must be byte-identical.
tok_files=("$data"/wmt/newstest201[0-6].{en,de} "$wmt17"/newstest2017.en-de.ref.de.gz "$tmp/newstest2014.perturbed.de")
lines=0
for tok in 13a intl none char; do
  for lc in "" --lowercase; do
    for f in "${tok_files[@]}"; do
      "$score" --tokenize "$tok" $lc --tokenized "$f" >"$tmp/cpp.tok"
      "$py" - "$f" "$tok" "$lc" >"$tmp/py.tok" <<'PY'
import gzip, sys
from sacrebleu.metrics.bleu import BLEU
f, tok, lc = sys.argv[1], sys.argv[2], sys.argv[3] == "--lowercase"
bleu = BLEU(tokenize=tok, lowercase=lc)
op = gzip.open if f.endswith(".gz") else open
with op(f, "rt", encoding="utf-8", newline="\n") as fh:
    sys.stdout.write("".join(bleu._preprocess_segment(l.rstrip()) + "\n" for l in fh))
PY
      if ! cmp -s "$tmp/cpp.tok" "$tmp/py.tok"; then
        echo "TOKENIZATION MISMATCH tok=$tok $lc $f:"; { diff "$tmp/cpp.tok" "$tmp/py.tok" | head -4 || true; }; fail=1
      fi
      lines=$((lines + $(wc -l <"$tmp/cpp.tok")))
    done
  done
done
echo "tokenization: $lines preprocessed lines compared (13a/intl/none/char x mixed/lc), identical unless listed"

# Corpus statistics and full-precision score: counts/totals/lengths/BP exact, score to 1e-9.
n=0
for pair in "${pairs[@]}"; do
  hyp="${pair%%:*}" ref="${pair#*:}"
  for tok in 13a intl none; do
    for lc in "" --lowercase; do
      cpp="$("$score" --tokenize "$tok" $lc --stats "$hyp" "$ref")"
      pyo="$("$py" - "$hyp" "$ref" "$tok" "$lc" <<'PY'
import gzip, sys
from sacrebleu.metrics.bleu import BLEU
hyp, ref, tok, lc = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "--lowercase"
def read(f):
    op = gzip.open if f.endswith(".gz") else open
    with op(f, "rt", encoding="utf-8", newline="\n") as fh:
        return [l.rstrip() for l in fh]
s = BLEU(tokenize=tok, lowercase=lc).corpus_score(read(hyp), [read(ref)])
print(" ".join(["%.17g" % s.score, "%.17g" % s.bp, str(s.sys_len), str(s.ref_len)]
               + ["%.17g" % c for c in s.counts] + ["%.17g" % t for t in s.totals]))
PY
)"
      if ! "$py" -c 'import sys; a, b = (x.split() for x in sys.argv[1:3]); sys.exit(not (abs(float(a[0]) - float(b[0])) <= 1e-9 and a[1:] == b[1:]))' "$cpp" "$pyo"; then
        echo "MISMATCH tok=$tok $lc $(basename "$hyp") vs $(basename "$ref"):"; echo "  c++ $cpp"; echo "  py  $pyo"; fail=1
      fi
      n=$((n + 1))
    done
  done
  echo "  $(basename "$hyp") vs $(basename "$ref"): BLEU(13a) $(cut -d' ' -f1 <<<"$("$score" --stats "$hyp" "$ref")")"
done
echo "corpus statistics: $n (file pair x tokenizer x case) combinations compared"
[ "$fail" = 0 ] && echo "cross-check: PASS" || echo "cross-check: FAIL"

echo "== (b) throughput: corpus BLEU, 13a, newstest2014.en (hyp) vs newstest2014.de (ref), 3003 sentences =="
"$bench" --benchmark_filter='BM_corpus_bleu/13a_newstest2014_en_vs_de|BM_corpus_bleu/13a_newstest2017_uedin' \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true --benchmark_format=json \
  >"$tmp/bench.json" 2>/dev/null
cpp_sps="$("$py" -c 'import json,sys; b=[x for x in json.load(open(sys.argv[1]))["benchmarks"] if x["name"].endswith("13a_newstest2014_en_vs_de_median")][0]; print("%.0f" % b["items_per_second"])' "$tmp/bench.json")"
py_sps="$("$py" - "$data/wmt/newstest2014.en" "$data/wmt/newstest2014.de" <<'PY'
import sys, time
from sacrebleu.metrics.bleu import BLEU
read = lambda f: [l.rstrip() for l in open(f, encoding="utf-8", newline="\n")]
hyps, refs = read(sys.argv[1]), read(sys.argv[2])
best = float("inf")
for _ in range(3):
    bleu = BLEU()  # a fresh tokenizer each run: sacrebleu's lru_cache would otherwise serve repeats
    t = time.perf_counter(); bleu.corpus_score(hyps, [refs]); best = min(best, time.perf_counter() - t)
print("%.0f" % (len(hyps) / best))
PY
)"
echo "C++ (bench_bleu, median of 3): $cpp_sps sentences/s"
echo "Python sacrebleu 2.6.0 (best of 3, cold tokenizer cache): $py_sps sentences/s"
"$py" -c 'import sys; print("speed-up C++/Python: %.1fx" % (float(sys.argv[1]) / float(sys.argv[2])))' "$cpp_sps" "$py_sps"
[ "$fail" = 0 ]
