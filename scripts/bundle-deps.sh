#!/usr/bin/env bash
# Builds an offline, relocatable prefix of the Debian 12 (bookworm, amd64) packages that the
# spikebench build needs besides LibTorch, for machines without a package registry: yaml-cpp,
# HDF5 (serial, C API), Boost.Program_options, Catch2 v2, Google Benchmark, Gloo's headers,
# nlohmann-json, ICU (uc) and zlib, plus every shared library they load that is not part of a
# C++ toolchain (libc, libstdc++, libgcc_s); HDF5 brings in libcurl, OpenSSL, GnuTLS and Kerberos.
# The .debs come from `apt-get download` (the apt lists must be current; no root needed) and are
# unpacked with `dpkg -x` into DIR/usr/...; docs, static libraries and unused headers are pruned,
# CMake/pkg-config files and symlinks are made relative, and DIR/BUNDLE.txt lists the packages,
# versions and sha256 of each .deb, and the variables that make CMake use the bundle.
#
# Usage: scripts/bundle-deps.sh [--exclude PKG]... [--tar] DIR
#   --exclude PKG  leave out a runtime package the target machine already has (repeatable)
#   --tar          also write DIR.tar.xz (one file to copy to the air-gapped machine)
#   -h, --help     this text
set -euo pipefail

# Header/CMake packages (their own Depends are not followed: they serve static linking and h5cc).
DEV_PKGS=(libyaml-cpp-dev libhdf5-dev libboost-program-options1.74-dev libboost1.74-dev catch2
  libbenchmark-dev libgloo-dev nlohmann-json3-dev libicu-dev zlib1g-dev)
# Shared libraries the build links; their Depends/Pre-Depends are followed (first alternative).
RUNTIME_ROOTS=(libyaml-cpp0.7 libhdf5-103-1 libboost-program-options1.74.0 libbenchmark1debian
  libicu72 zlib1g)
# Present wherever a C++ toolchain is: never bundled (the check below names their sonames).
BASE_PKGS=(libc6 libgcc-s1 libstdc++6 gcc-12-base libcrypt1 debconf)
BASE_SONAMES="libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libresolv.so.2
  libutil.so.1 libcrypt.so.1 ld-linux-x86-64.so.2 libgcc_s.so.1 libstdc++.so.6"
# Depended on, but only dlopen()ed by libsasl2 (plugins); not needed to link or load.
SKIP_PKGS=(libsasl2-modules-db libdb5.3)
# Headers the project (and FindBoost/FindICU/FindHDF5's version checks) include; everything they
# can transitively include is kept, the rest of Boost/ICU/HDF5's headers is dropped.
HEADER_ROOTS="boost/program_options.hpp boost/version.hpp boost/config.hpp
  unicode/uchar.h unicode/ustring.h unicode/utf8.h unicode/utypes.h unicode/uvernum.h
  hdf5/serial/hdf5.h"
HEADER_KEEP_DIRS="boost/config"   # selected by macros per compiler/platform: kept whole
PRUNED_HEADER_DIRS="boost unicode hdf5"
ICU_DROP_LIBS="icui18n icuio icutest icutu"   # spikebench uses ICU::uc (+ its data) only
ARCH_DIR=usr/lib/x86_64-linux-gnu

die() { echo "bundle-deps.sh: error: $*" >&2; exit 1; }
log() { echo "bundle-deps: $*"; }
listed() { local x="$1"; shift; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }

excludes=() make_tar=0 dir=""
declare -A first_copy=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --exclude) [ $# -ge 2 ] || die "--exclude needs a package name"; excludes+=("$2"); shift ;;
    --exclude=*) excludes+=("${1#--exclude=}") ;;
    --tar) make_tar=1 ;;
    -*) die "unknown option '$1' (see --help)" ;;
    *) [ -z "$dir" ] || die "one DIR only (got '$dir' and '$1')"; dir="$1" ;;
  esac
  shift
done
[ -n "$dir" ] || die "missing DIR (see --help)"
for x in "${excludes[@]}"; do
  listed "$x" "${RUNTIME_ROOTS[@]}" && die "--exclude $x: the build links it directly; it cannot be left out"
done

tools=(apt-get apt-cache dpkg dpkg-deb python3 sha256sum realpath readelf gzip)
[ "$make_tar" = 0 ] || tools+=(tar xz)
for t in "${tools[@]}"; do
  command -v "$t" >/dev/null || die "'$t' not found (needs a Debian 12 host with binutils and python3)"
done
# shellcheck disable=SC1091
. /etc/os-release 2>/dev/null || die "/etc/os-release missing: not a Debian 12 host"
[ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] \
  || die "the package set is Debian 12's; this host is ${PRETTY_NAME:-unknown}"
[ "$(dpkg --print-architecture)" = amd64 ] || die "host architecture is not amd64"

dir="$(realpath -m "$dir")"
case "$dir" in /|/usr|/usr/*|/lib|/lib/*|/etc|/etc/*|"$HOME") die "refusing to write into '$dir'" ;; esac
if [ -e "$dir" ]; then
  [ -d "$dir" ] || die "'$dir' exists and is not a directory"
  [ -z "$(ls -A "$dir")" ] || [ -f "$dir/BUNDLE.txt" ] \
    || die "'$dir' is not empty and holds no BUNDLE.txt; choose a new folder"
fi
mkdir -p "$(dirname "$dir")" || die "cannot create '$(dirname "$dir")'"
[ -w "$(dirname "$dir")" ] || die "'$(dirname "$dir")' is not writable"

work="$(mktemp -d "${TMPDIR:-/tmp}/bundle-deps.XXXXXX")" || die "mktemp failed"
trap 'rm -rf "$work"' EXIT
trap 'die "unexpected failure (line $LINENO): $BASH_COMMAND"' ERR
mkdir -p "$work/debs" "$work/root"
root="$work/root"

# --- package set ---------------------------------------------------------------------------------
first_deps() {  # Depends/Pre-Depends of $1, first alternative of each, virtuals -> first provider
  apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances "$1" 2>/dev/null | awk '
    /^ [ |](Pre)?Depends: / { alt = (substr($0, 2, 1) == "|"); name = $2
      if (skip) { skip = alt; next }
      skip = alt
      if (name ~ /^</) { virt = 1; next }
      print name; next }
    /^    [^ ]/ { if (virt) { print $1; virt = 0 } next }
    { virt = 0 }'
}
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}'; }

runtime=() declare_seen=" "
queue=("${RUNTIME_ROOTS[@]}")
while [ "${#queue[@]}" -gt 0 ]; do
  p="${queue[0]}"; queue=("${queue[@]:1}")
  case "$declare_seen" in *" $p "*) continue ;; esac
  declare_seen+="$p "
  listed "$p" "${BASE_PKGS[@]}" "${SKIP_PKGS[@]}" && continue
  listed "$p" "${excludes[@]}" && continue
  runtime+=("$p")
  while read -r d; do [ -n "$d" ] && queue+=("$d"); done < <(first_deps "$p")
done
packages=("${DEV_PKGS[@]}" "${runtime[@]}")
for p in "${packages[@]}"; do
  c="$(candidate "$p")"
  [ -n "$c" ] && [ "$c" != "(none)" ] || die "no installable version of '$p' (run apt-get update?)"
done
log "${#packages[@]} packages (${#DEV_PKGS[@]} development, ${#runtime[@]} runtime)"

# --- download and unpack -------------------------------------------------------------------------
apt_opts=(-q)
[ "$(id -u)" = 0 ] && apt_opts+=(-o APT::Sandbox::User=root)   # _apt cannot write to our temp dir
(cd "$work/debs" && apt-get "${apt_opts[@]}" download "${packages[@]}") >"$work/apt.log" 2>&1 \
  || die "apt-get download failed: $(grep -m1 -E '^(E|Err):' "$work/apt.log" || tail -n1 "$work/apt.log")"
n_debs=$(find "$work/debs" -name '*.deb' | wc -l)
[ "$n_debs" -eq "${#packages[@]}" ] || die "expected ${#packages[@]} .deb files, got $n_debs"
for deb in "$work/debs"/*.deb; do
  dpkg -x "$deb" "$root" || die "dpkg -x failed for $(basename "$deb")"
done

# --- prune and relocate --------------------------------------------------------------------------
# usrmerge: Debian 12 still ships some libraries (zlib) under /lib.
for d in bin sbin lib lib32 lib64 libx32; do
  if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
    mkdir -p "$root/usr/$d" && cp -a "$root/$d/." "$root/usr/$d/" && rm -rf "${root:?}/$d"
  fi
done
# Keep usr/include, usr/lib, usr/share/{cmake,pkgconfig} and the copyright files; drop the rest
# (executables, /etc, man pages, locales, docs, gdb/lldb scripts, lintian overrides).
find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
for e in "$root"/* "$root"/usr/* "$root"/usr/share/*; do
  case "${e#"$root"/}" in
    usr|usr/include|usr/lib|usr/share|usr/share/cmake|usr/share/pkgconfig|usr/share/doc) ;;
    *) rm -rf "$e" ;;
  esac
done
# Copyright files stay, gzipped, identical ones linked (Boost's three are 2 MB each).
while IFS= read -r f; do
  h="$(sha256sum "$f" | cut -c1-64)"
  if [ -n "${first_copy[$h]:-}" ]; then
    ln -sfn "$(realpath -m -s --relative-to="$(dirname "$f")" "${first_copy[$h]}").gz" "$f.gz"; rm -f "$f"
  else
    first_copy[$h]="$f"; gzip -9n "$f"
  fi
done < <(find "$root/usr/share/doc" -name copyright -type f | sort)
rm -rf "$root/usr/share/cmake/Gloo"                              # Gloo: headers only
# Plugin folders (ICU build tools, OpenSSL engines/providers, Kerberos and SASL plugins): only
# dlopen()ed for features HDF5's S3 driver might use; nothing links them.
for e in "$root/$ARCH_DIR"/* "$root"/usr/lib/*; do
  [ -d "$e" ] && [ ! -L "$e" ] || continue
  case "${e#"$root"/}" in
    usr/lib/cmake|usr/lib/x86_64-linux-gnu|"$ARCH_DIR"/cmake|"$ARCH_DIR"/pkgconfig|"$ARCH_DIR"/hdf5) ;;
    *) rm -rf "$e" ;;
  esac
done
find "$root/usr/lib" -name 'libgloo.so*' -delete
for l in $ICU_DROP_LIBS; do
  rm -f "$root/$ARCH_DIR/lib$l".so* "$root/$ARCH_DIR/pkgconfig/${l/icu/icu-}.pc"
done
# Static libraries: not used (everything links shared). Boost's static variant is dropped with its
# .a; Catch2WithMain (unused: tests/main.cpp is the main) loses its import file and 1.7 MB archive.
find "$root/usr/lib" -name '*-variant-static.cmake' -delete
rm -f "$root/usr/lib/cmake/Catch2/Catch2Targets-none.cmake"
while IFS= read -r a; do
  grep -rqsF --include='*.cmake' "$(basename "$a")" "$root/usr" || rm -f "$a"
done < <(find "$root/usr/lib" -name '*.a')
find "$root/usr/include/hdf5" -name '*.mod' -delete 2>/dev/null || true

cat >"$work/helper.py" <<'PY'
import os, re, subprocess, sys

def headers(root, roots, keepdirs, pruned):
    """Keep the headers reachable from `roots` (a superset: every #include in any branch, every
    header named in a #define, whole folders named by macro includes), drop the rest of `pruned`."""
    inc = os.path.join(root, "usr/include")
    lit = re.compile(r'[<"]([A-Za-z0-9_][A-Za-z0-9_./+-]*\.(?:h|hh|hpp|hxx|ipp|inl|tpp|inc))[>"]')
    macro = re.compile(r'^\s*#\s*include\s+([A-Za-z_].*)$', re.M)
    pathish = re.compile(r'([A-Za-z0-9_]+(?:/[A-Za-z0-9_]+)+)/')
    # Boost.MPL's preprocessed headers for compilers no one uses with C++17 any more.
    stale = re.compile(r'/preprocessed/(bcc|bcc551|bcc_pre590|dmc|msvc60|msvc70|mwcw|no_ctps|no_ttp)/')
    comment = re.compile(r'("(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\')|/\*.*?\*/|//[^\n]*', re.S)
    keep, todo = set(), []
    def add(rel):
        rel = os.path.normpath(rel)
        if rel.startswith("..") or rel in keep or stale.search("/" + rel): return
        if os.path.isfile(os.path.join(inc, rel)): keep.add(rel); todo.append(rel)
    def add_dir(d):
        for dp, _, fs in os.walk(os.path.join(inc, d)):
            for f in fs: add(os.path.relpath(os.path.join(dp, f), inc))
    for r in roots:
        if not os.path.isfile(os.path.join(inc, r)): sys.exit(f"header root {r} missing")
        add(r)
    for d in keepdirs: add_dir(d)
    while todo:
        rel = todo.pop()
        with open(os.path.join(inc, rel), errors="replace") as fh: txt = fh.read()
        txt = comment.sub(lambda m: m.group(1) or " ", txt)
        here = os.path.dirname(rel)
        for m in lit.finditer(txt):
            add(m.group(1)); add(os.path.join(here, m.group(1)))
        for m in macro.finditer(txt):
            for d in pathish.findall(m.group(1)):
                if os.path.isdir(os.path.join(inc, d)): add_dir(d)
    removed = 0
    for top in pruned:
        for dp, _, fs in os.walk(os.path.join(inc, top)):
            for f in fs:
                p = os.path.join(dp, f)
                if os.path.relpath(p, inc) not in keep: os.remove(p); removed += 1
    for top in pruned:
        for dp, ds, fs in os.walk(os.path.join(inc, top), topdown=False):
            if not os.listdir(dp): os.rmdir(dp)
    print(f"kept {len([k for k in keep if k.split('/')[0] in pruned])} headers, dropped {removed}")

def elfs(libdir):
    for f in sorted(os.listdir(libdir)):
        p = os.path.join(libdir, f)
        if os.path.isfile(p) and not os.path.islink(p) and ".so" in f:
            with open(p, "rb") as fh:
                if fh.read(4) == b"\x7fELF": yield f, p

def needed(p):
    out = subprocess.run(["readelf", "-dW", p], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)

def check(root, archdir, base, linked):
    """Every NEEDED soname resolves inside the bundle or to the toolchain's base libraries;
    prints libraries nothing reaches and the highest glibc/libstdc++ symbol versions required."""
    libdir = os.path.join(root, archdir)
    names = set(os.listdir(libdir)); base = set(base.split())
    graph, problems = {}, []
    for f, p in elfs(libdir): graph[f] = needed(p)
    soname = {}
    for n in names:
        r = os.path.realpath(os.path.join(libdir, n))
        soname.setdefault(os.path.basename(r), set()).add(n)
    for f, deps in graph.items():
        for d in deps:
            if d not in names and d not in base: problems.append(f"{f} needs {d}: not in the bundle")
    reach, todo = set(), [os.path.basename(os.path.realpath(os.path.join(libdir, l))) for l in linked.split()]
    while todo:
        f = todo.pop()
        if f in reach or f not in graph: continue
        reach.add(f)
        for d in graph[f]:
            if d in names: todo.append(os.path.basename(os.path.realpath(os.path.join(libdir, d))))
    unused = sorted(set(graph) - reach)
    vers = {}
    for f, p in elfs(libdir):
        out = subprocess.run(["readelf", "-VW", p], capture_output=True, text=True).stdout
        for m in re.finditer(r"Name: (GLIBC|GLIBCXX|CXXABI)_([0-9.]+)", out):
            v = tuple(int(x) for x in m.group(2).split("."))
            if v > vers.get(m.group(1), ()): vers[m.group(1)] = v
    for p in problems: print("MISSING", p)
    for u in unused: print("UNUSED", u)
    print("REQUIRES " + " ".join(f"{k}_{'.'.join(map(str, v))}" for k, v in sorted(vers.items())))

def sizes(root, debs_file):
    """Bytes each package still contributes (regular files left after pruning)."""
    merged = {"./lib/": "./usr/lib/", "./bin/": "./usr/bin/", "./sbin/": "./usr/sbin/"}
    for line in open(debs_file):
        pkg, deb = line.split()
        out = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True).stdout
        total = 0
        for l in out.splitlines():
            parts = l.split(None, 5)
            if len(parts) < 6 or not parts[0].startswith("-"): continue
            path = parts[5]
            for a, b in merged.items():
                if path.startswith(a): path = b + path[len(a):]
            full = os.path.join(root, path[2:])
            if os.path.isfile(full) and not os.path.islink(full): total += int(parts[2])
        print(pkg, total)

cmd = sys.argv[1]
if cmd == "headers": headers(sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), sys.argv[5].split())
elif cmd == "check": check(*sys.argv[2:6])
elif cmd == "sizes": sizes(sys.argv[2], sys.argv[3])
PY
out="$(python3 "$work/helper.py" headers "$root" "$HEADER_ROOTS" "$HEADER_KEEP_DIRS" "$PRUNED_HEADER_DIRS")" \
  || die "header pruning failed"
log "Boost/ICU/HDF5 headers: $out"
# The hdf5/serial tree's links to the C++/Fortran/high-level libraries point nowhere now.
find "$root/$ARCH_DIR/hdf5/serial" -maxdepth 1 -name 'libhdf5*' \
  ! -name 'libhdf5.so' ! -name 'libhdf5.settings' -exec rm -f {} +

# Absolute symlinks -> relative (zlib1g-dev: libz.so -> /lib/x86_64-linux-gnu/libz.so.1.2.13).
while IFS= read -r l; do
  t="$(readlink "$l")"
  case "$t" in
    /lib/*|/lib64/*|/bin/*|/sbin/*) t="/usr$t" ;;
  esac
  ln -sfn "$(realpath -m -s --relative-to="$(dirname "$l")" "$root$t")" "$l"
done < <(find "$root" -type l -lname '/*')
# hdf5.pc is an alternatives link made by libhdf5-dev's postinst, which dpkg -x does not run.
[ -f "$root/$ARCH_DIR/pkgconfig/hdf5-serial.pc" ] && ln -sfn hdf5-serial.pc "$root/$ARCH_DIR/pkgconfig/hdf5.pc"
# Links left dangling by the pruning (e.g. dev links of libraries not bundled).
dangling=$(find "$root" -xtype l -print -delete | sed "s|^$root/||" | tr '\n' ' ')
[ -z "$dangling" ] || log "removed dangling links: $dangling"
# pkg-config: /usr -> ${pcfiledir}/<relative path to DIR/usr>.
while IFS= read -r pc; do
  rel="$(realpath -m -s --relative-to="$(dirname "$pc")" "$root/usr")"
  sed -i -E "s#(^|[=[:space:]\"']|-I|-L)/usr(/|[[:space:]]|\$)#\\1\${pcfiledir}/$rel\\2#g" "$pc"
done < <(find "$root/usr" -name '*.pc' -type f)
# libhdf5.settings is a build record; make its one install path relative too (informational only).
find "$root/usr" -name 'libhdf5*.settings' -type f -exec sed -i -E \
  's#(Installation point:[[:space:]]*)/usr#\1<bundle>/usr#' {} +
# CMake files must not hard-code /usr. Allowed: CMake's own "cross-prefix symlink" check
# (_realOrig, compares against the original prefix and only applies when it is the same folder)
# and Boost's EXISTS test of its build folder (/build/...).
bad=$(grep -rnE '(^|[^A-Za-z0-9_{}.-])/usr/' --include='*.cmake' "$root/usr" \
  | grep -vE '_realOrig|_IMPORT_PREFIX "/usr/lib|cross-prefix|/build/' || true)
[ -z "$bad" ] || die "absolute /usr path left in a CMake file: $(echo "$bad" | head -n1)"
bad=$(grep -rnE '(^|[=[:space:]"]|-I|-L)/usr(/|[[:space:]]|$)' --include='*.pc' "$root/usr" || true)
[ -z "$bad" ] || die "absolute /usr path left in a .pc file: $(echo "$bad" | head -n1)"

# --- check the shared libraries --------------------------------------------------------------------
linked="libyaml-cpp.so libboost_program_options.so libhdf5_serial.so libicuuc.so libz.so libbenchmark.so"
check="$(python3 "$work/helper.py" check "$root" "$ARCH_DIR" "$BASE_SONAMES" "$linked")" \
  || die "library check failed"
missing=$(echo "$check" | sed -n 's/^MISSING //p')
unused=$(echo "$check" | sed -n 's/^UNUSED //p' | tr '\n' ' ')
requires=$(echo "$check" | sed -n 's/^REQUIRES //p')
if [ -n "$missing" ] && [ "${#excludes[@]}" -eq 0 ]; then
  die "$(echo "$missing" | head -n1)"
elif [ -n "$missing" ]; then
  log "not bundled (--exclude ${excludes[*]}): $(echo "$missing" | tr '\n' ';')"
fi
if [ -n "$unused" ]; then   # e.g. libbrotlienc (libbrotli1 ships it; curl only decodes)
  for u in $unused; do
    rm -f "$root/$ARCH_DIR/$u"
  done
  find "$root" -xtype l -delete
  log "removed libraries no linked library needs: $unused"
fi

# --- record --------------------------------------------------------------------------------------
for deb in "$work/debs"/*.deb; do
  echo "$(dpkg-deb -f "$deb" Package) $deb"
done | sort >"$work/debs.txt"
python3 "$work/helper.py" sizes "$root" "$work/debs.txt" | sort >"$work/sizes.txt"
# shellcheck disable=SC2016  # $(SITE) is apt's format field, not a shell expansion
sites="$(apt-get indextargets --format '$(SITE)' 2>/dev/null | sort -u | tr '\n' ' ')"
{
  echo "# spikebench offline dependency bundle (scripts/bundle-deps.sh)"
  echo "# made $(date -u +%Y-%m-%dT%H:%M:%SZ) on ${PRETTY_NAME} amd64 from $sites"
  echo "# the libraries require: $requires (glibc, libstdc++ from the target's toolchain)"
  [ "${#excludes[@]}" -eq 0 ] || echo "# left out (--exclude): ${excludes[*]}"
  echo "#"
  echo "# Use (D = this folder, wherever it is):"
  echo "#   export SPIKEBENCH_DEPS_PREFIX=\$D/usr     # read by CMakePresets.json into CMAKE_PREFIX_PATH"
  echo "#   export HDF5_ROOT=\$D/usr/lib/x86_64-linux-gnu/hdf5/serial"
  echo "#   export LD_LIBRARY_PATH=\$D/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
  echo "#     (for cmake --build, ctest and spikebench: test discovery runs the test binaries at"
  echo "#     build time, and libhdf5 loads libcurl, libsz, ... which the binaries' RUNPATH may not reach)"
  echo "#   cmake --preset cpu -DCMAKE_IGNORE_PREFIX_PATH='/usr;/'   # optional: prove /usr is unused"
  echo "#"
  printf '# %-34s %-26s %10s  %s\n' package version bytes-kept sha256-of-.deb
  while read -r pkg deb; do
    printf '%-36s %-26s %10s  %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" \
      "$(awk -v p="$pkg" '$1 == p {print $2}' "$work/sizes.txt")" "$(sha256sum "$deb" | cut -d' ' -f1)"
  done <"$work/debs.txt"
} >"$root/BUNDLE.txt"

rm -rf "$dir"
mv "$root" "$dir" || die "cannot move the bundle to '$dir'"
log "wrote $dir: $(du -sh "$dir" | cut -f1) on disk (du -sh), $(du -sb "$dir" | awk '{printf "%.1f MiB", $1 / 1048576}') in files; largest packages:"
sort -k2,2nr "$work/sizes.txt" | head -n 6 | awk '{printf "  %-34s %6.1f MiB\n", $1, $2 / 1048576}'
if [ "$make_tar" = 1 ]; then
  tar -C "$(dirname "$dir")" -cf - "$(basename "$dir")" | xz -T1 -6 >"$dir.tar.xz.partial" \
    || die "writing $dir.tar.xz failed"
  mv "$dir.tar.xz.partial" "$dir.tar.xz"
  log "wrote $dir.tar.xz ($(du -sh "$dir.tar.xz" | cut -f1))"
fi
