"""Derive council areas from the ONS Postcode Directory and write the map's geography files."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from councils.geography import boundaries, postcodes
from councils.progress import CommandProgress


class Command(BaseCommand):
    help = (
        "Derive council areas from the ONS Postcode Directory (majority council per grid cell) "
        "and write lower_tier.geojson, counties.geojson and hexes.json to GEOGRAPHY_DIR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cell",
            type=float,
            default=boundaries.ENGLAND_GRID.cell,
            help="grid cell size in metres (default %(default)s)",
        )
        parser.add_argument(
            "--simplify",
            type=float,
            default=boundaries.DEFAULT_SIMPLIFY_METRES,
            help="simplification tolerance in metres, 0 for none (default %(default)s)",
        )

    def handle(self, *args, cell: float, simplify: float, **options) -> None:
        county_of = boundaries.county_lookup()
        if not county_of:
            raise CommandError(
                "The register has no districts in counties: "
                "run `python manage.py load_councils` first."
            )
        self.started = time.perf_counter()
        reading = CommandProgress(self.stdout, "postcode files")
        points = boundaries.label_points(postcodes.iter_postcode_points(reading))
        reading.finish()
        self._step(f"Read {len(points.labels):,} postcodes ({len(points.codes)} English councils)")

        grid = boundaries.ENGLAND_GRID.with_cell(cell)
        areas = boundaries.derive_areas(points, grid, tolerance=simplify)
        self._step(
            f"Derived {len(areas)} areas from {grid.width} x {grid.height} cells of {cell:g} m"
        )
        self._check_register(set(areas))

        for written in boundaries.write_geography(areas, county_of):
            self.stdout.write(f"        {written.path}: {written.contents}, {written.size:,} bytes")
        self._step("Wrote the geography files")

    def _step(self, message: str) -> None:
        self.stdout.write(f"{time.perf_counter() - self.started:5.1f} s  {message}")

    def _check_register(self, mapped: set[str]) -> None:
        registered = boundaries.register_lower_tier_codes()
        if missing := sorted(registered - mapped):
            self._warn(f"Councils with no postcodes, not on the map: {', '.join(missing)}")
        if unknown := sorted(mapped - registered):
            self._warn(f"Areas of councils not in the register: {', '.join(unknown)}")

    def _warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(message))
