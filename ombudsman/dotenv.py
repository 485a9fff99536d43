"""The project's `.env`, read by `manage.py` the way `make` reads it.

`make` includes `.env` (NAME=value lines, `#` comments) and defaults DEBUG to 1 for development;
`manage.py` does the same, so `python manage.py createsuperuser` works in a new checkout just as
`make run` does. Unlike make, a variable already set in the environment wins over the file, so a
deployment's own settings are never replaced. Values are taken as written: no quotes, as make.
"""

import os
from pathlib import Path

DEVELOPMENT_DEFAULTS = {"DEBUG": "1"}  # as the Makefile's `export DEBUG ?= 1`


def read(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.removeprefix("export ").partition("=")
        if sep and name.strip():
            values[name.strip()] = value.strip()
    return values


def load(path: Path) -> None:
    """Set each variable of `path` (if it exists), then the development defaults, unless set."""
    values = read(path) if path.is_file() else {}
    for name, value in {**DEVELOPMENT_DEFAULTS, **values}.items():
        os.environ.setdefault(name, value)
