"""Check: every public page renders the same HTML before and after a change.

`render` requests every kind of public page anonymously with Django's test client (home and its
choices, council pages for a sample of councils with a county and a former council, compare
pages, year pages, methodology, the data index, the API docs, letters, search, the sitemap) and
writes each body to a folder. `compare` prints every page of two such folders that differs other
than in whitespace, and exits 1 if any does.

To compare a change with its base commit on the same data:

    git worktree add /tmp/before <base commit>
    DEBUG=1 DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/page_html.py \\
        render /tmp/html-before --project /tmp/before
    cp /tmp/demo.sqlite3 /tmp/demo-after.sqlite3   # then migrate it with this checkout
    DEBUG=1 DATABASE_URL=sqlite:////tmp/demo-after.sqlite3 .venv/bin/python manage.py migrate
    DEBUG=1 DATABASE_URL=sqlite:////tmp/demo-after.sqlite3 .venv/bin/python bench/page_html.py \\
        render /tmp/html-after
    .venv/bin/python bench/page_html.py compare /tmp/html-before /tmp/html-after

`--project` is the checkout whose code renders the pages (default: this one); the list of pages
is read from the database, so both runs ask for the same ones.
"""

import argparse
import difflib
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = 5  # district councils, besides a county and a former council


def page_urls() -> list[str]:
    from councils.models import Council, CouncilType, ReportingYear

    years = [year.label for year in ReportingYear.objects.public().order_by("start")]
    latest = years[-1]
    councils = list(Council.objects.current().of_type("district").order_by("name")[:SAMPLE])
    councils += [Council.objects.current().of_type("county").order_by("name").first()]
    councils += [Council.objects.former().order_by("name").first()]
    urls = [
        "/",
        f"/?year={years[0]}",
        "/?statistic=compliance_rate&type=district",
        "/?statistic=upheld_per_100k&sort=figure&order=desc",
        "/methodology/",
        "/data/",
        "/api/",
        "/letters/",
        "/search/?q=north",
        "/search/?q=nowhere-at-all",
        "/sitemap.xml",
    ]
    for council in filter(None, councils):
        urls += [council.get_absolute_url(), f"{council.get_absolute_url()}{years[0]}/"]
        urls += [f"/letters/{council.slug}/"]
    urls += [f"/compare/{slug}/{latest}/" for slug in CouncilType.SLUGS]
    urls += [f"/compare/district/{years[0]}/?statistic=compliance_rate&sort=figure"]
    urls += [f"/years/{year}/" for year in years]
    letter = _a_public_letter()
    if letter:
        urls.append(letter)
    return urls


def _a_public_letter() -> str | None:
    from django.contrib.auth.models import AnonymousUser

    from letters.access import visible_letters

    letter = visible_letters(AnonymousUser()).select_related("council", "template__year")
    letter = letter.order_by("council__name").first()
    return letter and f"/letters/{letter.council.slug}/{letter.template.year.label}/"


def file_name(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", url.strip("/") or "home") + ".html"


def render(folder: Path, project: Path) -> None:
    sys.path.insert(0, str(project))
    os.chdir(project)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombudsman.settings")
    import django

    django.setup()
    from django.test import Client

    folder.mkdir(parents=True, exist_ok=True)
    client = Client(HTTP_HOST="localhost")  # in ALLOWED_HOSTS when DEBUG is on
    for url in page_urls():
        response = client.get(url)
        body = response.content.decode()
        (folder / file_name(url)).write_text(f"<!-- {url} {response.status_code} -->\n{body}")
        print(f"{response.status_code} {url}")


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text)


def compare(before: Path, after: Path) -> int:
    names = sorted({p.name for p in before.glob("*.html")} | {p.name for p in after.glob("*.html")})
    differing = 0
    for name in names:
        old, new = before / name, after / name
        if not (old.exists() and new.exists()):
            print(f"only in {'after' if new.exists() else 'before'}: {name}")
            differing += 1
            continue
        a, b = old.read_text(), new.read_text()
        if _normalised(a) == _normalised(b):
            continue
        differing += 1
        print(f"differs: {name}")
        lines_a = re.sub(r">\s*", ">\n", a).splitlines()
        lines_b = re.sub(r">\s*", ">\n", b).splitlines()
        diff = difflib.unified_diff(
            [line.strip() for line in lines_a], [line.strip() for line in lines_b], lineterm=""
        )
        for line in list(diff)[:40]:
            print("   ", line)
    print(f"{len(names)} pages, {differing} differ (whitespace ignored)")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rendering = commands.add_parser("render", help="render every public page into a folder")
    rendering.add_argument("folder", type=Path)
    rendering.add_argument("--project", type=Path, default=ROOT)
    comparing = commands.add_parser("compare", help="compare two rendered folders")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "render":
        render(args.folder.resolve(), args.project.resolve())
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    raise SystemExit(main())
