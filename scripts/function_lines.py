#!/usr/bin/env python3
"""Lists C++ functions longer than a limit (default 80 lines, signature to closing brace).

    scripts/function_lines.py [--max N] [PATH ...]      (default: the project's sources, not tests/)
    scripts/function_lines.py --self-test               (the scanner finds what it should)

Exit 1 when any function is longer than --max. A scanner, not a compiler: comments, string and
raw-string literals are blanked, then each top-level brace block whose head ends like a function
(`) {`, `) const {`, an initializer list, `-> T {`) is measured; namespace, class, struct, enum
and initializer braces are descended into or skipped. Lambdas count toward their enclosing
function, as a reader meets them.
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_DIRS = ["bench", "cli", "core", "datasets", "examples", "fuzz", "metrics", "models",
                "stats", "suite"]


def blank(src: str) -> str:
    """Replaces comments and literals by spaces, keeping newlines (line numbers stay true)."""
    out, i, n = [], 0, len(src)
    def keep_lines(s):
        return "".join("\n" if c == "\n" else " " for c in s)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(keep_lines(src[i:j])); i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(keep_lines(src[i:j])); i = j
        elif c == "R" and src.startswith('R"', i) and (i == 0 or not (src[i-1].isalnum() or src[i-1] == "_")):
            m = re.match(r'R"([^(\s]*)\(', src[i:])
            if not m:
                out.append(c); i += 1; continue
            end = ")" + m.group(1) + '"'
            j = src.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + keep_lines(src[i+2:j])[2:]); i = j
        elif c in "\"'":
            if c == "'" and i > 0 and src[i-1].isalnum() and src[i-1] not in "uUL8":
                out.append(c); i += 1; continue  # digit separator 1'000
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(c + keep_lines(src[i+1:j]) + c); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)


SCOPE = re.compile(r"\b(namespace|class|struct|union|enum)\b")
FUNC_END = re.compile(r"(\)|\bconst|\boverride|\bfinal|\bnoexcept|\bmutable|>|\w|\})\s*$")


def functions(text: str):
    """Yields (name, first_line, last_line) of each function body."""
    i, n, head_start = 0, len(text), 0
    line_of = lambda k: text.count("\n", 0, k) + 1
    def match(k):  # index of the brace closing the one at k
        depth = 0
        for j in range(k, n):
            if text[j] == "{": depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0: return j
        return n - 1
    while i < n:
        c = text[i]
        if c in ";}":
            head_start = i + 1
        elif c == "{":
            head = text[head_start:i]
            stripped = re.sub(r"^\s*(public|private|protected)\s*:", "", head).strip()
            if stripped.startswith("#"):
                stripped = stripped.split("\n")[-1].strip()
            if SCOPE.search(stripped.split("(")[0]):
                head_start = i + 1; i += 1; continue  # descend into the scope
            is_function = ("(" in stripped and "=" not in stripped.split("(")[0]
                           and FUNC_END.search(stripped) is not None
                           and not re.match(r"^(if|for|while|switch|catch|do|else)\b", stripped))
            j = match(i)
            if is_function:
                access = re.match(r"\s*((public|private|protected)\s*:)?\s*", head)
                first = head_start + access.end()
                name = re.sub(r"\s+", " ", stripped.split("(")[0]).split(" ")[-1]
                yield name, line_of(first), line_of(j)
            i = j + 1; head_start = i
            continue
        i += 1


SELF_TEST = r'''
namespace a { namespace b {
struct S { int f() const { return 1; } };
const char* kText = R"X({ not a function() { )X";
int long_one(int x) {  // "}" in a comment
  const char* s = "{ \" }";
  auto lambda = [&](int y) {
    return y;
  };
%s  return x;
}
class C : public S {
 public:
  C() : v_(0) {}
  int g(int z) override {
    return z;
  }
};
}}
'''


def self_test() -> int:
    """The long function is found with its true length; class, namespace and literal braces are
    not functions; short ones are measured too."""
    body = "  x += 1;\n" * 80
    found = {name: last - first + 1 for name, first, last in functions(blank(SELF_TEST % body))}
    want = {"f": 1, "long_one": 87, "C": 1, "g": 3}
    if found != want:
        print(f"self-test: found {found}, want {want}", file=sys.stderr)
        return 1
    print("self-test: ok", file=sys.stderr)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max", type=int, default=80)
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("paths", nargs="*")
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    paths = [pathlib.Path(p) for p in a.paths] or [ROOT / d for d in DEFAULT_DIRS if (ROOT / d).is_dir()]
    files = []
    for p in paths:
        files += [p] if p.is_file() else sorted(
            f for f in p.rglob("*") if f.suffix in (".h", ".cpp", ".cu", ".cuh"))
    long = []
    for f in files:
        for name, first, last in functions(blank(f.read_text())):
            if last - first + 1 > a.max:
                long.append((last - first + 1, f, first, name))
    for lines, f, first, name in sorted(long, reverse=True):
        rel = f.resolve().relative_to(ROOT) if f.resolve().is_relative_to(ROOT) else f
        print(f"{rel}:{first}: {name}: {lines} lines (max {a.max})")
    print(f"{len(files)} files, {len(long)} functions over {a.max} lines", file=sys.stderr)
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main())
