"""Check that migrating a database forward changes no published figure.

    python bench/migration_figures.py [--before REV] [--database-url URL] [--scale 1]

1. Extracts the code at REV (default: the commit before the newest migration was added; give
   the last release for a range of migrations) into a temporary folder, migrates a fresh
   database with it, loads the 317 councils and seeds the demo data, as
   `make run` does (`load_councils`, `seed_demo`).
2. Downloads `/data/<year>/statistics.csv` and `/data/<year>/categories.csv` for every
   published year with that code.
3. Migrates the same database forward with this checkout's code and downloads them again.
4. Compares the files byte for byte; exits 1 if any differs.

The database must be new (an SQLite path that does not exist, or an empty PostgreSQL
database); it is left in place for a look afterwards. The page cache is the process's own
(REDIS_URL is emptied), so no download can come from before the migration.
"""

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
PYTHON = os.environ.get("PYTHON", sys.executable)

DUMP = """
import sys
from pathlib import Path
from django.test import Client
from councils.models import ReportingYear

out = Path(sys.argv[-1])
out.mkdir(parents=True, exist_ok=True)
client = Client(HTTP_HOST="localhost")
years = list(ReportingYear.objects.public())
for year in years:
    for name in ("statistics", "categories"):
        response = client.get(f"/data/{year.label}/{name}.csv")
        assert response.status_code == 200, (year.label, name, response.status_code)
        (out / f"{year.label}-{name}.csv").write_bytes(response.content)
print(f"{len(years)} years written to {out}")
"""


def run(cwd: Path, env: dict, *args: str) -> None:
    print(f"[{cwd.name}] manage.py {' '.join(args[:3])}", flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=cwd, env=env, check=True)


def script(cwd: Path, env: dict, code: str, out: Path) -> None:
    subprocess.run(
        [PYTHON, "-c", "import django; django.setup(); exec(open(0).read())", str(out)],
        cwd=cwd,
        env={**env, "DJANGO_SETTINGS_MODULE": "ombudsman.settings", "PYTHONPATH": str(cwd)},
        input=code,
        text=True,
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # The commit before the newest migration of either app was added: what a database to be
    # migrated forward was last migrated with.
    newest = max(HERE.glob("*/migrations/0*.py"), key=lambda path: path.name)
    added = subprocess.run(
        ["git", "log", "-1", "--format=%H", "--diff-filter=A", "--", str(newest)],
        cwd=HERE,
        capture_output=True,
        text=True,
    ).stdout.strip()
    default_before = f"{added}^" if added else "HEAD"
    parser.add_argument(
        "--before", default=default_before, help="git revision before (%(default)s)"
    )
    parser.add_argument("--database-url", help="a new database (default: SQLite in a temp dir)")
    parser.add_argument("--scale", default="1", help="seed_demo --scale (1 is realistic)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="migration-figures-"))
    before = work / "before"
    before.mkdir()
    archive = subprocess.run(
        ["git", "archive", args.before], cwd=HERE, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
    # The front-end packages (npm) are not in git: the earlier code serves this checkout's.
    (before / "node_modules").symlink_to(HERE / "node_modules")
    url = args.database_url or f"sqlite:///{work / 'figures.sqlite3'}"
    env = {**os.environ, "DEBUG": "1", "REDIS_URL": "", "DATABASE_URL": url}

    run(before, env, "migrate", "--no-input", "-v", "0")
    run(before, env, "load_councils")
    run(before, env, "seed_demo", "--scale", args.scale)
    script(before, env, DUMP, work / "figures-before")

    run(HERE, env, "migrate", "--no-input")
    script(HERE, env, DUMP, work / "figures-after")

    names = sorted(p.name for p in (work / "figures-before").iterdir())
    after = sorted(p.name for p in (work / "figures-after").iterdir())
    _, mismatch, errors = filecmp.cmpfiles(
        work / "figures-before", work / "figures-after", names, shallow=False
    )
    print(f"{len(names)} files compared in {work}")
    if names != after or mismatch or errors:
        print(f"DIFFERENT: {mismatch + errors}; only before or after: {set(names) ^ set(after)}")
        return 1
    print("Identical: every statistics.csv and categories.csv is the same after the migration.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
