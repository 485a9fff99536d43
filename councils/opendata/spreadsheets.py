"""Spreadsheet safety for every file the site hands out (admin exports, open-data downloads).

Excel, LibreOffice and Google Sheets run a cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula ("CSV injection"): a chief executive named
`=HYPERLINK("http://evil.example","Click")` would become a live link in every copy opened. As
OWASP advises (https://owasp.org/www-community/attacks/CSV_Injection), such text gets a leading
single quote: every spreadsheet then shows it as text, the whole value stays readable, and
imports take the quote off again (`restore_formula`), so an exported file re-imports unchanged.
The full-width forms of `=`, `+`, `-` and `@` are quoted too, as a precaution: Excel set up for
East Asian input turns them into the ASCII ones when a cell is typed or edited, and no real name
starts with one.
Only text is touched: numbers and dates stay numbers and dates.
"""

from typing import TypeVar

FULL_WIDTH = ("\uff1d", "\uff0b", "\uff0d", "\uff20")  # = + - @
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", *FULL_WIDTH)

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
