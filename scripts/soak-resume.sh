#!/usr/bin/env bash
# kill -9 soak (issue 17): runs a cpu-scale artifact once uninterrupted (the reference), then again
# into another folder, SIGKILLing it N times at random moments and restarting it with --resume
# each time, and finally lets it finish. Passes when the final results file equals the
# reference bit for bit (every dataset and attribute, h5diff, except the wall-clock ones:
# seconds, tokens_per_s, start/end time, command line) and the claim verdicts are the same.
#
# Usage: scripts/soak-resume.sh [N] [--artifact A] [--seeds S] [--max-kill SECONDS] [--out DIR]
#   N             SIGKILLs (default 30)
#   --artifact    a registered artifact (default fig1), run at --scale cpu
#   --seeds       seeds per grid point (default 2: fig1 is then 4 runs, ~55 s on 2 cores)
#   --max-kill    each attempt is killed after U(0.3, SECONDS) s (fixed RNG seed; default: 2 x the
#                 reference run's time / N, within [2, 10], so that N kills land before the end)
#   --out         work folder (default build/soak)
# Kill moments are drawn from a fixed seed, so a soak is repeatable; what each kill interrupted
# (the last progress line: training, evaluation, checkpoint or results write) is in OUT/kills.tsv.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$SPIKEBENCH_ROOT"
n=30 artifact=fig1 seeds=2 max_kill= out=build/soak
while [ $# -gt 0 ]; do
  case "$1" in
    --artifact) artifact="$2"; shift ;;
    --seeds) seeds="$2"; shift ;;
    --max-kill) max_kill="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "soak-resume.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [[ "$1" =~ ^[0-9]+$ ]] || { echo "soak-resume.sh: N must be a number, got '$1'" >&2; exit 2; }
       n="$1" ;;
  esac
  shift
done
cmake --build build/cpu --target spikebench >/dev/null 2>&1 || { echo "soak: build failed" >&2; exit 1; }
bin="$SPIKEBENCH_ROOT/build/cpu/suite/spikebench"
rm -rf "$out" && mkdir -p "$out/reference" "$out/soak" || exit 1
file="$artifact-cpu.h5"
# exec: a backgrounded `run` is spikebench itself, so $! is the process the SIGKILL must hit.
run() { exec "$bin" run "$artifact" --scale cpu --seeds "$seeds" --jobs 1 "$@"; }

echo "soak: reference run of $artifact (--seeds $seeds)"
t0=$(date +%s)
(run --out "$out/reference") >"$out/reference.log" 2>&1
ref_rc=$?
t_ref=$(($(date +%s) - t0))
[ -f "$out/reference/$file" ] || { echo "soak: the reference run wrote no $file (see $out/reference.log)" >&2; exit 1; }
echo "soak: reference took $t_ref s (exit $ref_rc)"
if [ -z "$max_kill" ]; then  # a faster machine finishes sooner: scale the kill moments to it
  max_kill=$(awk -v t="$t_ref" -v n="$n" 'BEGIN { m = 2 * t / n; if (m < 2) m = 2; if (m > 10) m = 10; printf "%.1f", m }')
fi
echo "soak: $n SIGKILLs, each after U(0.3, $max_kill) s"

RANDOM=17  # fixed: the same kill moments every time
printf 'kill\tafter_s\tlast_line\n' >"$out/kills.tsv"
kills=0 finished_early=0
t0=$(date +%s)
for ((i = 1; i <= n; i++)); do
  delay=$(awk -v r="$RANDOM" -v m="$max_kill" 'BEGIN { printf "%.2f", 0.3 + (m - 0.3) * r / 32767 }')
  run --resume --out "$out/soak" >>"$out/soak.log" 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"  # the workers die with it (PR_SET_PDEATHSIG)
    wait "$pid" 2>/dev/null
    kills=$((kills + 1))
    last="$(tail -c 2000 "$out/soak.log" | tr '\r' '\n' | grep -v '^\s*$' | tail -1 | tr '\t' ' ')"
    printf '%d\t%s\t%s\n' "$kills" "$delay" "$last" >>"$out/kills.tsv"
    echo "--- SIGKILL $kills after $delay s" >>"$out/soak.log"
    if [ -t 1 ]; then printf '\rsoak: %d/%d SIGKILLs' "$kills" "$n"
    elif [ $((kills % 10)) = 0 ]; then echo "soak: $kills/$n SIGKILLs"; fi
  else
    wait "$pid"
    finished_early=1
    echo
    echo "soak: the run finished before kill $i (after $kills kills): use a smaller --max-kill"
    break
  fi
done
if [ -t 1 ]; then echo; fi
(run --resume --out "$out/soak") >>"$out/soak.log" 2>&1
soak_rc=$?
t_soak=$(($(date +%s) - t0))
echo "soak: $kills SIGKILLs, resumed and finished in $t_soak s (exit $soak_rc)"

# Bit-identical: every object and attribute h5diff compares, except wall-clock ones.
h5diff -r "$out/reference/$file" "$out/soak/$file" >"$out/h5diff.txt" 2>&1
awk '/^(dataset|attribute|group):/{obj=$0} /[1-9][0-9]* differences? found/{print obj}' "$out/h5diff.txt" |
  grep -vE '<(seconds|tokens_per_s|start_time|end_time|command_line) of|/seconds>' >"$out/differences.txt"
# Objects only one file has (h5diff lists them as "<<" / ">>" lines).
grep -E '^ *(<<|>>)|Not comparable: .* (is|are) not of the same' "$out/h5diff.txt" >>"$out/differences.txt"
verdicts() { grep -E '^  (pass|fail|inconclusive|skip) ' "$1" | awk '{print $1, $2}'; }
verdicts "$out/reference.log" >"$out/verdicts.reference"
tac "$out/soak.log" | awk '/^  (pass|fail|inconclusive|skip) /{print $1, $2; found=1; next} found{exit}' | tac >"$out/verdicts.soak"
diff -q "$out/verdicts.reference" "$out/verdicts.soak" >/dev/null && same_verdicts=yes || same_verdicts=no

echo "soak: kills by what they interrupted (last progress line):"
tail -n +2 "$out/kills.tsv" | cut -f3 | sed -E 's/^\s*//' |
  awk '{ if ($0 ~ /wikitext|lambada/) k="evaluation"; else if ($0 ~ /checkpoint/) k="checkpoint"; else if ($0 ~ /^\[[0-9]+\/[0-9]+\]|step|started/) k="training"; else if ($0 ~ /ok \(|-> /) k="results write"; else k="startup"; c[k]++ } END { for (k in c) printf "  %-14s %d\n", k, c[k] }'
ndiff=$(wc -l <"$out/differences.txt")
echo "soak: $ndiff differing objects besides wall-clock fields; verdicts equal: $same_verdicts"
[ "$ndiff" -eq 0 ] && [ "$same_verdicts" = yes ] && [ "$finished_early" -eq 0 ] && [ -s "$out/verdicts.soak" ] &&
  { echo "soak: PASS ($kills/$n resumes, final file bit-identical)"; exit 0; }
echo "soak: FAIL (see $out/differences.txt, $out/h5diff.txt, $out/soak.log)"
exit 1
