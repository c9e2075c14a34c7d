#!/usr/bin/env bash
# The command-line tools against the peers a user would otherwise run (issue 16), whole process,
# same inputs, both sides alternately, medians:
#   help:   `spikebench --help` wall time and peak RSS; ldd of the binary lists no CUDA library;
#   encode: 20 MB of Wikipedia (corpora/enwiki-2015, the first 20e6 bytes cut at a line end), one
#           line of ids per line: `spikebench encode FILE` vs a Python loop over the lines with
#           tiktoken's encode_ordinary (tiktoken built from the local encoder.json + vocab.bpe);
#           the two outputs must be byte-identical;
#   bleu:   corpus BLEU of the 16 WMT17 en-de systems against newstest2017 (48,064 segments):
#           one `spikebench bleu SYS --ref REF` per system vs one `sacrebleu REF -i SYS -m bleu -b`
#           (sacrebleu 2.6.0's CLI); the 16 scores (4 decimals) must be equal.
# Prints a table and the ratios peer / spikebench (> 1: spikebench faster).
# Usage: bench/peers.sh [BUILD_DIR] [REPETITIONS]   (default build/cpu, 5)
# tiktoken and sacrebleu (PyPI, pinned) live in venvs under ~/.cache/spikebench, never the clone.
set -euo pipefail
[[ "${1:-}" == -h || "${1:-}" == --help ]] && { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0; }
source "$(dirname "$0")/../scripts/env.sh"
cd "$SPIKEBENCH_ROOT"
build="${1:-build/cpu}"
reps="${2:-5}"
bin="$build/suite/spikebench"
[ -x "$bin" ] || { echo "peers.sh: no $bin (build the cpu preset first)" >&2; exit 1; }
data="${SPIKEBENCH_DATA_DIR:?set SPIKEBENCH_DATA_DIR or keep ../shared/data}"

venv() {  # venv NAME PACKAGE==VERSION MODULE: a cached venv with one pinned package
  local dir="$HOME/.cache/spikebench/$1-venv"
  if ! "$dir/bin/python" -c "import $3, importlib.metadata as m; assert m.version('${2%%==*}') == '${2##*==}'" 2>/dev/null; then
    python3 -m venv "$dir" && "$dir/bin/pip" install -q "$2" >&2
  fi
  echo "$dir"
}
tik="$(venv tiktoken tiktoken==0.14.0 tiktoken)"
sacre="$(venv sacrebleu sacrebleu==2.6.0 sacrebleu)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# ---- inputs (decompressed, so neither side pays for gzip)
{ zcat "$data/corpora/enwiki-2015-wikiextractor/enwiki-2015.wikiextractor.AA.txt.gz" || true; } | head -c 20000000 |
  sed '$d' >"$tmp/wiki.txt"
wmt="$data/oracles/sacrebleu/wmt17_en_de"
zcat "$wmt/newstest2017.en-de.ref.de.gz" >"$tmp/ref.de"
systems=()
for f in "$wmt"/newstest2017.*.en-de.de.gz; do
  [[ $f == *ref.de.gz ]] && continue
  s="$(basename "$f" .en-de.de.gz)"; s="${s#newstest2017.}"
  zcat "$f" >"$tmp/sys.$s"
  systems+=("$s")
done
cat >"$tmp/tiktoken_loop.py" <<'PY'
import sys
from tiktoken_gpt2 import gpt2  # scripts/tiktoken_gpt2.py
data, path = sys.argv[1], sys.argv[2]
enc = gpt2(data)
out = sys.stdout
with open(path, encoding="utf-8", newline="") as f:
    for line in f:
        out.write(" ".join(map(str, enc.encode_ordinary(line.rstrip("\n")))) + "\n")
PY

# ---- timed sides: each appends "LABEL SECONDS MAXRSS_KiB" to $tmp/times
timed() {  # timed LABEL OUTFILE CMD...
  local label="$1" out="$2"; shift 2
  /usr/bin/time -f "$label %e %M" -a -o "$tmp/times" "$@" >"$out"
}
ours_encode() { timed encode_ours "$tmp/ids.ours" "$bin" encode "$tmp/wiki.txt" --data-dir "$data"; }
peer_encode() { timed encode_peer "$tmp/ids.peer" env TIKTOKEN_CACHE_DIR= PYTHONPATH="$SPIKEBENCH_ROOT/scripts" "$tik/bin/python" "$tmp/tiktoken_loop.py" "$data" "$tmp/wiki.txt"; }
ours_bleu() {
  local t0 t1; t0=$(date +%s%N)
  for s in "${systems[@]}"; do "$bin" bleu "$tmp/sys.$s" --ref "$tmp/ref.de" -w 4; done >"$tmp/bleu.ours"
  t1=$(date +%s%N); echo "bleu_ours $(( (t1 - t0) / 1000000 ))e-3 0" >>"$tmp/times"
}
peer_bleu() {
  local t0 t1; t0=$(date +%s%N)
  for s in "${systems[@]}"; do "$sacre/bin/sacrebleu" "$tmp/ref.de" -i "$tmp/sys.$s" -m bleu -b -w 4; done >"$tmp/bleu.peer"
  t1=$(date +%s%N); echo "bleu_peer $(( (t1 - t0) / 1000000 ))e-3 0" >>"$tmp/times"
}

echo "# $(date -u +%FT%TZ) $(uname -n) load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; reps $reps; git $(git rev-parse --short HEAD 2>/dev/null || echo ?)"
for r in $(seq "$reps"); do
  timed help_ours /dev/null "$bin" --help
  if (( r % 2 )); then ours_encode; peer_encode; ours_bleu; peer_bleu
  else peer_encode; ours_encode; peer_bleu; ours_bleu; fi
done

# ---- outputs must agree
cmp -s "$tmp/ids.ours" "$tmp/ids.peer" && ids_same=identical || ids_same=DIFFER
paste "$tmp/bleu.ours" "$tmp/bleu.peer" >"$tmp/bleu.both"
bleu_same=$(awk '{ split($0, a, "\t"); n = split(a[1], w, " "); ours = w[3]; if (ours + 0 != a[2] + 0) bad++ }
  END { print bad ? "DIFFER in " bad : "equal (16/16)" }' "$tmp/bleu.both")
cuda_libs=$(ldd "$bin" | grep -i -E 'libcu(da|dnn|blas|sparse|fft|rand|solver)|nccl|nvrtc|torch_cuda' || true)

python3 - "$tmp/times" "$ids_same" "$bleu_same" "$(wc -c <"$tmp/wiki.txt")" "$(wc -l <"$tmp/wiki.txt")" \
  "${#systems[@]}" "$(wc -l <"$tmp/ref.de")" "${cuda_libs:-none}" <<'PY'
import collections, statistics, sys
times, ids_same, bleu_same, nbytes, nlines, nsys, nref, cuda = sys.argv[1:]
t = collections.defaultdict(list)
for line in open(times):
    label, sec, rss = line.split()
    t[label].append((float(sec), int(rss) / 1024))
med = lambda k, i=0: statistics.median(x[i] for x in t[k])
print(f"help: spikebench --help {med('help_ours') * 1000:.0f} ms, peak RSS {med('help_ours', 1):.1f} MiB; "
      f"CUDA libraries in ldd: {cuda}")
print(f"encode {int(nbytes) / 1e6:.1f} MB, {nlines} lines: spikebench {med('encode_ours'):.2f} s "
      f"({med('encode_ours', 1):.0f} MiB), tiktoken loop {med('encode_peer'):.2f} s ({med('encode_peer', 1):.0f} MiB), "
      f"ratio {med('encode_peer') / med('encode_ours'):.2f}x; ids {ids_same}")
print(f"bleu {nsys} systems x {nref} segments: spikebench {med('bleu_ours'):.2f} s, sacrebleu CLI "
      f"{med('bleu_peer'):.2f} s, ratio {med('bleu_peer') / med('bleu_ours'):.2f}x; scores {bleu_same}")
for k in sorted(t):
    print(f"  {k:12} " + " ".join(f"{s:.2f}" for s, _ in t[k]))
PY
