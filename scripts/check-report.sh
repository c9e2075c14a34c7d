#!/usr/bin/env bash
# Checks a rendered report the way a reader sees it: every file index.html links exists and is
# non-empty, every PNG figure decodes and is not blank, and headless Chromium renders index.html
# to a screenshot that is not blank either (written beside the report as index.screenshot.png).
# Usage: scripts/check-report.sh REPORT_DIR        (e.g. results/report)
set -euo pipefail
dir="${1:?usage: scripts/check-report.sh REPORT_DIR}"
[ -f "$dir/index.html" ] || { echo "check-report: $dir/index.html not found" >&2; exit 1; }
chromium_bin="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$chromium_bin" ] || { echo "check-report: chromium not found (scripts/setup.sh installs it)" >&2; exit 1; }
shot="$dir/index.screenshot.png"
rm -f "$shot"
# --no-sandbox: CI containers run as root; a throw-away profile keeps runs independent.
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
timeout 120 "$chromium_bin" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" --window-size=1280,2400 --screenshot="$shot" \
  "file://$(cd "$dir" && pwd)/index.html" >/dev/null 2>&1 || true
[ -s "$shot" ] || { echo "check-report: chromium wrote no screenshot of $dir/index.html" >&2; exit 1; }
/usr/bin/python3 - "$dir" "$shot" <<'PY'
import html.parser, os, sys
import matplotlib.image as mpimg
import numpy as np

d, shot = sys.argv[1], sys.argv[2]

class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.links = []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v and "://" not in v and not v.startswith("#"):
                self.links.append(v)

# Follow links from index.html through the report's own HTML pages (artifact pages -> figures).
links, pages, seen = [], ["index.html"], set()
while pages:
    page = pages.pop()
    if page in seen: continue
    seen.add(page)
    p = Links(); p.feed(open(os.path.join(d, page), encoding="utf-8").read())
    base = os.path.dirname(page)
    for l in p.links:
        path = os.path.normpath(os.path.join(base, l))
        links.append(path)
        if path.endswith(".html") and os.path.isfile(os.path.join(d, path)): pages.append(path)
bad = sorted({l for l in links if not os.path.isfile(os.path.join(d, l)) or os.path.getsize(os.path.join(d, l)) == 0})
pngs = sorted({l for l in links if l.endswith(".png")})

def blank(path):  # a single colour (or nearly) is a blank figure
    img = mpimg.imread(path)
    return float(np.asarray(img, dtype=float)[..., :3].std()) < 0.01

blank_figs = [l for l in pngs if l not in bad and blank(os.path.join(d, l))]
ok = not bad and not blank_figs and not blank(shot)
print(f"check-report: {len(seen)} pages, {len(set(links))} links, {len(pngs)} PNG figures, {len(bad)} missing/empty, "
      f"{len(blank_figs)} blank; screenshot {shot} {'ok' if not blank(shot) else 'BLANK'}")
for l in bad: print("  missing or empty:", l)
for l in blank_figs: print("  blank figure:", l)
sys.exit(0 if ok else 1)
PY
