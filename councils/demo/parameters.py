"""The demo simulation's parameters: volumes, shares, populations and the wording of summaries."""

import datetime

from councils.models import (
    Category,
    CouncilType,
    Outcome,
)

DEFAULT_FIRST_YEAR = "2018-19"
DEFAULT_LAST_YEAR = "2024-25"
DEFAULT_SEED = 2025
REFERENCE_PREFIX = "DEMO-"
BATCH_SIZE = 2000

# Decisions a year per 100,000 residents. With England's ~57 million residents this gives about
# 16,000 decisions; counties share their districts' residents, so both rates are lower.
DECISIONS_PER_100K: dict[str, float] = {
    CouncilType.COUNTY: 12,
    CouncilType.DISTRICT: 14,
    CouncilType.UNITARY: 26,
    CouncilType.METROPOLITAN: 26,
    CouncilType.LONDON: 31,
}

# Pseudo-populations (2018): low + (high - low) * u ** skew, skewed towards the low end so the
# type totals come near the real ones (districts ~19M, unitaries ~17M, metropolitan ~12M,
# London ~9M). Counties are the sum of their districts when the database has them.
POPULATION_RANGES: dict[str, tuple[int, int, float]] = {
    CouncilType.COUNTY: (500_000, 1_500_000, 1.5),
    CouncilType.DISTRICT: (60_000, 200_000, 1.5),
    CouncilType.UNITARY: (130_000, 600_000, 3.0),
    CouncilType.METROPOLITAN: (150_000, 1_100_000, 4.0),
    CouncilType.LONDON: (150_000, 400_000, 1.2),
}
POPULATION_BASE_YEAR = 2018
# The two councils far outside their type's range.
POPULATION_OVERRIDES = {"E09000001": 8_600, "E06000053": 2_200}  # City of London, Isles of Scilly

CATEGORY_WEIGHTS: dict[str, dict[str, int]] = {
    # Counties run social care, education and highways; hardly any housing or planning.
    CouncilType.COUNTY: {
        Category.ADULT_CARE: 28,
        Category.EDUCATION: 34,
        Category.HIGHWAYS: 18,
        Category.ENVIRONMENT: 6,
        Category.CORPORATE: 7,
        Category.BENEFITS_TAX: 2,
        Category.PLANNING: 2,
        Category.OTHER: 3,
    },
    # Districts: housing, planning, council tax and bins; no adult care or education.
    CouncilType.DISTRICT: {
        Category.HOUSING: 28,
        Category.PLANNING: 28,
        Category.BENEFITS_TAX: 14,
        Category.ENVIRONMENT: 15,
        Category.CORPORATE: 8,
        Category.HIGHWAYS: 4,
        Category.OTHER: 3,
    },
}
_ALL_SERVICES = {
    Category.ADULT_CARE: 15,
    Category.EDUCATION: 20,
    Category.HOUSING: 14,
    Category.PLANNING: 10,
    Category.BENEFITS_TAX: 10,
    Category.ENVIRONMENT: 10,
    Category.HIGHWAYS: 10,
    Category.CORPORATE: 7,
    Category.OTHER: 4,
}
CATEGORY_WEIGHTS[CouncilType.UNITARY] = _ALL_SERVICES
CATEGORY_WEIGHTS[CouncilType.METROPOLITAN] = _ALL_SERVICES
CATEGORY_WEIGHTS[CouncilType.LONDON] = {**_ALL_SERVICES, Category.HOUSING: 24, Category.PLANNING: 8}

INVESTIGATED_SHARE = 0.24  # ~4,000 detailed investigations of ~16,000 decisions
OTHER_OUTCOME_WEIGHTS = {
    Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: 50,
    Outcome.REFERRED_BACK: 35,
    Outcome.ADVICE_GIVEN: 7,
    Outcome.INCOMPLETE_INVALID: 8,
}
REMEDIED_BY_COUNCIL_SHARE = 0.12  # of upheld decisions
PUBLIC_REPORTS_PER_INVESTIGATION = 0.005  # ~20 a year nationally
RECOMMENDATIONS_SHARE = 0.95  # of upheld decisions the council had not already remedied
SERVICE_IMPROVEMENT_SHARE = 0.35

# The Ombudsman paused casework in the first Covid lockdown: no complaints received or decided.
PAUSE_START = datetime.date(2020, 3, 26)
PAUSE_END = datetime.date(2020, 6, 29)  # first day back


def uphold_rate(start_year: int) -> float:
    """National uphold rate of decisions made in a year: ~55% in 2018-19, ~80% in 2024-25."""
    return min(0.82, max(0.5, 0.55 + (start_year - 2018) * 0.25 / 6))


ISSUES: dict[str, tuple[str, ...]] = {
    Category.ADULT_CARE: (
        "delayed assessing their mother's care needs",
        "charged for care without explaining the costs",
        "failed to arrange suitable home care",
    ),
    Category.BENEFITS_TAX: (
        "wrongly calculated their council tax reduction",
        "took enforcement action over council tax arrears",
        "delayed processing a housing benefit claim",
    ),
    Category.CORPORATE: (
        "failed to respond properly to their complaint",
        "mishandled a request for information",
        "did not reply to their correspondence",
    ),
    Category.EDUCATION: (
        "delayed issuing an education, health and care plan",
        "failed to provide suitable education while their son was out of school",
        "did not properly consider an application for school transport",
    ),
    Category.ENVIRONMENT: (
        "failed to deal with noise nuisance from a neighbour",
        "repeatedly missed their bin collections",
        "did not act on reports of fly-tipping",
    ),
    Category.HIGHWAYS: (
        "failed to repair a dangerous pothole",
        "wrongly issued a parking penalty charge",
        "did not deal properly with a dropped kerb application",
    ),
    Category.HOUSING: (
        "failed to help them when they were threatened with homelessness",
        "placed them in unsuitable temporary accommodation",
        "wrongly assessed their housing register application",
    ),
    Category.PLANNING: (
        "failed to consider the impact of a neighbour's extension",
        "did not take enforcement action against a breach of planning control",
        "delayed deciding their planning application",
    ),
    Category.OTHER: (
        "did not keep them informed about a matter they had raised",
        "dealt poorly with their request for help",
    ),
}
TOPICS: dict[str, str] = {
    Category.ADULT_CARE: "care needs assessments",
    Category.BENEFITS_TAX: "council tax reduction claims",
    Category.CORPORATE: "complaints",
    Category.EDUCATION: "education, health and care plans",
    Category.ENVIRONMENT: "reports of noise nuisance",
    Category.HIGHWAYS: "reports of highway defects",
    Category.HOUSING: "homelessness applications",
    Category.PLANNING: "planning enforcement cases",
    Category.OTHER: "record keeping",
}
FINDINGS: dict[str, tuple[str, ...]] = {
    Outcome.NOT_UPHELD: (
        "We found no fault in how the Council acted.",
        "We did not find fault in the way the Council made its decision.",
    ),
    Outcome.CLOSED_AFTER_INITIAL_ENQUIRIES: (
        "We will not investigate because it is unlikely we would find fault.",
        "We will not investigate because they could appeal to a tribunal.",
        "We will not investigate because the Council has already offered a suitable remedy.",
    ),
    Outcome.ADVICE_GIVEN: ("We gave advice about how to take the matter forward.",),
    Outcome.REFERRED_BACK: (
        "The Council had not had the chance to respond, so we referred the complaint back to it.",
    ),
    Outcome.INCOMPLETE_INVALID: (
        "The complaint was incomplete, so we could not consider it.",
        "The complaint was about a matter outside our jurisdiction.",
    ),
}
UPHELD_REMEDIED = (
    "We found fault, but the Council had already taken suitable action to put it right."
)
UPHELD_WITH_RECOMMENDATIONS = (
    "We found fault causing injustice. The Council agreed to put it right."
)
UPHELD_NO_INJUSTICE = "We found fault, but it did not cause a significant injustice."
PUBLIC_REPORT = "We issued a public report because of the injustice caused."

APOLOGY = "Apologise to {person} for the distress caused."
OTHER_REMEDIES = (
    "Pay {person} £{amount} to acknowledge the distress and uncertainty caused.",
    "Pay {person} £{amount} for the time and trouble of bringing the complaint.",
    "Refund {person} £{amount} of the charges they paid.",
    "Reconsider {person}'s case and write to them with its decision.",
    "Carry out a fresh assessment for {person} within four weeks.",
)
SERVICE_IMPROVEMENTS = (
    "Remind staff of the Council's duties when dealing with {topic}.",
    "Provide training to relevant staff on handling {topic}.",
    "Review its procedure for {topic} and tell us what it has changed.",
    "Review how it monitors {topic} so that they are dealt with on time.",
)
TITLES = ("Mr", "Mrs", "Ms", "Miss")
INITIALS = "ABCDEFGHJKLMNPRSTWY"
