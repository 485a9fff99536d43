"""The README's layout table names every module of the code's packages, and only modules that
exist: the table is how the next engineer finds their way, so it must not drift from the tree."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Django's own conventions: every app has them, and their names say what they hold.
CONVENTIONAL = {"__init__.py", "apps.py", "models.py", "views.py", "urls.py", "admin.py"}
ROW = re.compile(r"^\| `(?P<package>[a-z_/]+/)`(?: \(top\))? \| (?P<text>.*) \|$", re.MULTILINE)


def layout_rows() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text()
    return {match["package"]: match["text"] for match in ROW.finditer(readme)}


CODE = ("councils/", "letters/", "ombudsman/")
# Folders whose modules Django finds by name, one per command or tag library.
BY_NAME = ("management/", "migrations/", "templatetags/")
PACKAGES = [package for package in layout_rows() if package.startswith(CODE)]


def test_the_table_covers_the_code_packages():
    packages = {
        path.parent.relative_to(ROOT).as_posix() + "/" for path in ROOT.glob("*/*/__init__.py")
    }
    code = {package for package in packages if package.startswith(CODE)}
    assert {package for package in code if not package.endswith(BY_NAME)} | set(CODE) <= set(
        PACKAGES
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_each_module_is_named_in_its_row(package):
    named = set(re.findall(r"`([a-z_.]+\.py)`", layout_rows()[package]))
    modules = {path.name for path in (ROOT / package).glob("*.py")}
    assert named <= modules, f"the README names modules {package} does not have"
    assert modules - CONVENTIONAL <= named, f"the README's {package} row misses modules"
