#!/usr/bin/env bash
# Installs every dependency spikebench needs on a fresh Debian 12 machine, idempotently:
#   - Debian packages: compiler toolchain, HDF5, yaml-cpp, Boost.Program_options, Catch2 v2,
#     Google Benchmark, Python's h5py + matplotlib (report), ccache, Gloo's headers (data
#     parallel on CPU), Chromium (headless screenshot check of the HTML report).
#   - LibTorch 2.x from the official PyPI `torch` wheel, in a virtual environment kept in a
#     cache folder OUTSIDE the clone (default ~/.cache/spikebench), so fresh clones reuse it;
#     and, in the same venv, Hugging Face transformers (pinned): the oracle of the GPT-2
#     import/export round-trip test (tests/interop), run offline.
# Prints `export` lines a caller can eval; writes nothing into the clone.
#
# Usage: scripts/setup.sh [--print-env] [--no-apt] [--with-clang] [--help]
#   --with-clang  also clang 14 and its sanitizer/libFuzzer runtimes (the `sanitize` preset,
#                 scripts/fuzz.sh)
set -euo pipefail

TORCH_VERSION="${SPIKEBENCH_TORCH_VERSION:-2.11.0}"
TRANSFORMERS_VERSION=5.24.0  # tests/interop/gpt2_roundtrip.py's oracle
CACHE_DIR="${SPIKEBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spikebench}"
VENV="$CACHE_DIR/torch-$TORCH_VERSION"
APT_PACKAGES=(build-essential cmake ninja-build ccache pkg-config zlib1g-dev nlohmann-json3-dev
  libhdf5-dev hdf5-tools libyaml-cpp-dev libboost-program-options-dev catch2 libbenchmark-dev
  python3-venv python3-h5py python3-matplotlib python3-numpy python3-yaml curl unzip libicu-dev
  libgloo-dev chromium)

print_env=0 use_apt=1
for a in "$@"; do
  case "$a" in
    --print-env) print_env=1 ;;
    --no-apt) use_apt=0 ;;
    --with-clang) APT_PACKAGES+=(clang libclang-rt-14-dev) ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$a' (see --help)" >&2; exit 2 ;;
  esac
done
log() { [ "$print_env" = 1 ] && echo "setup: $*" >&2 || echo "setup: $*"; }
die() { echo "setup.sh: error: $*" >&2; exit 1; }

# --- Debian packages -----------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$use_apt" = 1 ] || die "missing Debian packages: ${missing[*]} (run without --no-apt, or install them)"
  command -v apt-get >/dev/null || die "apt-get not found; install these packages by hand: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$CACHE_DIR"
  $SUDO apt-get update -qq >"$CACHE_DIR/apt.log" 2>&1 || die "apt-get update failed (see $CACHE_DIR/apt.log)"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$CACHE_DIR/apt.log" 2>&1 \
    || die "apt-get install failed for: ${missing[*]} (see $CACHE_DIR/apt.log)"
fi

# --- LibTorch from the PyPI torch wheel, in a cached venv ----------------------------------
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3)" || die "python3 not found"
if [ ! -f "$VENV/.complete" ]; then
  log "creating torch $TORCH_VERSION virtual environment in $VENV (one-time, several GB)"
  mkdir -p "$CACHE_DIR"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" || die "python3 -m venv failed (is python3-venv installed?)"
  "$VENV/bin/pip" install -q --upgrade pip >&2 || die "pip upgrade failed"
  "$VENV/bin/pip" install -q "torch==$TORCH_VERSION" >&2 \
    || die "pip install torch==$TORCH_VERSION failed (network? set SPIKEBENCH_TORCH_VERSION?)"
  touch "$VENV/.complete"
fi
if [ ! -f "$VENV/.transformers-$TRANSFORMERS_VERSION" ]; then
  log "installing transformers $TRANSFORMERS_VERSION into $VENV (the GPT-2 round-trip oracle)"
  "$VENV/bin/pip" install -q "transformers==$TRANSFORMERS_VERSION" >&2 \
    || die "pip install transformers==$TRANSFORMERS_VERSION failed (network?)"
  touch "$VENV/.transformers-$TRANSFORMERS_VERSION"
fi
TORCH_PREFIX="$("$VENV/bin/python" -W ignore -c 'import torch;print(torch.utils.cmake_prefix_path)')" \
  || die "torch in $VENV does not import; delete $VENV and re-run"
[ -f "$TORCH_PREFIX/Torch/TorchConfig.cmake" ] || die "TorchConfig.cmake missing under $TORCH_PREFIX"

if [ "$print_env" = 1 ]; then
  echo "export SPIKEBENCH_TORCH_PREFIX='$TORCH_PREFIX'"
  echo "export SPIKEBENCH_VENV='$VENV'"
else
  log "ok: LibTorch $TORCH_VERSION at $TORCH_PREFIX"
fi
