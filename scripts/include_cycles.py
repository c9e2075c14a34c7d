#!/usr/bin/env python3
"""Fails on an include cycle: between the project's files, or between its top-level folders.

    scripts/include_cycles.py [--graph]      (--graph: print the folder graph, arrows A -> B)
    scripts/include_cycles.py --self-test    (the finder finds what it should)

Reads every `#include "dir/file.h"` of the project's sources (quoted includes that resolve to a
file of the tree; <...> includes are other libraries'). A file cycle (a.h -> b.h -> a.h) and a
folder cycle (models/ -> suite/ -> models/: a lower floor reaching up) both exit 1, each cycle
printed as its path. Folders are the floors of docs/design.md: core, text libraries, models,
suite, cli; tests/, bench/, fuzz/ and examples/ sit on top and may include anything.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIRS = ["bench", "cli", "core", "datasets", "examples", "fuzz", "metrics", "models", "stats",
        "suite", "tests"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def file_graph(files):
    """{file: set of files it includes}, paths relative to the root; an include is taken
    relative to the root first, then to the including file's folder."""
    graph = {}
    for rel, text in files.items():
        deps = set()
        for inc in INCLUDE.findall(text):
            folder = str(pathlib.PurePosixPath(rel).parent)
            for cand in (inc, f"{folder}/{inc}"):
                if cand in files:
                    deps.add(cand)
                    break
        graph[rel] = deps
    return graph


def folder_of(rel):
    return rel.split("/", 1)[0]


def folder_graph(graph):
    out = {}
    for f, deps in graph.items():
        out.setdefault(folder_of(f), set()).update(
            folder_of(d) for d in deps if folder_of(d) != folder_of(f))
    return out


def cycles(graph):
    """One cycle per strongly connected component with more than one node (or a self-loop),
    as a list of nodes, first node repeated at the end."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def strongconnect(v):  # Tarjan, iterative over the recursion depth of the include graph
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v), on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                found.append(path_through(graph, set(comp)))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    return found


def path_through(graph, comp):
    """A shortest cycle through the component's smallest node: breadth-first inside it."""
    start = min(comp)
    prev, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, ())):
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w in comp and w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start, start]


def project_files():
    files = {}
    for d in DIRS:
        for p in sorted((ROOT / d).rglob("*")):
            if p.suffix in (".h", ".hpp", ".cpp", ".cc", ".cu", ".cuh") and p.is_file():
                files[str(p.relative_to(ROOT))] = p.read_text(errors="replace")
    return files


def report(files, show_graph=False, out=sys.stdout):
    graph = file_graph(files)
    folders = folder_graph(graph)
    top = {"tests", "bench", "fuzz", "examples"}  # may include anything; nothing includes them
    layered = {f: {d for d in deps} for f, deps in folders.items() if f not in top}
    bad = 0
    for c in cycles(graph):
        print("include cycle: " + " -> ".join(c), file=out)
        bad += 1
    for c in cycles(layered):
        print("folder cycle: " + " -> ".join(c) + " (a floor includes one above it)", file=out)
        bad += 1
    if show_graph:
        for f in sorted(folders):
            print(f"{f} -> {', '.join(sorted(folders[f])) or '(none)'}", file=out)
    print(f"{len(files)} files, {sum(len(d) for d in graph.values())} includes, "
          f"{bad} cycle{'s' if bad != 1 else ''}", file=out)
    return bad


def self_test():
    import io
    ok = True

    def expect(files, want_cycles, what):
        nonlocal ok
        buf = io.StringIO()
        got = report(files, out=buf)
        if got != want_cycles:
            ok = False
            print(f"self-test FAILED: {what}: {got} cycles, want {want_cycles}\n{buf.getvalue()}")

    expect({"core/a.h": '#include "core/b.h"', "core/b.h": "", "models/m.h": '#include "core/a.h"'},
           0, "a tree")
    expect({"core/a.h": '#include "core/b.h"', "core/b.h": '#include "core/a.h"'}, 1, "a <-> b")
    expect({"core/a.h": '#include "b.h"', "core/b.h": '#include "c.h"', "core/c.h": '#include "a.h"'},
           1, "a 3-cycle through folder-relative includes")
    expect({"core/a.h": '#include "models/m.h"', "models/m.h": '#include "core/b.h"', "core/b.h": ""},
           1, "core -> models -> core (folders, no file cycle)")
    expect({"tests/t.cpp": '#include "suite/s.h"', "suite/s.h": '// #include "tests/t.cpp"\n'},
           0, "a commented-out include is not an include")
    expect({"core/a.h": '#include <vector>\n#include "missing/x.h"'}, 0, "outside includes")
    buf = io.StringIO()
    report({"core/a.h": '#include "core/b.h"', "core/b.h": '#include "core/a.h"'}, out=buf)
    if "core/a.h -> core/b.h -> core/a.h" not in buf.getvalue():
        ok = False
        print("self-test FAILED: the cycle's path is not printed:\n" + buf.getvalue())
    print("self-test passed" if ok else "self-test failed")
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graph", action="store_true", help="print the folder graph")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    return 1 if report(project_files(), args.graph) else 0


if __name__ == "__main__":
    sys.exit(main())
