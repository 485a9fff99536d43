"""The placeholders a letter template's body may use, and their safe substitution.

The body is a small Markdown subset (letters.markup): headings, bold, lists and links.

Staff write `{council_name}` and the like; anything in braces that is not one of these is an
error shown in the admin form, never a crash when letters are generated. Substitution is a plain
look-up (no attribute access or format specs), so a template cannot reach into Python objects.
"""

import re

from django.core.exceptions import ValidationError

from councils.statistics import NO_FIGURE  # what a rate placeholder gives when its base is zero

PLACEHOLDERS: dict[str, str] = {
    "council_name": "the council's name, e.g. Ashfield District Council",
    "addressee": "the addressee's name, or Chief Executive when there is none",
    "year": "the reporting year, e.g. 2023-24",
    "period": "1 April 2023 to 31 March 2024",
    "received": "complaints received in the year",
    "decided": "decisions made in the year",
    "investigations": "detailed investigations (the base of the uphold rate)",
    "upheld": "complaints upheld",
    "uphold_rate": "e.g. 81%",
    "uphold_average": "the uphold rate of similar authorities, e.g. 85%",
    "compliance_rate": "e.g. 100%",
    "compliance_average": "the compliance rate of similar authorities",
    "remedy_rate": "the satisfactory remedy rate, e.g. 13%",
    "remedy_average": "the satisfactory remedy rate of similar authorities",
    "publication_date": "the day the letter and figures become public, e.g. 24 July 2024",
    "council_url": "the address of the council's page on this site, for a link",
    "methodology_url": "the address of the page saying how the figures are counted",
    "figures_table": "on a line of its own: the table of the three key statistics, their "
    "bases and the similar-authority averages",
}
# Placeholders that must stand alone on their line: they become a block, not words.
BLOCK_PLACEHOLDERS = ("figures_table",)

# A brace pair with anything (or nothing) inside, and single braces left over.
_BRACED = re.compile(r"\{([^{}]*)\}")


def placeholder_help() -> str:
    listed = "; ".join(f"{{{name}}}: {meaning}" for name, meaning in PLACEHOLDERS.items())
    return (
        "Markdown: a blank line starts a new paragraph; ## Heading; **bold**; lines starting "
        "“- ” make a list; [words](address) is a link. Nothing else (no HTML, no images). "
        f"Placeholders: {listed}. A rate with no cases gives “{NO_FIGURE}”."
    )


def validate_placeholders(text: str) -> None:
    """Reject unknown placeholders and stray braces, naming each one."""
    unknown = sorted({name for name in _BRACED.findall(text) if name not in PLACEHOLDERS})
    errors = [
        ValidationError(
            "Unknown placeholder {%(name)s}.", code="unknown_placeholder", params={"name": name}
        )
        for name in unknown
    ]
    if "{" in _BRACED.sub("", text) or "}" in _BRACED.sub("", text):
        errors.append(
            ValidationError(
                "Braces are only for placeholders such as {council_name}: "
                "check for a missing { or }.",
                code="stray_brace",
            )
        )
    lines = {line.strip() for line in text.splitlines()}
    errors.extend(
        ValidationError(
            "{%(name)s} must be on a line of its own.", code="block_inline", params={"name": name}
        )
        for name in BLOCK_PLACEHOLDERS
        if f"{{{name}}}" in text and f"{{{name}}}" not in lines
    )
    if errors:
        raise ValidationError(errors)


def substitute(text: str, values: dict[str, str]) -> str:
    """Fill in known placeholders; anything else is left as written (validation stops it)."""
    return _BRACED.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, with line breaks inside a paragraph kept as spaces."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [" ".join(line.strip() for line in block.splitlines()) for block in blocks if block]
