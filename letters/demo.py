"""Demo letter templates and letters for the demo years, so the letters pages have something to
show. Every template made here is marked `demo` and `clear_demo_letters()` removes exactly those
(their letters and sendings go with them). A year that already has a real template is left alone.
"""

import datetime
from collections.abc import Iterable

from councils.models import ReportingYear
from letters.generation import Progress, generate_letters
from letters.models import LetterTemplate

SENT_BEFORE_PUBLICATION = datetime.timedelta(days=7)

DEMO_SIGNATORY = "Alex Example"
DEMO_TITLES = (
    "Local Government and Social Care Ombudsman (demonstration)\n"
    "Chair, Commission for Local Administration in England (demonstration)"
)

DEMO_BODY = """\
This is a demonstration letter. Its figures come from synthetic data made up for testing the \
site; it is not a letter from the Ombudsman and says nothing true about {council_name}.

Each year I write to every council in England with a summary of the complaints we dealt with \
about it. This letter covers {council_name} for the period {period}. I hope you and your \
colleagues find it useful in understanding how residents' complaints are handled, and where \
things could be done better.

In {year} we made {decided} decisions about your council and completed {investigations} \
detailed investigations. We upheld {uphold_rate} of the complaints we investigated; the \
average for similar authorities was {uphold_average}.

How often we uphold complaints tells only part of the story. We also look at whether councils \
put things right: in {compliance_rate} of cases we were satisfied that your council had done \
what we recommended, and in {remedy_rate} of upheld cases it had already offered a suitable \
remedy before the complaint reached us.

The appendix sets out these figures with the number of cases behind each one and the averages \
for similar authorities. Where there are few cases a percentage can move a long way from one \
year to the next, so please read each figure together with its base.

We will publish this letter on our website. I would encourage you to share it with your \
elected members, particularly those responsible for scrutiny and for complaint handling, so \
that they can hold the council to account."""


def _publication_date(year: ReportingYear) -> datetime.date:
    # Years without a publication date get the usual late-July one after the year ends.
    return year.published_on or datetime.date(year.end.year, 7, 24)


def demo_template(year: ReportingYear) -> LetterTemplate:
    """The year's letter template: a demo one in our own words unless staff already wrote one."""
    publication = _publication_date(year)
    template, _ = LetterTemplate.objects.get_or_create(
        year=year,
        defaults={
            "letter_date": publication - SENT_BEFORE_PUBLICATION,
            "publication_date": publication,
            "signatory_name": DEMO_SIGNATORY,
            "signatory_titles": DEMO_TITLES,
            "body": DEMO_BODY,
            "demo": True,
        },
    )
    return template


def seed_demo_letters(years: Iterable[ReportingYear], progress: Progress | None = None) -> int:
    """A demo template and every council's letter for each year; returns letters created.

    Each letter renders a PDF (about a third of a second each), so a whole year of councils
    takes a minute or two.
    """
    created = 0
    for year in years:
        template = demo_template(year)
        if template.demo:
            created += generate_letters(template, progress=progress).created
    return created


def clear_demo_letters() -> int:
    """Delete the demo templates with their letters; returns how many letters went."""
    _, deleted = LetterTemplate.objects.filter(demo=True).delete()
    return deleted.get("letters.Letter", 0)


def seed_latest_demo_letters(sender, years: list[ReportingYear], progress=None, **kwargs) -> None:
    """On `demo_data_seeded`: letters for the latest demo year only (a year takes a minute).

    `progress` takes a line of text, as the seed_demo command's output does.
    """
    if not years:
        return
    latest = max(years, key=lambda year: year.start)
    for year in years:  # every year gets its template; staff can generate the rest in the admin
        demo_template(year)
    report = progress or (lambda line: None)
    report(f"Generating demo letters for {latest.label} (about a minute)")

    def every_fifty(done: int, total: int) -> None:
        if done % 50 == 0 or done == total:
            report(f"  {done:,} of {total:,} letters")

    seed_demo_letters([latest], every_fifty)


def clear_demo_letters_first(sender, **kwargs) -> None:
    """On `demo_data_clearing`: demo letters go before the demo years they belong to."""
    clear_demo_letters()
