#!/usr/bin/env bash
# GPT-2 tokenizer throughput beside OpenAI's tiktoken, on the same text and the same work units:
#   wiki: wikitext/wiki.test.raw as one string (2 threads: ours splits it internally,
#         tiktoken gets its two halves, cut at a line end, via encode_ordinary_batch);
#   c4:   the 1,000 documents of c4/c4-train.00000-of-01024.first1000.json.gz, one call each.
# Prints MB/s (1 MB = 1e6 UTF-8 bytes, median of repetitions) and the ratio ours / tiktoken, and
# checks that both produce the same number of tokens.
# Usage: scripts/bench-tokenizer.sh [BUILD_DIR] [REPETITIONS]  (default build-tok, 7)
# tiktoken (PyPI, pinned) is installed offline-capable into ~/.cache/spikebench/tiktoken-venv and
# built from the local encoder.json + vocab.bpe (data_gym_to_mergeable_bpe_ranks), no download.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SPIKEBENCH_ROOT"
build="${1:-build-tok}"
reps="${2:-7}"
TIKTOKEN_VERSION=0.14.0
[ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="${SPIKEBENCH_TORCH_PREFIX:-}" >/dev/null
cmake --build "$build" -j2 --target bench_tokenizer >/dev/null 2>&1 ||
  cmake --build "$build" -j1 --target bench_tokenizer
bench="$build/bench/tokenizer/bench_tokenizer"

venv="$HOME/.cache/spikebench/tiktoken-venv"
if ! "$venv/bin/python" -c "import tiktoken; assert tiktoken.__version__ == '$TIKTOKEN_VERSION'" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "tiktoken==$TIKTOKEN_VERSION"
fi
data="${SPIKEBENCH_DATA_DIR:?set SPIKEBENCH_DATA_DIR or keep ../shared/data}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$bench" --benchmark_filter=BM_encode --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true --benchmark_format=json >"$tmp/cpp.json" 2>/dev/null

TIKTOKEN_CACHE_DIR="" PYTHONPATH="$SPIKEBENCH_ROOT/scripts" "$venv/bin/python" - "$data" "$tmp/cpp.json" "$reps" <<'PY'
import gzip, json, os, statistics, sys, time
import tiktoken
from tiktoken_gpt2 import gpt2  # scripts/tiktoken_gpt2.py
data, cpp_json, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
enc = gpt2(data)

wiki = open(os.path.join(data, "wikitext", "wiki.test.raw"), encoding="utf-8", newline="").read()
mid = wiki.index("\n", len(wiki) // 2) + 1
halves = [wiki[:mid], wiki[mid:]]
with gzip.open(os.path.join(data, "c4", "c4-train.00000-of-01024.first1000.json.gz"), "rt", encoding="utf-8") as f:
    c4 = [json.loads(l)["text"] for l in f if l.strip()]
units = {
    ("wiki", 1): (lambda: [enc.encode_ordinary(wiki)], len(wiki.encode())),
    ("wiki", 2): (lambda: enc.encode_ordinary_batch(halves, num_threads=2), len(wiki.encode())),
    ("c4", 1): (lambda: [enc.encode_ordinary(t) for t in c4], sum(len(t.encode()) for t in c4)),
    ("c4", 2): (lambda: enc.encode_ordinary_batch(c4, num_threads=2), sum(len(t.encode()) for t in c4)),
}
cpp = {}
for b in json.load(open(cpp_json))["benchmarks"]:
    if b.get("aggregate_name") != "median": continue
    name = b["run_name"]                       # BM_encode_wiki/threads:1/real_time
    text = name.split("/")[0].replace("BM_encode_", "")
    threads = int(name.split("threads:")[1].split("/")[0])
    cpp[(text, threads)] = (b["bytes_per_second"] / 1e6, b.get("tokens"))

print(f"{'text':6} {'threads':>7} {'spikebench MB/s':>16} {'tiktoken MB/s':>14} {'ratio':>6}  tokens")
for key, (fn, nbytes) in units.items():
    fn()  # warm up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t0)
    tik = nbytes / statistics.median(times) / 1e6
    ntok = sum(len(x) for x in out)
    ours, ours_tok = cpp[key]
    same = "same" if ours_tok is not None and int(round(ours_tok)) == ntok else f"DIFFER ({ours_tok} vs {ntok})"
    print(f"{key[0]:6} {key[1]:>7} {ours:>16.1f} {tik:>14.1f} {ours / tik:>5.2f}x  {ntok} ({same})")
print(f"tiktoken {tiktoken.__version__}; {reps} repetitions, medians; cores: {os.cpu_count()}")
PY
