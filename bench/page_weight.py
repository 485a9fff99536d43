"""Benchmark: what each public page type weighs on the wire, and how soon it shows on a slow phone.

For the map `/` and every other public page type (a council page, a county council's page,
compare, the year page, open data, methodology, the letters list and a letter), served by
gunicorn with DEBUG off (WhiteNoise's brotli copies of the collected static files; HTML through
Django's GZipMiddleware):

1. Weight: bytes on the wire for a first load (empty cache), asking for brotli as browsers do
   (`Accept-Encoding: br, gzip`): the HTML (with site.css in it), linked CSS, JS and other files
   ("first load": everything before the page's load event), and on the map page what map.js
   fetches after the load event for the interactive map (plotly.js, its stylesheet and the areas:
   "after load"). Response bodies only (headers add a few hundred bytes a file). Targets: the
   map page at most 500 KB in all, every other page at most 450 KB; the map page's first load
   (the map drawn on the server) at most 150 KB.
2. Time, in Debian's Chromium (Playwright), each page loaded cold with Chrome DevTools' "Slow 4G"
   preset through CDP `Network.emulateNetworkConditions` (devtools-frontend NetworkManager.ts,
   Slow4GConditions: 1.6 Mbit/s x 0.9 down, 750 kbit/s x 0.9 up, 150 ms x 3.75 latency) and
   `Emulation.setCPUThrottlingRate` 4: the first contentful paint (first text) and, on the map
   page, when the map drawn on the server was painted (the first frame after the parser has
   passed it: a MutationObserver added before any of the page's scripts) and when map.js's
   interactive map was drawn (its `council-map-drawn` performance mark). Targets: text within
   1.5 s, the map within 4 s. The last column says how the static files came (Chromium asks for
   brotli from 127.0.0.1 too, so the same bytes as above).

    .venv/bin/python bench/page_weight.py [--scale 0.3 | --database demo.sqlite3] [--runs 3]
                                          [--port 8000]

Uses a temporary SQLite database (seeded, or a copy of --database) and bench/load.py's set-up
and gunicorn harness (loopback only). Prints every figure beside its target and the ratio, the
median of --runs loads per page, and whether each target is met.
"""

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import load  # bench/load.py: the set-up and gunicorn helpers

from tests.browser import CHROMIUM, CHROMIUM_ARGS

GEOGRAPHY = load.ROOT / "var" / "bench" / "geography"
KB = 1000
MAP_TARGET = 500 * KB
PAGE_TARGET = 450 * KB
TEXT_TARGET_MS = 1500
MAP_DRAWN_TARGET_MS = 4000

# Chrome DevTools' "Slow 4G" (NetworkManager.ts Slow4GConditions; bytes a second, milliseconds).
SLOW_4G = {
    "offline": False,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
    "latency": 150 * 3.75,
}
CPU_SLOWDOWN = 4

ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
# What map.js fetches once the page has loaded (plotly.js and its CSS, then the areas).
AFTER_LOAD = re.compile(r'data-(?:plotly|plotly-css|geometry)-url="([^"]+)"')
FIRST_LOAD_TARGET = 150 * KB  # the map page before its load event: the map drawn on the server
# Marks `server-map-painted` at the first frame after the parser has passed the server-drawn map
# (its container has a next sibling), then stops watching. Runs before any of the page's scripts.
SERVER_MAP_PAINTED = """
new MutationObserver((changes, observer) => {
  const map = document.querySelector('.council-map__static');
  if (map && map.parentElement.nextSibling) {
    observer.disconnect();
    requestAnimationFrame(() => {
      const afterPaint = new MessageChannel();
      afterPaint.port1.onmessage = () => performance.mark('server-map-painted');
      afterPaint.port2.postMessage(null);
    });
  }
}).observe(document, {childList: true, subtree: true});
"""


def wire_bytes(base: str, path: str) -> int:
    """The size of the response body as sent to a browser offering brotli (still compressed)."""
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": "br, gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return len(response.read())


def page_weight(base: str, path: str) -> dict[str, int]:
    """Bytes on the wire by kind for a first load of `path`, offering brotli."""
    with urllib.request.urlopen(base + path, timeout=30) as response:
        html = response.read().decode()
    files = {
        "html": [path],
        "css": [],
        "js": [],
        "other": [],
        "after load": AFTER_LOAD.findall(html),
    }
    for asset in dict.fromkeys(ASSET.findall(html)):
        kind = asset.rsplit(".", 1)[-1]
        files[kind if kind in files else "other"].append(asset)
    weights = {}
    for kind, paths in files.items():
        weights[kind] = sum(wire_bytes(base, p) for p in paths)
    return weights


def pages(base: str) -> dict[str, str]:
    """One URL of each public page type, found through the API and the letters list."""
    found = load.targets(base)
    year = found["API year"].rstrip("/").rsplit("/", 1)[1]
    slug = found["council page"].strip("/").rsplit("/", 1)[1]
    counties = json.loads(load.get(base, "/api/councils/?type=county&page_size=1")[1])
    urls = {
        "map": "/",
        "council": f"/councils/{slug}/",
        "county council": f"/councils/{counties['results'][0]['slug']}/",
        "compare": f"/compare/district/{year}/?council={slug}",
        "year": f"/years/{year}/",
        "data": "/data/",
        "methodology": "/methodology/",
        "letters": "/letters/",
    }
    letters = re.findall(
        r'href="(/letters/[^"/]+/[^"/]+/)"', load.get(base, "/letters/")[1].decode()
    )
    if letters:
        urls["letter"] = letters[0]
    return urls


def timings(base: str, urls: dict[str, str], runs: int) -> dict[str, dict]:
    """Median first contentful paint (and map drawn) per page on Slow 4G with a 4x slower CPU."""
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, path in urls.items():
                samples = [_load_once(browser, base + path, name == "map") for _ in range(runs)]
                results[name] = {
                    key: statistics.median(s[key] for s in samples)
                    for key in samples[0]
                    if key != "encoding"
                } | {"encoding": samples[0]["encoding"]}
        finally:
            browser.close()
    return results


def _load_once(browser, url: str, is_map: bool) -> dict:
    # A cold cache each time; bypass_csp lets Playwright's polling evaluate its expressions.
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    if is_map:
        page.add_init_script(SERVER_MAP_PAINTED)
    encodings = set()
    page.on(
        "response",
        lambda r: (
            encodings.add(r.headers.get("content-encoding", "identity"))
            if "/static/" in r.url
            else None
        ),
    )
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    try:
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function(
            "performance.getEntriesByName('first-contentful-paint').length > 0", timeout=60_000
        )
        sample = {
            "text_ms": page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0].startTime"
            ),
            "encoding": "/".join(sorted(encodings)) or "(none fetched)",
        }
        if is_map:
            for key, mark in (("svg_ms", "server-map-painted"), ("map_ms", "council-map-drawn")):
                found = f"performance.getEntriesByName('{mark}').length > 0"
                page.wait_for_function(found, timeout=120_000)
                sample[key] = page.evaluate(f"performance.getEntriesByName('{mark}')[0].startTime")
        return sample
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.3, help="demo data volume (1: full)")
    parser.add_argument("--runs", type=int, default=3, help="loads per page for the timings")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database",
        type=Path,
        help="a copy of this SQLite database with data already in it (e.g. the full demo), "
        "instead of seeding a new one",
    )
    parser.add_argument("--port", type=int, help="for gunicorn on 127.0.0.1 (default: a free one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "weight.sqlite3"
        env = load.child_environment(f"sqlite:///{database}", None)
        env["GEOGRAPHY_DIR"] = str(GEOGRAPHY)
        if args.database:
            shutil.copyfile(args.database, database)
            load.manage(env, "migrate", "--no-input", "-v", "0")
            load.collect_static_once(env)
        else:
            load.set_up(env, args.scale)
        if not (GEOGRAPHY / "lower_tier.geojson").exists():
            load.manage(env, "build_boundaries")
        port = args.port or load.free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "gunicorn.log"
        server = load.start_gunicorn(env, port, args.workers, log)
        try:
            load.wait_until_up(base, server, log)
            urls = pages(base)
            weights = {name: page_weight(base, path) for name, path in urls.items()}
            times = timings(base, urls, args.runs)
        finally:
            load.stop(server, "gunicorn")

    failed = []
    print("\nBytes on the wire with brotli (KB = 1,000 bytes); first load: before the load event:")
    kinds = ("html", "css", "js", "other")
    print(
        f"{'page':<16}"
        + "".join(f"{k:>8}" for k in kinds)
        + f"{'first load':>12}{'after load':>12}{'total':>8}{'target':>8}{'ratio':>7}"
    )
    for name, weight in weights.items():
        first = sum(weight[k] for k in kinds)
        total = first + weight["after load"]
        target = MAP_TARGET if name == "map" else PAGE_TARGET
        if total > target:
            failed.append(f"{name} weight")
        print(
            f"{name:<16}"
            + "".join(f"{weight[k] / KB:>8.1f}" for k in kinds)
            + f"{first / KB:>12.1f}{weight['after load'] / KB:>12.1f}"
            + f"{total / KB:>8.1f}{target / KB:>8.0f}{total / target:>7.2f}"
        )
    map_first = sum(weights["map"][k] for k in kinds)
    if map_first > FIRST_LOAD_TARGET:
        failed.append("map first load")
    print(
        f"map page's first load (the map drawn on the server): {map_first / KB:.1f} KB, "
        f"target {FIRST_LOAD_TARGET / KB:.0f} KB, ratio {map_first / FIRST_LOAD_TARGET:.2f}"
    )
    print(
        f"\nSlow 4G ({SLOW_4G['downloadThroughput'] * 8 / 1e6:.2f} Mbit/s down, "
        f"{SLOW_4G['latency']:.1f} ms latency), CPU {CPU_SLOWDOWN}x slower, 390 px wide, "
        f"median of {args.runs} cold loads, ms (ratio to the target):"
    )
    print(
        f"{'page':<16}{'first text':>16}{'map (server)':>16}{'interactive map':>18}"
        "  static files' encoding"
    )

    def against(ms: float, target: int) -> str:
        return f"{ms:.0f} ({ms / target:.2f})"

    for name, sample in times.items():
        if sample["text_ms"] > TEXT_TARGET_MS:
            failed.append(f"{name} first text")
        line = f"{name:<16}{against(sample['text_ms'], TEXT_TARGET_MS):>16}"
        if "svg_ms" in sample:
            if sample["svg_ms"] > MAP_DRAWN_TARGET_MS:
                failed.append("map drawn")
            line += f"{against(sample['svg_ms'], MAP_DRAWN_TARGET_MS):>16}"
            line += f"{against(sample['map_ms'], MAP_DRAWN_TARGET_MS):>18}"
        else:
            line += f"{'':>34}"
        print(line + f"  {sample['encoding']}")
    print(
        f"\ntargets: map <= {MAP_TARGET / KB:.0f} KB "
        f"(first load <= {FIRST_LOAD_TARGET / KB:.0f} KB), "
        f"other pages <= {PAGE_TARGET / KB:.0f} KB, first text <= {TEXT_TARGET_MS / 1000} s, "
        f"map drawn (on the server) <= {MAP_DRAWN_TARGET_MS / 1000} s: "
        + ("all met" if not failed else "NOT met: " + ", ".join(failed))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
