"""Finding a council from what a visitor types: a name (with near misses) or a postcode.

Pure helpers for `views.search`; the view decides what to render.
"""

import difflib
import re

from django.db.models import Q

from councils.geography.postcodes import postcode_area
from councils.models import Council

# Council-name words that do not tell councils apart.
_NOISE_WORDS = {
    "council",
    "borough",
    "district",
    "county",
    "city",
    "of",
    "the",
    "metropolitan",
    "royal",
    "london",
}
# People write the saints both ways; council names say "St".
_SPELLINGS = {"saint": "st", "st.": "st"}
SEARCH_MAX_WORDS = 8  # more than any council's name has; each word is a condition in the SQL
SUGGESTION_CUTOFF = 0.8  # difflib similarity: "ashfeld" and "ashfield" score 0.93


def looks_like_postcode(query: str) -> bool:
    compact = "".join(query.split())
    return bool(re.match(r"^[A-Za-z]{1,2}\d", compact)) and len(compact) <= 8


def _words(query: str) -> list[str]:
    words = [_SPELLINGS.get(w, w) for w in re.split(r"[\s,]+", query.lower()) if w]
    return [w for w in words if w not in _NOISE_WORDS] or words


def name_search(query: str):
    """Councils whose name contains every meaningful word of the query, current ones first."""
    councils = Council.objects.select_related("type")
    for word in _words(query)[:SEARCH_MAX_WORDS]:
        councils = councils.filter(Q(official_name__icontains=word) | Q(name__icontains=word))
    return councils.order_by("ceased_on", "name")[:30]


def suggestions(query: str, limit: int = 5) -> list[Council]:
    """Councils whose area name is close to the query ("Ashfeld" -> Ashfield), closest first."""
    wanted = " ".join(_words(query))
    by_name = {name.lower(): pk for pk, name in Council.objects.values_list("pk", "name")}
    close = difflib.get_close_matches(wanted, by_name, n=limit, cutoff=SUGGESTION_CUTOFF)
    councils = Council.objects.select_related("type").in_bulk([by_name[name] for name in close])
    return [councils[by_name[name]] for name in close]


# Where a postcode outside England is, from its council code's first letter in the ONS
# directory (M99999999 is the Isle of Man, L99999999 the Channel Islands).
_COUNTRY_BY_CODE_LETTER = {
    "W": "Wales",
    "S": "Scotland",
    "N": "Northern Ireland",
    "M": "the Isle of Man",
    "L": "the Channel Islands",
}
# Fallback for postcodes the directory lacks (new or retired): postcode areas wholly outside
# England. Areas that straddle a border (SY, CH, TD, LD's edges, HR, NP's edges) are left out:
# only the directory can place those.
_COUNTRY_BY_AREA = {
    **dict.fromkeys(("CF", "LL", "SA", "NP", "LD"), "Wales"),
    **dict.fromkeys(
        ("AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "ZE"),
        "Scotland",
    ),
    "BT": "Northern Ireland",
    "IM": "the Isle of Man",
    **dict.fromkeys(("GY", "JE"), "the Channel Islands"),
}
_OMBUDSMAN = {
    "Wales": "the Public Services Ombudsman for Wales",
    "Scotland": "the Scottish Public Services Ombudsman",
    "Northern Ireland": "the Northern Ireland Public Services Ombudsman",
}


def country_outside_england(postcode: str, council_code: str | None) -> str | None:
    """Where a postcode is when that is not England (None: England, or we cannot tell)."""
    if council_code:
        return _COUNTRY_BY_CODE_LETTER.get(council_code[0])
    return _COUNTRY_BY_AREA.get(postcode_area(postcode))


def outside_england(postcode: str, council_code: str | None) -> str:
    """SPEC "Outside England": where the postcode is and which ombudsman covers its councils
    ("" for a postcode in England or one we cannot place)."""
    country = country_outside_england(postcode, council_code)
    if country is None:
        return ""
    ombudsman = _OMBUDSMAN.get(country)
    if ombudsman is None:
        return (
            f"{postcode} is in {country}, outside England. We cover councils in England only, "
            f"and {country} is not covered by the UK's public services ombudsmen."
        )
    return (
        f"{postcode} is in {country}, outside England. We cover councils in England only: "
        f"complaints about councils in {country} go to {ombudsman}."
    )
