"""Import cells for plain values (text, references, codes, choices, yes/no, counts) and for the
councils and decisions a row refers to, on the base widget of `imports.cells`."""

import re

from django.db.models import F, TextChoices

from councils.imports.cells import CellWidget, fold
from councils.models import (
    Council,
    CouncilType,
    Decision,
)
from councils.opendata.spreadsheets import restore_formula


def normalise_reference(text: str) -> str:
    """`23  001 234` -> `23 001 234`."""
    normal = " ".join(text.split())
    return text if normal == text else normal  # the file's own string: one copy, not two


class TextCell(CellWidget):
    blank = ""

    def __init__(self, *, max_length: int | None = None, required: bool = False):
        super().__init__(required=required)
        self.max_length = max_length

    def parse(self, text: str) -> str:
        text = restore_formula(text)
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"Too long: {len(text)} characters, the most is {self.max_length}.")
        return text


class ReferenceCell(TextCell):
    def parse(self, text: str) -> str:
        return super().parse(normalise_reference(text))


class CodeCell(CellWidget):
    _FORMAT = re.compile(r"E(0[6-9]|10)\d{6}")

    def parse(self, text: str) -> str:
        code = text.upper()
        if not self._FORMAT.fullmatch(code):
            raise ValueError("Not an English council code like E07000170.")
        return code


class ChoiceCell(CellWidget):
    blank = ""

    def __init__(self, choices: type[TextChoices], *, noun: str, required: bool = False):
        super().__init__(required=required)
        self.noun = noun
        self.values = list(choices.values)
        self.exact = {str(label): value for value, label in choices.choices}
        self.exact.update({value: value for value in self.values})
        self.lookup = {fold(text): value for text, value in self.exact.items()}

    def parse(self, text: str) -> str:
        value = self.exact.get(text) or self.lookup.get(fold(text))
        if value is None:
            raise ValueError(f"Not a known {self.noun}. Use one of: {'; '.join(self.values)}.")
        return value


class YesNoCell(CellWidget):
    blank = False
    _YES = frozenset({"yes", "y", "true", "1"})
    _NO = frozenset({"no", "n", "false", "0"})

    def parse(self, text: str) -> bool:
        word = text.lower()
        if word in self._YES:
            return True
        if word in self._NO:
            return False
        raise ValueError("Not yes or no. Use yes, no, y, n, true, false, 1 or 0 (blank means no).")

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class CountCell(CellWidget):
    _WHOLE = re.compile(r"-?\d{1,12}")

    def parse(self, text: str) -> int:
        digits = text.replace(",", "")
        if not self._WHOLE.fullmatch(digits):
            raise ValueError("Not a whole number.")
        number = int(digits)
        if number <= 0:
            raise ValueError("Must be more than 0.")
        if number > 2_147_483_647:
            raise ValueError("Too large.")
        return number

    def render(self, value, obj=None, **kwargs):
        if kwargs.get("force_native_type"):  # a number cell in XLSX
            return value
        return super().render(value)


class CouncilCell(CellWidget):
    """A council by its current or any previous code, from a map filled once per import."""

    def __init__(self, *, required: bool = False, county: bool = False):
        super().__init__(required=required)
        self.county = county
        self.by_code: dict[str, Council] = {}

    def parse(self, text: str) -> Council:
        council = self.by_code.get(text.upper())
        if council is None:
            raise ValueError("No council has this code, now or previously.")
        if self.county and council.type_id != CouncilType.COUNTY:
            raise ValueError(f"{council} is not a county council.")
        return council

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class DecisionCell(CellWidget):
    """A decision by reference, from a map filled for each chunk of rows."""

    remembered = False  # the map changes with each chunk

    def __init__(self, *, required: bool = False):
        super().__init__(required=required)
        self.by_reference: dict[str, Decision] = {}

    def parse(self, text: str) -> Decision:
        decision = self.by_reference.get(normalise_reference(text))
        if decision is None:
            raise ValueError("No decision has this reference: import the decisions file first.")
        return decision

    def render(self, value, obj=None, **kwargs):
        return value.reference if value else ""


def councils_by_code() -> dict[str, Council]:
    """Every current and previous code -> its council, in one query."""
    by_code: dict[str, Council] = {}
    for council in Council.objects.annotate(previous_code=F("previous_codes__code")):
        council = by_code.setdefault(council.code, council)
        if council.previous_code:
            by_code[council.previous_code] = council
    return by_code
