"""Letters pages: every lookup goes through `letters.access.visible_letters`."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from councils.models import Council
from letters.access import officer_of, visible_letters
from letters.models import Letter
from letters.rendering import current_pdf, letter_content
from letters.revisions import with_latest_revision
from letters.sending import pdf_filename


def _letter(request: HttpRequest, slug: str, year: str) -> Letter:
    """The letter if this user may see it; otherwise the same 404 as one that does not exist."""
    return get_object_or_404(
        with_latest_revision(visible_letters(request.user)).select_related(
            "council", "template__year"
        ),
        council__slug=slug,
        template__year__label=year,
    )


def _private_if_embargoed(response: HttpResponse, embargoed: bool) -> HttpResponse:
    # Never let a shared cache keep a letter the public may not see yet.
    if embargoed:
        patch_cache_control(response, private=True, no_store=True)
    return response


def letter_list(request: HttpRequest) -> HttpResponse:
    """The letters this user may see, one year at a time (the latest by default)."""
    visible = visible_letters(request.user)
    years = list(
        visible.order_by("-template__year__label")
        .values_list("template__year__label", flat=True)
        .distinct()
    )
    year = request.GET.get("year")
    if year not in years:
        year = years[0] if years else None
    letters = list(
        visible.filter(template__year__label=year)
        .select_related("council", "template__year")
        .defer("pdf", "snapshot")
        .order_by("council__name")
    )
    response = render(
        request,
        "letters/letter_list.html",
        {"letters": letters, "years": years, "year": year, "officer": officer_of(request.user)},
    )
    return _private_if_embargoed(response, any(not letter.is_public for letter in letters))


def council_letters(request: HttpRequest, slug: str) -> HttpResponse:
    """Every letter to one council this user may see, newest year first."""
    council = get_object_or_404(Council, slug=slug)
    letters = list(
        visible_letters(request.user)
        .filter(council=council)
        .select_related("template__year")
        .defer("pdf", "snapshot")
        .order_by("-template__year__start")
    )
    response = render(
        request,
        "letters/council_letters.html",
        {"council": council, "letters": letters, "officer": officer_of(request.user)},
    )
    return _private_if_embargoed(response, any(not letter.is_public for letter in letters))


def letter_page(request: HttpRequest, slug: str, year: str) -> HttpResponse:
    letter = _letter(request, slug, year)
    # A first version has no earlier ones: no query for them.
    versions = (
        letter.versions.defer("pdf", "snapshot").select_related(
            "letter__council", "letter__template__year"
        )
        if letter.version > 1
        else []
    )
    response = render(
        request,
        "letters/letter.html",
        {"letter": letter, "content": letter_content(letter), "versions": list(versions)},
    )
    return _private_if_embargoed(response, not letter.is_public)


def letter_pdf(request: HttpRequest, slug: str, year: str) -> HttpResponse:
    letter = _letter(request, slug, year)
    response = HttpResponse(current_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(letter)}"'
    return _private_if_embargoed(response, not letter.is_public)


def version_pdf(request: HttpRequest, slug: str, year: str, number: str) -> HttpResponse:
    """An earlier version of a letter: for whoever may see the letter itself."""
    letter = _letter(request, slug, year)
    version = get_object_or_404(letter.versions, number=int(number))
    response = HttpResponse(current_pdf(letter, version), content_type="application/pdf")
    filename = pdf_filename(letter).replace(".pdf", f"-version-{version.number}.pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _private_if_embargoed(response, not letter.is_public)
