"""Benchmark: public pages from the page layer, 304s, and cold renders, against a trivial view.

Prints, in one run (these machines are noisy, so only same-run ratios mean much):
- "hit": anonymous visitors served a stored page through gunicorn (councils.caching's fast
  path), as a ratio of the requests per second of /robots.txt (a trivial view through the whole
  middleware stack, in the same server), both asked with `Accept-Encoding: br, gzip` as browsers
  do; the median of `--rounds` rounds, each against the trivial view run just before and just
  after it. Target: at least 0.85;
- "304": the same pages asked with an `If-None-Match` that still matches. Target: at least 0.9;
- "cold": each public page rendered in-process with Django's test client right after a data
  change (the version bumped, the figures memo and the page store empty), the median of a few
  tries, at the demo scale given. Target: at most 100 ms;
- the map page's first-load transfer size: compressed HTML, CSS, JS and map data, as a browser
  asking for brotli or gzip receives them. Target: at most 1.5 MB.

    .venv/bin/python bench/pages.py [--scale 1] [--database demo.sqlite3] [--seconds 4]

`--database` copies an existing SQLite database (migrated first) instead of seeding a new one:
seeding full-scale demo data takes minutes. Uses bench/load.py's gunicorn and wrk harness
(loopback only).
"""

import argparse
import json
import re
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/load.py: the gunicorn and wrk helpers

GEOGRAPHY = load.ROOT / "var" / "bench" / "geography"
BROWSER = {"Accept-Encoding": "br, gzip"}
TRIVIAL = "/robots.txt"
TARGET_HIT, TARGET_304, TARGET_COLD_MS, TARGET_FIRST_LOAD = 0.85, 0.9, 100, 1_500_000

# Run inside Django (load.python_in_django): the URL of every kind of public page in this
# database, then each page's cold render time. Prints one JSON line.
COLD = """
import json, statistics, time
from django.core.cache import cache
from django.test import Client
from councils import dataversion, memo
from councils.models import Council, ReportingYear
from django.contrib.auth.models import AnonymousUser
from letters.access import visible_letters

year = ReportingYear.objects.public().order_by("start").last().label
district = Council.objects.current().of_type("district").order_by("name").first()
county = Council.objects.current().of_type("county").order_by("name").first()
former = Council.objects.former().order_by("name").first()
letter = visible_letters(AnonymousUser()).select_related("council", "template__year").first()
pages = {
    "map /": "/",
    "council (district)": district.get_absolute_url(),
    "council (county)": county.get_absolute_url(),
    "council (former)": former and former.get_absolute_url(),
    "compare": f"/compare/district/{year}/",
    "year": f"/years/{year}/",
    "methodology": "/methodology/",
    "search": "/search/?q=north",
    "data index": "/data/",
    "statistics CSV": f"/data/{year}/statistics.csv",
    "API docs": "/api/",
    "API year": f"/api/years/{year}/",
    "letters": "/letters/",
    "letter": letter and f"/letters/{letter.council.slug}/{letter.template.year.label}/",
    "sitemap index": "/sitemap.xml",
    "sitemap councils": "/sitemap-councils.xml",
    "sitemap letters": "/sitemap-letters.xml",
}
client = Client(HTTP_HOST="localhost")
times = {}
for name, url in pages.items():
    if url is None:
        continue
    tries = []
    for _ in range(TRIES):
        dataversion.bump()  # a data change: nothing computed before it may be used
        memo.clear()
        cache.clear()
        started = time.perf_counter()
        status = client.get(url).status_code
        tries.append((time.perf_counter() - started) * 1000)
        assert status == 200, (url, status)
    times[name] = [url, statistics.median(tries)]
print("JSON " + json.dumps(times))
"""


def request(base: str, path: str, headers: dict[str, str]):
    with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as response:
        return response.headers, response.read()


def first_load(base: str) -> dict[str, int]:
    """Bytes on the wire for the map page and everything it loads, by compression offered."""
    _, html = request(base, "/", {})
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js|svg))"', html.decode())
    data = re.findall(r'data-geometry-url="([^"]+)"', html.decode())
    return {
        encoding: sum(
            len(request(base, path, {"Accept-Encoding": encoding})[1])
            for path in ["/", *assets, *data]
        )
        for encoding in ("br, gzip", "gzip")
    }


def median_round(base: str, path: str, headers: dict[str, str], shape, rounds: int):
    """The page against the trivial view, alternately: (run, trivial rate, ratio) of the round
    with the median ratio. Each round's ratio is to the trivial runs just before and just
    after it, since the load on a shared machine drifts; the median drops a round that a
    neighbour's burst spoilt."""
    trivial = [load.wrk(base, "trivial", TRIVIAL, *shape, BROWSER)]
    measured = []
    for _ in range(rounds):
        run = load.wrk(base, path, path, *shape, headers)
        trivial.append(load.wrk(base, "trivial", TRIVIAL, *shape, BROWSER))
        base_rate = (trivial[-2].rate + trivial[-1].rate) / 2
        measured.append((run, base_rate, run.rate / base_rate))
    return sorted(measured, key=lambda round_: round_[2])[len(measured) // 2]


def prepare(env: dict[str, str], args, tmp: str) -> None:
    if args.database:
        shutil.copy(args.database, Path(tmp) / "pages.sqlite3")
        load.manage(env, "migrate", "--no-input", "-v", "0")
        load.manage(env, "collectstatic", "--no-input", "-v", "0")
    else:
        load.set_up(env, args.scale)
    if not (GEOGRAPHY / "lower_tier.geojson").exists():
        load.manage(env, "build_boundaries")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="demo data volume (1: full)")
    parser.add_argument("--database", help="an SQLite database to copy instead of seeding one")
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--tries", type=int, default=3, help="cold renders per page")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per page and kind")
    args = parser.parse_args()
    if not Path("/usr/bin/wrk").exists():
        print("wrk is not installed: apt-get install wrk")
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        env = load.child_environment(f"sqlite:///{tmp}/pages.sqlite3", None)
        env["GEOGRAPHY_DIR"] = str(GEOGRAPHY)
        prepare(env, args, tmp)
        output = load.python_in_django(env, f"TRIES = {args.tries}\n{COLD}")
        line = next(line for line in output.splitlines() if line.startswith("JSON "))
        cold = json.loads(line[5:])
        pages = {name: cold[name][0] for name in ("map /", "council (district)", "compare", "year")}
        pages["statistics CSV"] = cold["statistics CSV"][0]
        port = load.free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "gunicorn.log"
        server = load.start_gunicorn(env, port, args.workers, log)
        runs = {}
        try:
            load.wait_until_up(base, server, log)
            shape = (args.concurrency, args.seconds)
            for name, path in pages.items():
                for _ in range(4 * args.workers):  # stored in every worker's page store
                    headers, _ = request(base, path, BROWSER)
                revalidate = BROWSER | {"If-None-Match": headers["ETag"]}
                for kind, sent in (("hit", BROWSER), ("304", revalidate)):
                    runs[name, kind] = median_round(base, path, sent, shape, args.rounds)
            sizes = first_load(base)
        finally:
            load.stop(server, "gunicorn")

    print(f"\n{args.workers} gunicorn workers, {args.concurrency} connections, {args.seconds} s")
    print(
        f"trivial view: {TRIVIAL}, run just before and just after each measurement; "
        f"the median of {args.rounds} rounds"
    )
    columns = ("req/s", "trivial", "p99 ms", "errors", "ratio")
    print(f"{'page':<22}{'kind':<6}" + "".join(f"{column:>9}" for column in columns))
    worst = {"hit": 10.0, "304": 10.0}
    for (name, kind), (run, base_rate, ratio) in runs.items():
        worst[kind] = min(worst[kind], ratio)
        print(
            f"{name:<22}{kind:<6}{run.rate:>9.0f}{base_rate:>9.0f}{run.p99_ms:>9.1f}"
            f"{run.errors:>9}{ratio:>9.2f}"
        )
    print(f"\ncold render after a data change, in-process, median of {args.tries}:")
    slowest = 0.0
    for name, (url, ms) in cold.items():
        slowest = max(slowest, ms)
        print(f"  {name:<22}{ms:>8.1f} ms  {url}")
    print("\nmap page first load (HTML, CSS, JS, map data), bytes on the wire:")
    for encoding, size in sizes.items():
        share = size / TARGET_FIRST_LOAD
        print(f"  Accept-Encoding {encoding!r}: {size:,} ({share:.2f} of 1.5 MB)")

    def verdict(met: bool) -> str:
        return "met" if met else "NOT met"

    hit, not_modified = worst["hit"], worst["304"]
    print(
        f"\ntargets: hit >= {TARGET_HIT} of the trivial view ({verdict(hit >= TARGET_HIT)},"
        f" worst {hit:.2f}); 304 >= {TARGET_304} ({verdict(not_modified >= TARGET_304)},"
        f" worst {not_modified:.2f}); cold <= {TARGET_COLD_MS} ms "
        f"({verdict(slowest <= TARGET_COLD_MS)}, slowest {slowest:.0f} ms); first load <= 1.5 MB "
        f"with brotli ({verdict(sizes['br, gzip'] <= TARGET_FIRST_LOAD)})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
