"""The smaller public pages: search, the methodology and robots.txt.

The others have their own modules: `map_views` (home), `council_views`, `compare_views`
(compare and year pages); what they share (the year choice and its visibility rules, the
council table) is in `choices`.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from councils.geography import lookup
from councils.geography.postcodes import council_code_for_postcode, normalise_postcode
from councils.models import Council, CouncilType


def methodology(request: HttpRequest):
    return render(
        request, "councils/methodology.html", {"council_types": list(CouncilType.objects.all())}
    )


def search(request: HttpRequest):
    """By council name (tolerant of case, council words and near misses) or by postcode."""
    query = request.GET.get("q", "").strip()
    results, suggested, message, postcode, elsewhere = [], [], "", None, ""
    if query:
        postcode = normalise_postcode(query)
        if postcode:
            code = council_code_for_postcode(postcode)
            elsewhere = lookup.outside_england(postcode, code)
            results, message = ([], "") if elsewhere else _postcode_search(postcode, code)
        elif lookup.looks_like_postcode(query):
            message = f"“{query}” is not a full postcode. Enter a postcode like NG17 8DA."
        else:
            results = list(lookup.name_search(query))
            if len(results) == 1:  # what they asked for: no list to click through
                return redirect(results[0])
            suggested = [] if results else lookup.suggestions(query)
            if not results and not suggested:
                message = f"No council matches “{query}”."
    return render(
        request,
        "councils/search.html",
        {
            "query": query,
            "results": results,
            "suggestions": suggested,
            "message": message,
            "elsewhere": elsewhere,  # not an error: where to complain instead
            "postcode": postcode,
        },
    )


def _postcode_search(postcode: str, code: str | None) -> tuple[list[Council], str]:
    """The district and county (or single council) for an English postcode, else a message."""
    if code is None:
        return [], f"We could not find the postcode {postcode}. Check it and try again."
    district = Council.objects.with_code(code).select_related("type", "county__type").first()
    return [c for c in (district, district and district.county) if c], ""


def robots(request: HttpRequest):
    """Everything public may be indexed; staff and officer pages are not for search engines.

    Left out of the page layer on purpose: it is the trivial view `bench/pages.py` compares
    every page with."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
