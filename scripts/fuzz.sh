#!/usr/bin/env bash
# Fuzzes every parser that reads user files (issue 17) with libFuzzer under ASan + UBSan: builds
# the `sanitize` preset's fuzz targets (clang 14; setup installs it), makes seed corpora from the
# data folder (nothing is copied into the clone: corpora live under build/sanitize/fuzz), runs
# each target for SECONDS, and prints executions, coverage and findings per target. A finding
# (crash, ASan/UBSan report, leak, broken property, timeout, OOM) leaves its input under
# build/sanitize/fuzz/findings/TARGET-*; add it to fuzz/regressions/TARGET/ as a regression test.
# "contained": HDF5 crashes inside the results reader's child process, each an Error for the
# caller (suite/results/store.cpp, fuzz/upstream/README.md) — library bugs, not findings.
#
# Usage: scripts/fuzz.sh [SECONDS] [--target NAME]... [--jobs N]
#   SECONDS   per target (default 10: a smoke run)
#   --target  only these targets (default: all; see fuzz/CMakeLists.txt)
#   --jobs    targets fuzzed at once (default: the number of cores)
# Exit status 1 when any target has a finding.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds=10 jobs="$(nproc)" targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) targets+=("$2"); shift ;;
    --jobs) jobs="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [[ "$1" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a number, got '$1'" >&2; exit 2; }
       seconds="$1" ;;
  esac
  shift
done
eval "$(scripts/setup.sh --with-clang --print-env)" || exit 1
source scripts/env.sh
data="${SPIKEBENCH_DATA_DIR:?set SPIKEBENCH_DATA_DIR (or put the data in ../shared/data)}"
all=(fuzz_bpe_encode fuzz_bpe_decode fuzz_bpe_load fuzz_jsonl fuzz_wikitext fuzz_lambada fuzz_wmt
  fuzz_shard fuzz_bleu fuzz_study fuzz_results fuzz_safetensors)
[ "${#targets[@]}" -gt 0 ] || targets=("${all[@]}")

[ -f build/sanitize/build.ninja ] || cmake --preset sanitize >/dev/null || exit 1
echo "fuzz: building ${#targets[@]} targets (build/sanitize)"
cmake --build build/sanitize --target "${targets[@]}" || exit 1

# ---- seed corpora from the data folder (and the artifacts' own YAML)
work="$root/build/sanitize/fuzz"
seeds="$work/seeds"
rm -rf "$seeds" "$work/findings" "$work/logs" && mkdir -p "$seeds" "$work/corpus" "$work/findings" "$work/logs"
"$SPIKEBENCH_VENV/bin/python" - "$data" "$seeds" "$root" <<'PY' || exit 1
import glob, gzip, json, os, struct, sys
data, seeds, root = sys.argv[1:]
def put(target, name, blob):
    d = os.path.join(seeds, target); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "wb").write(blob)
def chunks(path, n, size):
    raw = open(path, "rb").read()
    return [raw[i * size:(i + 1) * size] for i in range(min(n, len(raw) // size))]
wiki = os.path.join(data, "wikitext", "wiki.test.tokens")
lamb = os.path.join(data, "lambada", "lambada_test.jsonl")
for i, c in enumerate(chunks(wiki, 20, 512)):
    put("fuzz_bpe_encode", f"wiki{i}", bytes([i & 1]) + c)
    put("fuzz_wikitext", f"wiki{i}", c)
put("fuzz_bpe_encode", "special", b"\x01a<|endoftext|>b <|endoftext|>")
lines = open(lamb, "rb").read().split(b"\n")[:20]
for i, l in enumerate(lines):
    put("fuzz_lambada", f"l{i}", b"\n".join(lines[i:i + 3]) + b"\n")
    put("fuzz_jsonl", f"l{i}", l + b"\n")
with gzip.open(sorted(glob.glob(os.path.join(data, "c4", "*.json.gz")))[0], "rb") as f:
    for i in range(10):
        put("fuzz_jsonl", f"c4_{i}", f.readline()[:3000])
ids = [0, 1, 50256, 464, 318, 257, 1332, 13, 50255, 198]
put("fuzz_bpe_decode", "ids", struct.pack(f"<{len(ids)}i", *ids))
put("fuzz_bpe_decode", "bad", struct.pack("<3i", 1, 50257, -1))
enc = json.load(open(os.path.join(data, "gpt2", "encoder.json"), encoding="utf-8"))
merges = open(os.path.join(data, "gpt2", "vocab.bpe"), encoding="utf-8").read().split("\n")
mini = {k: v for k, v in enc.items() if v < 300}
put("fuzz_bpe_load", "mini", json.dumps(mini).encode() + b"\0" + "\n".join(merges[:45]).encode() + b"\n")
for year in (2010, 2014):
    en = open(os.path.join(data, "wmt", f"newstest{year}.en"), "rb").read().split(b"\n")[:12]
    de = open(os.path.join(data, "wmt", f"newstest{year}.de"), "rb").read().split(b"\n")[:12]
    put("fuzz_wmt", f"plain{year}", b"\0" + b"\n".join(en) + b"\n")
    put("fuzz_bleu", f"bleu{year}", b"\n".join(en[:6]) + b"\0" + b"\n".join(en[3:9]))
    put("fuzz_bleu", f"bleude{year}", b"\n".join(de[:6]) + b"\0" + b"\n".join(de[:6]))
for i, s in enumerate(sorted(glob.glob(os.path.join(data, "wmt", "sgm", "*")))[:6]):
    put("fuzz_wmt", f"sgm{i}", b"\1" + open(s, "rb").read()[:4000])
for y in sorted(glob.glob(os.path.join(root, "suite", "artifacts", "*.yaml"))):
    put("fuzz_study", os.path.basename(y), open(y, "rb").read())
PY
# A tiny real token shard and a real results file, made by spikebench itself.
bin="$root/build/cpu/suite/spikebench"
scripts/build.sh cpu spikebench >/dev/null || exit 1  # configures build/cpu on a fresh clone
head -c 3000 "$data/lambada/lambada_test.jsonl" | head -n 3 >"$work/tiny.jsonl"
"$bin" prepare "$work/tiny.jsonl" --out "$work/shard" --valid-fraction 0 --overwrite >/dev/null 2>&1 &&
  mkdir -p "$seeds/fuzz_shard" && find "$work/shard" -name '*.bin' -size -64k -exec cp {} "$seeds/fuzz_shard/" \;
"$bin" run table3 --scale cpu --out "$work/results" >/dev/null 2>&1 &&
  mkdir -p "$seeds/fuzz_results" && cp "$work/results/table3-cpu.h5" "$seeds/fuzz_results/"
for t in "${targets[@]}"; do
  mkdir -p "$seeds/$t" "$work/corpus/$t"
  [ -d "fuzz/regressions/$t" ] && cp fuzz/regressions/"$t"/* "$seeds/$t/" 2>/dev/null
done

# ---- fuzz
echo "fuzz: ${#targets[@]} targets x ${seconds} s, $jobs at a time"
# Single allocations over 2 GiB fail (malloc returns NULL, operator new throws) instead of
# reaching libFuzzer's 4 GiB malloc limit: HDF5 asks for what a damaged header declares, in the
# results reader's child, and must see its own allocation fail (as it does without sanitizers);
# in our code a throwing new is not an Error, so a huge allocation there is still a finding.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=2048" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# HDF5 1.10.8 loops forever on many malformed files; the results reader kills its child after
# this many seconds (default 10 s + 1 s/MiB), which at the default would leave fuzz_results
# waiting most of its time. A slow unit is reported (as a finding) only at the timeout itself.
export SPIKEBENCH_READ_TIMEOUT=1
fuzz_one() {
  local t="$1" max_len=8192
  case "$t" in fuzz_results|fuzz_shard|fuzz_bpe_load) max_len=65536 ;; esac
  timeout "$((seconds + 120))" "build/sanitize/fuzz/$t" -max_total_time="$seconds" -timeout=20 -report_slow_units=20 \
    -rss_limit_mb=4096 -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$work/findings/$t-" \
    "$work/corpus/$t" "$seeds/$t" >"$work/logs/$t.log" 2>&1
  echo "$t $?"
}
export -f fuzz_one
export seconds work seeds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one {}' >"$work/status.txt"

# ---- summary: executions, coverage, findings
findings=0
printf '%-18s %10s %8s %8s %9s %9s  %s\n' target execs exec/s cov features contained findings | tee "$work/summary.txt"
for t in "${targets[@]}"; do
  log="$work/logs/$t.log"
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  n=$(find "$work/findings" -name "$t-*" | wc -l)
  # HDF5 crashes the results reader's child process survived (fuzz_results.cpp prints them)
  contained=$(grep -c '^CONTAINED:' "$log")
  rc=$(awk -v t="$t" '$1 == t {print $2}' "$work/status.txt")
  [ "$rc" = 0 ] || [ "$n" -gt 0 ] || n="rc $rc"
  [ "$n" = 0 ] || findings=$((findings + 1))
  printf '%-18s %10s %8s %8s %9s %9s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$contained" "$n" | tee -a "$work/summary.txt"
done
[ "$findings" = 0 ] && { echo "fuzz: no findings"; exit 0; }
echo "fuzz: findings in $findings target(s): $work/findings, logs in $work/logs"
exit 1
