"""Benchmark: public pages through gunicorn, against a trivial Django view in the same server.

Prints, in one run (these machines are noisy, so only same-run ratios mean much), the throughput
of the map page, a council page and the compare page as a ratio to /robots.txt (a trivial view
in the same server), three ways:
- "scratch": every figure and table computed for every request (PAGE_CACHE_SECONDS=0,
  COMPUTED_SECONDS=0), as a worker does for the first request after a data change;
- "uncached": no page cache (PAGE_CACHE_SECONDS=0): each request runs its view, reads the data
  version and the visible years and renders the page, with the figures and tables its worker
  computed once for this data version (councils.computed); what signed-in staff and officers
  get, and the public on a page-cache miss. Target: at least 0.5;
- "cached": anonymous visitors served from the page cache (councils.caching);
and
- the map page's first-load transfer size: compressed HTML, CSS, JS and map data, as a browser
  asking for brotli or gzip receives them from WhiteNoise; target: at most 1.5 MB.

    .venv/bin/python bench/pages.py [--scale 0.3] [--seconds 5] [--workers 3]

Uses a temporary SQLite database and bench/load.py's gunicorn and wrk harness (loopback only).
"""

import argparse
import re
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/load.py: the gunicorn and wrk helpers

GEOGRAPHY = load.ROOT / "var" / "bench" / "geography"
TARGET_RATIO = 0.5
MODES = ("scratch", "uncached", "cached")
TARGET_FIRST_LOAD = 1_500_000


def transfer_size(base: str, path: str, encoding: str) -> int:
    request = urllib.request.Request(base + path, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=30) as response:
        return len(response.read())


def first_load(base: str) -> dict[str, int]:
    """Bytes on the wire for the map page and everything it loads, by compression offered."""
    with urllib.request.urlopen(base + "/", timeout=30) as response:
        html = response.read().decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js|svg))"', html)
    data = re.findall(r'data-geometry-url="([^"]+)"', html)
    sizes = {}
    for encoding in ("br, gzip", "gzip"):
        total = sum(transfer_size(base, path, encoding) for path in ["/", *assets, *data])
        sizes[encoding] = total
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.3, help="demo data volume (1: full)")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    if not Path("/usr/bin/wrk").exists():
        print("wrk is not installed: apt-get install wrk")
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        env = load.child_environment(f"sqlite:///{tmp}/pages.sqlite3", None)
        env["GEOGRAPHY_DIR"] = str(GEOGRAPHY)
        load.set_up(env, args.scale)
        if not (GEOGRAPHY / "lower_tier.geojson").exists():
            load.manage(env, "build_boundaries")
        results = {}
        for mode in MODES:
            env["PAGE_CACHE_SECONDS"] = "600" if mode == "cached" else "0"
            env["COMPUTED_SECONDS"] = "0" if mode == "scratch" else "600"
            port = load.free_port()
            base = f"http://127.0.0.1:{port}"
            log = Path(tmp) / "gunicorn.log"
            server = load.start_gunicorn(env, port, args.workers, log)
            try:
                load.wait_until_up(base, server, log)
                year = load.targets(base)["API year"].rstrip("/").rsplit("/", 1)[1]
                pages = {
                    "trivial /robots.txt": "/robots.txt",
                    "map /": "/",
                    "council page": "/councils/ashfield/",
                    "compare page": f"/compare/district/{year}/",
                }
                for name, path in pages.items():
                    for _ in range(4 * args.workers):  # warm every worker (and its cache)
                        load.get(base, path)
                    run = load.wrk(base, name, path, args.concurrency, args.seconds)
                    results[name, mode] = run
                if mode == "uncached":
                    sizes = first_load(base)
            finally:
                load.stop(server, "gunicorn")

    print(
        f"\n{args.workers} gunicorn workers, {args.concurrency} connections, {args.seconds} s each"
    )
    print(f"{'page':<22}{'mode':<10}{'req/s':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>8}")
    failed = False
    for mode in MODES:
        baseline = results["trivial /robots.txt", mode]
        base_rate = baseline.requests / baseline.seconds
        for name in ("trivial /robots.txt", "map /", "council page", "compare page"):
            run = results[name, mode]
            rate = run.requests / run.seconds
            ratio = rate / base_rate
            print(f"{name:<22}{mode:<10}{rate:>9.0f}{run.p99_ms:>9.1f}{run.errors:>8}{ratio:>8.2f}")
            if mode == "uncached" and name != "trivial /robots.txt" and ratio < TARGET_RATIO:
                failed = True
    print("\nmap page first load (HTML, CSS, JS, map data), bytes on the wire:")
    for encoding, size in sizes.items():
        print(
            f"  Accept-Encoding {encoding!r}: {size:,} ({size / TARGET_FIRST_LOAD:.2f} of 1.5 MB)"
        )
    print(
        f"\ntargets: uncached pages >= {TARGET_RATIO} of the trivial view "
        f"({'met' if not failed else 'NOT met'}); first load <= 1.5 MB with brotli "
        f"({'met' if sizes['br, gzip'] <= TARGET_FIRST_LOAD else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
