"""Replace the derived council areas with official boundaries (an ONS GeoJSON file)."""

import json
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import shapely
from django.core.management.base import BaseCommand, CommandError, CommandParser

from councils.geography import boundaries, geojson
from councils.geography.postcodes import ENGLISH_LOWER_TIER_PREFIXES
from councils.models import Council

# ONS code columns are named like LAD24CD, CTYUA23CD: one is picked when none is given.
CODE_PROPERTY_RE = re.compile(r"^[A-Z]+\d{2}CD$", re.IGNORECASE)
GSS_CODE_RE = re.compile(r"^[EWSN]\d{8}$")
DEFAULT_SIMPLIFY_METRES = 250.0  # ONS "generalised" files are finer than a screen map needs


class Command(BaseCommand):
    help = (
        "Replace the map's council areas with official boundaries: a GeoJSON FeatureCollection "
        "of lower-tier councils (e.g. ONS Local Authority Districts) in longitude/latitude. "
        "Features outside England are skipped; unknown English codes are refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the GeoJSON file")
        parser.add_argument(
            "--code-property",
            help="the property holding each feature's GSS code (default: the feature's id or "
            "the one property named like LAD24CD)",
        )
        parser.add_argument(
            "--simplify",
            type=float,
            default=DEFAULT_SIMPLIFY_METRES,
            help="simplification tolerance in metres, 0 for none (default %(default)s)",
        )

    def handle(self, *args, file: Path, code_property: str | None, simplify: float, **options):
        started = time.perf_counter()
        data = _read(file)
        by_code: dict[str, list[shapely.Geometry]] = {}
        skipped = 0
        for number, feature in enumerate(data["features"], start=1):
            code = _code(feature, code_property, number)
            if not code.startswith("E"):
                skipped += 1  # Wales, Scotland, Northern Ireland: not on this map
                continue
            by_code.setdefault(code, []).append(_geometry(feature, number))

        areas = self._known_areas(by_code)
        self.stdout.write(
            f"Read {len(areas)} English council areas from {file} "
            f"({skipped} features outside England skipped)."
        )
        if not _declares_os_grid(data):
            _check_lon_lat(areas.values())
            areas = {code: geojson.lon_lat_to_os_grid(area) for code, area in areas.items()}
        areas = {code: _polygonal(area) for code, area in areas.items()}
        areas = {
            code: _polygonal(area) for code, area in boundaries.simplify(areas, simplify).items()
        }

        missing = sorted(boundaries.register_lower_tier_codes() - set(areas))
        if missing:
            message = (
                f"No boundary for {len(missing)} councils, not on the map: {', '.join(missing)}"
            )
            self.stderr.write(self.style.WARNING(message))
        for written in boundaries.write_geography(areas, boundaries.county_lookup()):
            self.stdout.write(f"  {written.path}: {written.contents}, {written.size:,} bytes")
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} s.")

    def _known_areas(
        self, by_code: dict[str, list[shapely.Geometry]]
    ) -> dict[str, shapely.Geometry]:
        """Areas by current council code; a council's previous code is accepted for it."""
        current = {}
        for council in Council.objects.current().prefetch_related("previous_codes"):
            if council.code.startswith(ENGLISH_LOWER_TIER_PREFIXES):
                current[council.code] = council.code
                current.update(
                    (previous.code, council.code) for previous in council.previous_codes.all()
                )
        unknown = sorted(code for code in by_code if code not in current)
        if unknown:
            raise CommandError(
                f"{len(unknown)} codes are not current lower-tier councils in the register: "
                f"{', '.join(unknown)}. Use a boundary file of the current councils (run "
                "`python manage.py load_councils` if the register is empty)."
            )
        areas: dict[str, list[shapely.Geometry]] = {}
        for code, geometries in by_code.items():
            areas.setdefault(current[code], []).extend(geometries)
        return {code: shapely.union_all(parts) for code, parts in sorted(areas.items())}


def _read(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_bytes())
    except OSError as error:
        raise CommandError(f"Cannot read {file}: {error.strerror}") from None
    except ValueError as error:
        raise CommandError(f"{file} is not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CommandError(f"{file} is not a GeoJSON FeatureCollection")
    if not isinstance(data.get("features"), list) or not data["features"]:
        raise CommandError(f"{file} has no features")
    return data


def _declares_os_grid(data: dict[str, Any]) -> bool:
    """Older ONS downloads are in OS grid metres and say so in a `crs` member."""
    crs = data.get("crs") or {}
    return "27700" in str((crs.get("properties") or {}).get("name", ""))


def _check_lon_lat(geometries: Iterable[shapely.Geometry]) -> None:
    min_x, min_y, max_x, max_y = shapely.total_bounds(list(geometries))
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise CommandError(
            "The coordinates are not longitude/latitude: give a file in EPSG:4326, or one that "
            "declares EPSG:27700 in its `crs` member."
        )


def _code(feature: dict[str, Any], code_property: str | None, number: int) -> str:
    properties = feature.get("properties") or {}
    if code_property:
        value = properties.get(code_property)
    elif GSS_CODE_RE.match(str(feature.get("id", ""))):
        value = feature["id"]
    else:
        names = [name for name in properties if CODE_PROPERTY_RE.match(name)]
        if len(names) != 1:
            raise CommandError(
                f"Feature {number}: cannot tell which property holds the council code "
                f"(candidates: {', '.join(names) or 'none'}); use --code-property."
            )
        value = properties[names[0]]
    code = str(value or "").strip().upper()
    if not GSS_CODE_RE.match(code):
        raise CommandError(f"Feature {number}: {value!r} is not a GSS code")
    return code


def _geometry(feature: dict[str, Any], number: int) -> shapely.Geometry:
    try:
        geometry = shapely.from_geojson(json.dumps(feature.get("geometry")))
    except shapely.errors.GEOSException as error:
        raise CommandError(f"Feature {number}: invalid geometry ({error})") from None
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise CommandError(f"Feature {number}: the geometry must be a Polygon or MultiPolygon")
    return geometry


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """A valid (Multi)Polygon: repair, then drop any lines or points the repair produced."""
    # Repair may give a collection of (multi)polygons and lines: two levels of parts.
    parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(geometry)))
    parts = [part for part in parts if isinstance(part, shapely.Polygon)]
    return shapely.union_all(parts) if len(parts) != 1 else parts[0]
