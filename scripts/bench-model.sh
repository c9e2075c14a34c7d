#!/usr/bin/env bash
# DecoderLM benchmarks (bench/README.md):
#   fwd:     issue 4: forward / forward+backward at 350M dims, batch 1 x 512, 2 threads: s/iter and
#            peak RSS, each benchmark in its own process;
#   train:   issue 5: training tokens/s of the C++ engine's update (bench_model BM_train_step) beside
#            scripts/bench_train.py (same model, same update, same torch 2.11.0 wheel), shapes cpu
#            tiny (overhead-bound), cpu and v50257 (compute-bound), interleaved C++/Python runs,
#            medians, ratio C++ / Python;
#   threads: the train comparison at 1 and 2 intra-op threads;
#   loss:    issue 16: v50257 with the unfused output-layer loss vs the fused chunked one
#            (loss_chunk 256), alternating C++ runs at 1 thread: tokens/s and peak RSS;
#   mmap:    v50257 with glibc's defaults vs MALLOC_MMAP_MAX_=0 + MALLOC_TRIM_THRESHOLD_ (env.sh):
#            tokens/s, minor page faults and max RSS from /usr/bin/time -v.
# Usage: scripts/bench-model.sh [BUILD_DIR] [fwd|train|threads|loss|mmap|all] [REPETITIONS]
#        (default build-bench, all, 3). Steps: SPIKEBENCH_BENCH_STEPS_{CPU,V50257} (20, 8), 3 warmup.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$SPIKEBENCH_ROOT"
build="${1:-build-bench}"
what="${2:-all}"
reps="${3:-3}"
[ -f "$build/build.ninja" ] || cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="${SPIKEBENCH_TORCH_PREFIX:-}" >/dev/null
cmake --build "$build" -j2 --target bench_model >/dev/null 2>&1 ||
  cmake --build "$build" -j1 --target bench_model
bench="$build/bench/model/bench_model"
py="$SPIKEBENCH_VENV/bin/python"
declare -A steps=([cpu]="${SPIKEBENCH_BENCH_STEPS_CPU:-20}" [v50257]="${SPIKEBENCH_BENCH_STEPS_V50257:-8}"
  [v50257fused]="${SPIKEBENCH_BENCH_STEPS_V50257:-8}"
  [tiny]="${SPIKEBENCH_BENCH_STEPS_TINY:-200}")
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The allocator setting under test is chosen per run; everything else inherits env.sh.
glibc_default=(env -u MALLOC_MMAP_MAX_ -u MALLOC_TRIM_THRESHOLD_)
glibc_envsh=(env MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1073741824)

# run LABEL CMD...: stdout to $tmp/LABEL.out, /usr/bin/time -v to $tmp/LABEL.time.
run() {
  local label="$1"; shift
  /usr/bin/time -v -o "$tmp/$label.time" "$@" >"$tmp/$label.out" 2>/dev/null
}
cpp() {  # cpp LABEL SHAPE THREADS [ENV...]
  run "$1" "${@:4}" SPIKEBENCH_BENCH_STEPS="${steps[$2]}" "$bench" --benchmark_format=json \
    --benchmark_filter="^BM_train_step/scaled_embed_$2/threads:$3/"
}
python() {  # python LABEL SHAPE THREADS [ENV...]; ADAMW=fused for torch.optim.AdamW(fused=True)
  run "$1" "${@:4}" "$py" scripts/bench_train.py --shape "$2" --threads "$3" --steps "${steps[$2]}" \
    --warmup "${SPIKEBENCH_BENCH_WARMUP:-3}" --adamw "${ADAMW:-default}"
}

echo "# $(date -u +%FT%TZ) $(uname -n) load: $(cut -d' ' -f1-3 /proc/loadavg); torch $("$py" -c \
  'import torch; print(torch.__version__)' 2>/dev/null); $(nproc) cores; reps $reps"
if [[ $what == fwd || $what == all ]]; then
  for b in BM_forward_eval BM_forward BM_fwd_bwd; do
    run "fwd_$b" "$bench" --benchmark_format=json --benchmark_filter="^$b/scaled_embed_350m/"
  done
fi
if [[ $what == train || $what == threads || $what == all ]]; then
  threads=(2); [[ $what == train ]] || threads=(1 2)
  for r in $(seq "$reps"); do
    for s in tiny cpu v50257; do
      for t in "${threads[@]}"; do
        cpp "train_${s}_${t}_cpp_$r" "$s" "$t" "${glibc_envsh[@]}"
        python "train_${s}_${t}_py_$r" "$s" "$t" "${glibc_envsh[@]}"
        ADAMW=fused python "train_${s}_${t}_pyfused_$r" "$s" "$t" "${glibc_envsh[@]}"
      done
    done
  done
fi
if [[ $what == loss || $what == all ]]; then
  for r in $(seq "$reps"); do
    for s in v50257 v50257fused; do cpp "loss_${s}_1_cpp_$r" "$s" 1 "${glibc_envsh[@]}"; done
  done
fi
if [[ $what == mmap || $what == all ]]; then
  for r in $(seq "$reps"); do
    for g in default envsh; do
      declare -n genv="glibc_$g"
      cpp "mmap_${g}_cpp_$r" v50257 2 "${genv[@]}"
      python "mmap_${g}_py_$r" v50257 2 "${genv[@]}"
    done
  done
fi
echo "# finished $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$py" - "$tmp" <<'PY'
import collections, glob, json, os, re, statistics, sys
tmp = sys.argv[1]

def parse(label):
    out = open(os.path.join(tmp, label + ".out")).read()
    t = open(os.path.join(tmp, label + ".time")).read()
    faults = int(re.search(r"Minor \(reclaiming a frame\) page faults: (\d+)", t).group(1))
    maxrss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    if out.lstrip().startswith("{\n") or '"benchmarks"' in out:
        b = json.loads(out)["benchmarks"][0]
        ph = {k: b.get(k + "_ms", 0.0) for k in ("fwd", "bwd", "clip", "opt")}
        return dict(s=b["real_time"], unit=b["time_unit"], tok=b["tokens_per_s"], ph=ph,
                    rss=b["peak_rss_MiB"], faults=b.get("minflt_per_step", faults), maxrss=maxrss,
                    n=b["iterations"])
    j = json.loads(out.strip().splitlines()[-1])
    ph = {k: j[k + "_ms"] for k in ("fwd", "bwd", "clip", "opt")}
    return dict(s=j["ms_per_step"], unit="ms", tok=j["tokens_per_s"], rss=j["peak_rss_MiB"], ph=ph,
                faults=j["minflt_per_step"], maxrss=maxrss, n=j["steps"])

labels = sorted(os.path.basename(f)[:-5] for f in glob.glob(os.path.join(tmp, "*.time")))
fwd = [l for l in labels if l.startswith("fwd_")]
if fwd:
    print("\n## issue 4: 350M dims (N=24 d=1024 h=16 V=50257), batch 1 x 512, fp32, 2 threads")
    print(f"{'benchmark':42} {'s/iter':>8} {'iters':>5} {'peak RSS MiB':>13} {'minor faults':>13}")
    for l in fwd:
        r = parse(l)
        print(f"{l[4:] + '/scaled_embed_350m':42} {r['s']:8.2f} {r['n']:5d} {r['rss']:13.0f} {r['faults']:13d}")

groups = collections.defaultdict(list)  # (kind, shape/setting, threads, side) -> runs
for l in labels:
    p = l.split("_")
    if p[0] == "train": groups[("train", p[1], p[2], p[3])].append(parse(l))
    if p[0] == "mmap": groups[("mmap", p[1], "2", p[2])].append(parse(l))
    if p[0] == "loss": groups[("loss", p[1], p[2], p[3])].append(parse(l))
med = lambda runs, k: statistics.median(r[k] for r in runs)
loss = {k[1]: v for k, v in groups.items() if k[0] == "loss"}
if loss:
    print(f"\n## issue 16: output-layer loss at V = 50257 (N=4 d=256, 8 x 128), C++, 1 thread, "
          f"medians of {len(loss['v50257'])} alternating runs")
    print(f"{'loss':12} {'tok/s':>8} {'peak RSS MiB':>13} {'max RSS MiB':>12}  (all runs tok/s)")
    for k in ("v50257", "v50257fused"):
        runs = loss[k]
        print(f"{('unfused' if k == 'v50257' else 'fused/256'):12} {med(runs, 'tok'):8.0f} "
              f"{med(runs, 'rss'):13.0f} {med(runs, 'maxrss'):12.0f}  " + ' '.join('%.0f' % r['tok'] for r in runs))
    print(f"fused / unfused tokens/s: {med(loss['v50257fused'], 'tok') / med(loss['v50257'], 'tok'):.3f}; "
          f"peak RSS: {med(loss['v50257fused'], 'rss') / med(loss['v50257'], 'rss'):.3f}")
for kind, title in (("train", "issue 5: training tokens/s, C++ engine update vs PyTorch-Python"),
                    ("mmap", "glibc malloc: default vs env.sh (MALLOC_MMAP_MAX_=0, TRIM 1 GiB), v50257")):
    keys = sorted({k[1:3] for k in groups if k[0] == kind})
    if not keys: continue
    print(f"\n## {title} (medians of {len(groups[(kind, *keys[0], 'cpp')])} runs)")
    fused = any(k[0] == kind and k[3] == "pyfused" for k in groups)
    print(f"{'config':9} {'thr':>3} {'C++ tok/s':>10} {'Py tok/s':>10} {'C++/Py':>6} "
          + (f"{'Py-fused':>9} {'C++/Pyf':>7} " if fused else "")
          + f"{'C++ flt/st':>11} {'Py flt/st':>10} {'C++ RSS':>8} {'Py RSS':>7}  (all runs C++ | Py tok/s)")
    for k in keys:
        c, p = groups[(kind, *k, "cpp")], groups[(kind, *k, "py")]
        f = groups.get((kind, *k, "pyfused"), [])
        print(f"{k[0]:9} {k[1]:>3} {med(c, 'tok'):10.0f} {med(p, 'tok'):10.0f} "
              f"{med(c, 'tok') / med(p, 'tok'):6.3f} "
              + (f"{med(f, 'tok'):9.0f} {med(c, 'tok') / med(f, 'tok'):7.3f} " if f else "")
              + f"{med(c, 'faults'):11.0f} {med(p, 'faults'):10.0f} "
              f"{med(c, 'maxrss'):8.0f} {med(p, 'maxrss'):7.0f}  "
              + ' '.join('%.0f' % r['tok'] for r in c) + ' | ' + ' '.join('%.0f' % r['tok'] for r in p))
    print("Python phases, ms/step (fwd bwd clip opt), medians (the C++ side times whole updates):")
    for k in keys:
        for side in [x for x in ("py", "pyfused") if (kind, *k, x) in groups]:
            runs = groups[(kind, *k, side)]
            ph = " ".join("%s %.1f" % (n, statistics.median(r["ph"][n] for r in runs))
                          for n in ("fwd", "bwd", "clip", "opt"))
            print(f"  {k[0]:9} {k[1]:>3} {side:7}  {ph}")
print("\nRSS: max resident MiB (/usr/bin/time -v); flt/st: minor page faults per timed step "
      "(getrusage); 350M faults: whole process.")
PY
