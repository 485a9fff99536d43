"""Save the public pages and every API answer of a database, to compare two checkouts.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 python bench/capture_responses.py OUT_DIR

Run it from each checkout's folder against the same database (filled by `load_councils` and
`seed_demo`), with the same GEOGRAPHY_DIR, then

    python bench/capture_responses.py --compare BEFORE AFTER

which lists the responses that differ other than in whitespace (`diff -r` shows how): a
refactoring that should change nothing lists none. Each response is saved as its status line
and body, one file per URL. The page cache is the process's own (REDIS_URL is emptied), so
nothing comes from the other checkout's run.
"""

import os
import re
import sys
from pathlib import Path
from urllib.parse import quote

ERROR_PAGES = ("400.html", "403.html", "404.html", "500.html")


def urls() -> list[str]:
    from councils.models import Council, CouncilType, ReportingYear
    from letters.models import Letter

    years = [year.label for year in ReportingYear.objects.public()]
    latest = years[-1]
    district = Council.objects.current().of_type(CouncilType.DISTRICT).order_by("name").first()
    county = Council.objects.current().of_type(CouncilType.COUNTY).order_by("name").first()
    former = Council.objects.former().order_by("name").first()
    pages = [
        "/",
        f"/?year={years[2]}&statistic=compliance_rate&sort=figure&order=desc",
        "/?view=table&type=london",
        *(f"/councils/{c.slug}/" for c in (district, county, former)),
        f"/councils/{district.slug}/{years[2]}/",
        f"/compare/district/{latest}/",
        f"/compare/county/{years[-2]}/?sort=base&order=desc&statistic=upheld_per_100k",
        *(f"/years/{label}/" for label in years),
        "/methodology/",
        "/data/",
        "/letters/",
        f"/letters/{district.slug}/",
        f"/letters/{district.slug}/{latest}/",
        "/search/?q=ash",
        "/sitemap.xml",
        *(f"/sitemap-{section}.xml" for section in ("pages", "years", "councils", "letters")),
    ]
    api = [
        "/api/",
        "/api/schema/",
        "/api/years/",
        *(f"/api/years/{label}/" for label in years),
        "/api/councils/?page_size=200",
        "/api/councils/?page_size=200&page=2",
        "/api/councils/?type=district&q=ash&page_size=2&page=2",
        *(f"/api/councils/{slug}/" for slug in Council.objects.values_list("slug", flat=True)),
        # errors
        "/api/councils/?page=0",
        "/api/councils/?page_size=201",
        "/api/councils/?page=two",
        "/api/councils/?page=99",
        "/api/councils/?type=parish",
        "/api/councils/nowhere/",
        "/api/years/latest/",
        "/api/years/2099-00/",
        "/api/nothing/here/",
    ]
    letters = [
        f"/letters/{slug}/{label}/"
        for slug, label in Letter.objects.values_list("council__slug", "template__year__label")
    ]
    files = [
        f"/data/{label}/{name}.{fmt}"
        for label in years
        for name in ("statistics", "categories", "revisions")
        for fmt in ("csv", "json")
    ]
    return pages + api + letters + files


def capture(out: Path) -> None:
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombudsman.settings")
    sys.path.insert(0, os.getcwd())  # the checkout whose responses these are
    import django

    django.setup()
    from django.template.loader import render_to_string
    from django.test import Client

    out.mkdir(parents=True, exist_ok=True)
    client = Client(HTTP_HOST="localhost")
    wanted = urls()
    for url in wanted:
        response = client.get(url)
        body = b"".join(response) if response.streaming else response.content
        name = quote(url, safe="") or "root"
        headers = f"{response.status_code} {response.get('Content-Type', '')}\n".encode()
        (out / name).write_bytes(headers + body)
    # The error pages, as the handlers render them with DEBUG off.
    for template in ERROR_PAGES:
        (out / template).write_text(render_to_string(template))
    print(f"{len(wanted)} responses and {len(ERROR_PAGES)} error pages written to {out}")


def compare(before: Path, after: Path) -> int:
    """Print the responses whose text differs other than in whitespace; 1 if any does."""

    def text(path: Path) -> bytes | None:
        return re.sub(rb"\s+", b"", path.read_bytes()) if path.exists() else None

    names = sorted({p.name for p in before.iterdir()} | {p.name for p in after.iterdir()})
    differ = [name for name in names if text(before / name) != text(after / name)]
    print(f"{len(names)} responses, {len(differ)} differ other than in whitespace")
    for name in differ:
        print(f"  {name}")
    return 1 if differ else 0


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        raise SystemExit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
    capture(Path(sys.argv[1]))
