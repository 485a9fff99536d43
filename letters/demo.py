"""Demo letter templates and letters for the demo years, so the letters pages have something to
show. Every template made here is marked `demo` and `clear_demo_letters()` removes exactly those
(their letters and sendings go with them). A year that already has a real template is left alone.
"""

import datetime
from collections.abc import Iterable

from councils.models import Council, ReportingYear
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

Every year I write to each council in England with a summary of the complaints we dealt with \
about it. This letter covers {council_name} for the period {period}. I hope you and your \
colleagues find it a useful account of how residents' complaints were handled, and of where \
things could be done better.

## Complaint statistics

In {year} we made {decided} decisions about your council and completed {investigations} \
detailed investigations. We report three figures for every council:

**Complaints upheld** means the share of our detailed investigations in which we found fault, \
including fault the council had already accepted. We upheld {uphold_rate} of the complaints \
we investigated about you; the average for similar authorities was {uphold_average}.

**Compliance with recommendations** means the share of cases in which we were satisfied that \
the council did what we recommended to put things right. Your council's rate was \
{compliance_rate}, against {compliance_average} for similar authorities. Anything below 100% \
deserves a look at the cases behind it.

**Satisfactory remedy provided by the council** means the share of upheld complaints where the \
council had already offered a suitable remedy before the complaint reached us. Your rate was \
{remedy_rate}; similar authorities averaged {remedy_average}.

We compare each council with others of the same kind: county, district, metropolitan, unitary \
and London borough councils. The appendix sets out the three figures with the number of cases \
behind each one. Where there are few cases a percentage can move a long way from one year to \
the next, so please read each figure together with its base.

## Your council's figures online

From {publication_date} these figures and this letter will be on \
[your council's page]({council_url}), alongside earlier years, public reports and the service \
improvements your council agreed to make. [How we count]({methodology_url}) explains each \
figure and how the averages are worked out.

## Sharing what you learn

I would encourage you to share this letter with your elected members, particularly those \
responsible for scrutiny and for complaint handling. The figures can help them:

- see where a service may be going wrong before problems grow;
- check that the council acts on our recommendations on time;
- credit teams that put things right without waiting for us."""

# Invented chief executives for the demo letters (no real council officer is named): a courtesy
# title, a first name and a surname, chosen from the council's code so a re-run gives the same.
DEMO_COURTESY = ("Ms", "Mr", "Dr", "Mrs", "Mx")
DEMO_FIRST_NAMES = ("Alex", "Sam", "Robin", "Jordan", "Morgan", "Casey", "Jamie", "Taylor")
DEMO_SURNAMES = (
    "Ashworth", "Brindley", "Calloway", "Denholm", "Everley", "Fairbank", "Garside",
    "Holloway", "Ingleby", "Kettering", "Lindqvist", "Marchbank", "Northcott", "Oakes",
)  # fmt: skip
DEMO_ADDRESSEE_TITLE = "Chief Executive (demonstration name)"


def demo_addressee(code: str) -> tuple[str, str]:
    """An invented (name, job title) for a council's demo letter, marked as a demonstration."""
    n = int(code[3:]) if code[3:].isdigit() else sum(map(ord, code))
    name = " ".join(
        (
            DEMO_COURTESY[n % len(DEMO_COURTESY)],
            DEMO_FIRST_NAMES[n // 5 % len(DEMO_FIRST_NAMES)],
            DEMO_SURNAMES[n // 3 % len(DEMO_SURNAMES)],
        )
    )
    return name, DEMO_ADDRESSEE_TITLE


def _demo_or_register(council: Council) -> tuple[str, str]:
    # A council whose chief executive staff entered keeps them; the others get an invented one.
    if council.chief_executive:
        return council.chief_executive, council.chief_executive_title
    return demo_addressee(council.code)


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
            created += generate_letters(
                template, progress=progress, addressee=_demo_or_register
            ).created
    return created


def clear_demo_letters() -> int:
    """Delete the demo templates with their letters; returns how many letters went."""
    _, deleted = LetterTemplate.objects.filter(demo=True).delete()
    return deleted.get("letters.Letter", 0)


def seed_latest_demo_letters(
    sender, years: list[ReportingYear], progress=None, count: Progress | None = None, **kwargs
) -> None:
    """On `demo_data_seeded`: letters for the latest demo year only (a year takes a minute).

    `progress` takes a line of text, as the seed_demo command's output does; `count` the
    letters done and their total.
    """
    if not years:
        return
    latest = max(years, key=lambda year: year.start)
    for year in years:  # every year gets its template; staff can generate the rest in the admin
        demo_template(year)
    report = progress or (lambda line: None)
    report(f"Generating demo letters for {latest.label} (about a minute)")
    seed_demo_letters([latest], count)


def clear_demo_letters_first(sender, **kwargs) -> None:
    """On `demo_data_clearing`: demo letters go before the demo years they belong to."""
    clear_demo_letters()
