"""Deterministic synthetic demo data, so the site has something to show before real imports.

`seed_demo_data()` writes reporting years, populations, decisions and recommendations, every row
marked `demo=True`; `clear_demo_data()` removes exactly those rows and nothing else.

The same database and seed always give the same rows: each council draws its traits from its own
`random.Random` keyed on (seed, council code), and each council-year its complaints from one keyed
on (seed, council code, year), so no council's rows depend on another's draws.

The model is a simulation, not a table of targets: complaints are received through each year,
each takes an assessment or investigation time, and is counted where its dates fall. That gives
carry-over between years, complaints still open at the end of the last year, and compliance
outcomes recorded in the year after the decision, as in the real data.
"""

from councils.demo.parameters import DEFAULT_FIRST_YEAR, DEFAULT_LAST_YEAR, DEFAULT_SEED
from councils.demo.seeding import (
    SeedSummary,
    YearFigures,
    clear_demo_data,
    seed_demo_data,
    year_range,
)

__all__ = [
    "DEFAULT_FIRST_YEAR",
    "DEFAULT_LAST_YEAR",
    "DEFAULT_SEED",
    "SeedSummary",
    "YearFigures",
    "clear_demo_data",
    "seed_demo_data",
    "year_range",
]
