"""Spreadsheet safety for every file the site hands out (admin exports, open-data downloads).

Excel, LibreOffice and Google Sheets run a cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula ("CSV injection"). A leading single quote makes it plain text.
"""

from typing import TypeVar

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

Cell = TypeVar("Cell")


def neutralise_formula(value: Cell) -> Cell | str:
    """`'=SUM(A1)` for `=SUM(A1)`; any other value (numbers, dates, safe text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def restore_formula(value: str) -> str:
    """Undo `neutralise_formula` on import, so an exported file re-imports unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value
