"""Load benchmark: gunicorn plus wrk on loopback, then the same while a decisions import runs.

    .venv/bin/python bench/load.py [--duration 5] [--concurrency 1,8,32] [--workers 3]
                                   [--full] [--rows 10000] [--database-url URL] [--redis-url URL]

1. Sets up a temporary SQLite database (or the one --database-url names, which it migrates and
   fills: use a database kept for benchmarks, created first with e.g.
   `createdb -h 127.0.0.1 -U postgres ombudsman_bench`): migrate, `load_councils`, demo data
   (`seed_demo_data` at --scale 0.3, or 1.0 with --full; without the letters, whose PDFs take
   minutes), and collects static files once into var/bench/static (DEBUG is off, as in
   production, so pages need the manifest).
2. Starts gunicorn (`ombudsman/gunicorn.conf.py`, --workers, a free port on 127.0.0.1) with
   DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1,localhost, SECURE_HTTPS=0, and the page
   cache in local memory (per worker) or in Redis with --redis-url.
3. Runs wrk (`wrk --latency`, bench/wrk_report.lua) for --duration seconds per URL and level of
   concurrency against /healthz (the baseline), the map `/`, a council page, the latest year's
   statistics CSV and its API figures; prints requests a second, p99 latency, errors (socket
   errors, timeouts and responses that are not 2xx/3xx) and throughput as a share of the
   baseline's at the same concurrency.
4. Mixed load: every URL at once (2 connections each) in 1-second rounds, first without and then
   while `manage.py import_data` imports a file of --rows new decisions in a subprocess (only the
   rounds that ended before the import did count); then checks that every row of the file is in
   the database, and reports the import's result and every error.

Bounded: every wrk run has a fixed duration, the import a time limit; gunicorn and the import
are stopped at the end, on an error and on Ctrl-C. Needs wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "wrk_report.lua"
STATIC_ROOT = ROOT / "var" / "bench" / "static"
IMPORT_TIME_LIMIT = 600  # seconds
MIXED_ROUND = 1  # seconds: every URL at once, round after round, while the import runs
MIXED_CONCURRENCY = 2  # connections per URL in the mixed rounds
WRK_TIMEOUT = "10s"  # a response slower than this counts as an error


@dataclass
class Run:
    name: str
    concurrency: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict[str, int]
    during_import: bool = False

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- Processes -----------------------------------------------------------------------------


class Stop(Exception):
    """SIGTERM: stop like Ctrl-C does."""


def _on_sigterm(signum, frame):
    raise Stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_environment(database_url: str, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_HTTPS="0",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(STATIC_ROOT),
        LOG_LEVEL="WARNING",
        LOG_FORMAT="text",
        DJANGO_SETTINGS_MODULE="ombudsman.settings",
        # Random keys of our own in a shared Redis; local memory otherwise.
        CACHE_KEY_PREFIX=f"bench-{secrets.token_hex(4)}",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def python_in_django(env: dict[str, str], code: str, timeout: float = 600) -> str:
    return manage(env, "shell", "--no-imports", "-v", "0", "-c", code, timeout=timeout)


def static_files_current() -> bool:
    manifest = STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = max(path.stat().st_mtime for path in (ROOT / "static").rglob("*") if path.is_file())
    return manifest.stat().st_mtime > newest


def set_up(env: dict[str, str], scale: float) -> None:
    started = time.monotonic()
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_councils")
    seeded = python_in_django(
        env,
        "from councils.demo import seed_demo_data\n"
        "from councils.models import Decision\n"
        "Decision.objects.filter(reference__startswith='LOAD ').delete()\n"
        f"print(seed_demo_data(scale={scale}).decisions)",
    )
    print(f"Database ready: {int(seeded):,} demo decisions ({time.monotonic() - started:.0f} s).")
    collect_static_once(env)


def collect_static_once(env: dict[str, str]) -> None:
    """collectstatic into STATIC_ROOT unless it is newer than every file in static/."""
    if not static_files_current():
        started = time.monotonic()
        STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        manage(env, "collectstatic", "--no-input", "-v", "0")
        print(f"Static files collected into {STATIC_ROOT} ({time.monotonic() - started:.0f} s).")


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    gunicorn = VENV_BIN / "gunicorn"
    if not gunicorn.exists():
        raise SystemExit(f"gunicorn is not installed in {VENV_BIN}: pip install gunicorn")
    command = [str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    config = ROOT / "ombudsman" / "gunicorn.conf.py"
    if config.exists():
        command += ["--config", str(config)]
    command.append("ombudsman.wsgi:application")
    with log.open("wb") as out:
        # Its own process group, so that stopping it stops every worker.
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen | None, name: str) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    print(f"Stopped {name} (pid {process.pid}).")


def forget_cache_keys(redis_url: str | None, env: dict[str, str]) -> None:
    """Remove this run's keys from a shared Redis (they would expire anyway)."""
    if not redis_url:
        return
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*", count=1000))
    if keys:
        client.delete(*keys)
    print(f"Removed this run's {len(keys)} keys from Redis.")


def get(base: str, path: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until_up(base: str, process: subprocess.Popen, log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if get(base, "/healthz", timeout=2)[0] == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within {limit:.0f} s")


# --- Targets and wrk -------------------------------------------------------------------------


def targets(base: str) -> dict[str, str]:
    status, body = get(base, "/api/years/")
    if status != 200 or not json.loads(body)["results"]:
        raise SystemExit("No public year: the demo data did not load.")
    year = json.loads(body)["results"][-1]["label"]
    status, body = get(base, "/api/councils/?type=district&page_size=1")
    slug = json.loads(body)["results"][0]["slug"]
    return {
        "baseline /healthz": "/healthz",
        "map /": "/",
        "council page": f"/councils/{slug}/",
        "statistics CSV": f"/data/{year}/statistics.csv",
        "API year": f"/api/years/{year}/",
    }


def wrk_command(
    base: str, path: str, concurrency: int, seconds: int, headers: dict[str, str] | None = None
) -> list[str]:
    return [
        "wrk",
        f"-t{min(concurrency, 2)}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        f"--timeout={WRK_TIMEOUT}",
        "--latency",
        *(f"-H{name}: {value}" for name, value in (headers or {}).items()),
        "-s",
        str(LUA),
        base + path,
    ]


def parse_wrk(name: str, concurrency: int, output: str) -> Run:
    line = next(line for line in output.splitlines() if line.startswith("JSON "))
    data = json.loads(line[5:])
    errors = sum(data[k] for k in ("connect", "read", "write", "timeout", "status"))
    return Run(
        name=name,
        concurrency=concurrency,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        statuses=data["statuses"],
    )


def wrk(
    base: str,
    name: str,
    path: str,
    concurrency: int,
    seconds: int,
    headers: dict[str, str] | None = None,
) -> Run:
    command = wrk_command(base, path, concurrency, seconds, headers)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode:
        raise SystemExit(f"wrk failed: {result.stderr}")
    return parse_wrk(name, concurrency, result.stdout)


def mixed_round(base: str, urls: dict[str, str], concurrency: int, seconds: int) -> list[Run]:
    """Every URL at the same time, `concurrency` connections each, for `seconds`."""
    processes = {
        name: subprocess.Popen(
            wrk_command(base, path, concurrency, seconds), stdout=subprocess.PIPE, text=True
        )
        for name, path in urls.items()
    }
    runs = []
    try:
        for name, process in processes.items():
            output, _ = process.communicate(timeout=seconds + 60)
            runs.append(parse_wrk(name, concurrency, output))
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return runs


def combine(runs: list[Run]) -> list[Run]:
    """One line per URL over several rounds: p50 averaged, p99 the worst round's."""
    by_name: dict[str, list[Run]] = {}
    for run in runs:
        by_name.setdefault(run.name, []).append(run)
    combined = []
    for name, group in by_name.items():
        statuses: dict[str, int] = {}
        for run in group:
            for status, count in run.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        combined.append(
            Run(
                name=name,
                concurrency=group[0].concurrency,
                requests=sum(r.requests for r in group),
                seconds=sum(r.seconds for r in group),
                p50_ms=sum(r.p50_ms for r in group) / len(group),
                p99_ms=max(r.p99_ms for r in group),
                errors=sum(r.errors for r in group),
                statuses=statuses,
            )
        )
    return combined


def print_table(runs: list[Run], baseline: dict[int, float]) -> None:
    print(
        f"{'URL':<18}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'vs baseline':>13}  statuses"
    )
    for run in runs:
        base = baseline.get(run.concurrency)
        ratio = f"{run.rate / base:.2f}" if base else "-"
        statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(run.statuses.items()))
        print(
            f"{run.name:<18}{run.concurrency:>5}{run.rate:>9.1f}{run.p50_ms:>9.1f}"
            f"{run.p99_ms:>9.1f}{run.errors:>8}{ratio:>13}  {statuses}"
        )


# --- The import ------------------------------------------------------------------------------


def current_council_codes(base: str) -> list[str]:
    codes, page = [], 1
    while True:
        _, body = get(base, f"/api/councils/?page_size=200&page={page}")
        data = json.loads(body)
        codes += [c["code"] for c in data["results"] if c["ceased_on"] is None]
        if not data["next"]:
            return codes
        page += 1


def write_decisions(path: Path, rows: int, codes: list[str], year: str) -> None:
    """New decisions decided in `year` (the public one the pages show), references LOAD nnnnnn."""
    rng = random.Random(2024)
    start = datetime.date(int(year[:4]), 4, 1)
    outcomes = ["Upheld", "Not upheld", "Closed after initial enquiries", "Advice given"]
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["reference", "council_code", "category", "received", "decided", "outcome"])
        for n in range(rows):
            decided = start + datetime.timedelta(days=rng.randrange(365))
            received = decided - datetime.timedelta(days=rng.randrange(1, 200))
            writer.writerow(
                [
                    f"LOAD {n:06d}",
                    rng.choice(codes),
                    "Housing",
                    received.isoformat(),
                    decided.isoformat(),
                    rng.choice(outcomes),
                ]
            )


def measure_during_import(
    base: str, env: dict[str, str], urls: dict[str, str], csv_path: Path
) -> tuple[list[Run], int, subprocess.CompletedProcess, float]:
    """Mixed rounds while `import_data` runs; only rounds that ended before it did count."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "import_data", "decisions", str(csv_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runs: list[Run] = []
    rounds = 0
    try:
        while process.poll() is None and time.monotonic() - started < IMPORT_TIME_LIMIT:
            round_runs = mixed_round(base, urls, MIXED_CONCURRENCY, MIXED_ROUND)
            if process.poll() is None:  # the whole round ran under the import
                runs += round_runs
                rounds += 1
        stdout, stderr = process.communicate(timeout=IMPORT_TIME_LIMIT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    elapsed = time.monotonic() - started
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return runs, rounds, done, elapsed


def imported_rows(env: dict[str, str]) -> int:
    return int(
        python_in_django(
            env,
            "from councils.models import Decision\n"
            "print(Decision.objects.filter(reference__startswith='LOAD ').count())",
        )
    )


# --- Main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--concurrency", default="1,8,32", help="connections, comma-separated")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2 to 4)")
    parser.add_argument("--full", action="store_true", help="demo data at full scale, not 0.3")
    parser.add_argument("--rows", type=int, default=10_000, help="decisions in the import file")
    parser.add_argument(
        "--mixed-rounds", type=int, default=3, help="rounds of mixed load without the import"
    )
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--redis-url", help="page cache in Redis (default: local memory)")
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",")]
    if not 1 <= args.duration <= 60 or not all(1 <= c <= 256 for c in levels):
        parser.error("--duration must be 1 to 60 s and each concurrency 1 to 256")
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    server = None
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        tmp_path = Path(tmp)
        database_url = args.database_url or f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        env = child_environment(database_url, args.redis_url)
        try:
            print(f"Database: {database_url.split('@')[-1]}; cache: "
                  f"{'Redis' if args.redis_url else 'local memory (per worker)'}; "
                  f"{args.workers} gunicorn workers; {os.cpu_count()} CPU cores.")  # fmt: skip
            set_up(env, 1.0 if args.full else 0.3)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = tmp_path / "gunicorn.log"
            server = start_gunicorn(env, port, args.workers, log)
            wait_until_up(base, server, log)
            urls = targets(base)
            for name, path in urls.items():
                print(f"  {name:<18} {path}")
                wrk(base, name, path, 8, 1)  # warm up every worker's page cache

            print(f"\nUnder load ({args.duration:g} s per run):")
            runs = [
                wrk(base, name, path, concurrency, args.duration)
                for concurrency in levels
                for name, path in urls.items()
            ]
            baseline = {r.concurrency: r.rate for r in runs if r.name == "baseline /healthz"}
            print_table(runs, baseline)

            csv_path = tmp_path / "decisions.csv"
            year = urls["API year"].rstrip("/").rsplit("/", 1)[-1]
            write_decisions(csv_path, args.rows, current_council_codes(base), year)
            mixed = f"every URL at once, {MIXED_CONCURRENCY} connections each"
            print(f"\nMixed load ({mixed}; {args.mixed_rounds} rounds of {MIXED_ROUND} s):")
            quiet = []
            for _ in range(args.mixed_rounds):
                quiet += mixed_round(base, urls, MIXED_CONCURRENCY, MIXED_ROUND)
            quiet = combine(quiet)
            quiet_baseline = {MIXED_CONCURRENCY: quiet[0].rate}
            print_table(quiet, quiet_baseline)
            print(f"\nThe same while importing {args.rows:,} decisions:")
            during, rounds, result, elapsed = measure_during_import(base, env, urls, csv_path)
            during = combine(during)
            print_table(during, quiet_baseline)
            print(f"  ({rounds} rounds ran wholly under the import; ratios to the baseline above)")
            if not rounds:
                print("  The import was too quick to measure under it: use more --rows.")
            print(f"Import: exit {result.returncode} in {elapsed:.1f} s: {result.stdout.strip()}")
            if result.returncode:
                print(result.stderr.strip()[-2000:])
            found = imported_rows(env)
            lost = args.rows - found
            print(f"Rows in the file: {args.rows:,}; in the database: {found:,}; lost: {lost:,}.")
            everything = runs + quiet + during
            errors = sum(r.errors for r in everything)
            print(f"Errors: {errors:,} in {sum(r.requests for r in everything):,} requests.")
            server_errors = [
                line for line in log.read_text(errors="replace").splitlines() if "Traceback" in line
            ]
            if server_errors:
                print(f"gunicorn logged {len(server_errors)} tracebacks; the last lines:")
                print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))
            return 0 if errors == 0 and lost == 0 and result.returncode == 0 else 1
        except (KeyboardInterrupt, Stop):
            print("\nStopped.", file=sys.stderr)
            return 130
        finally:
            stop(server, "gunicorn")
            with contextlib.suppress(Exception):
                forget_cache_keys(args.redis_url, env)


if __name__ == "__main__":
    sys.exit(main())
