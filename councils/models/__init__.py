"""The register of councils and the facts about their complaints.

Data flows one way: import -> these models -> councils.statistics -> pages, letters, downloads.
Visibility rules (which years are public) live in one QuerySet method each, so no view can
forget them. One module per part: `years` (reporting years and their publication), `register`
(councils, previous codes, populations), `groups` (council types and service categories),
`decisions` (decisions, compliance, recommendations), `revisions` (changes to public years),
`history` (the import history and the data version), `tallies` (each council's decision
counts per year, kept by the database); background jobs are `councils.jobs`'.
"""

from councils.jobs.models import Job, JobQuerySet
from councils.models.decisions import (
    COMPLIED_OUTCOMES,
    INVESTIGATED_OUTCOMES,
    OUTCOME_GROUPS,
    Compliance,
    Decision,
    DecisionQuerySet,
    Outcome,
    OutcomeGroup,
    Recommendation,
    RecommendationKind,
    RecommendationQuerySet,
    dated_in,
)
from councils.models.groups import Category, CategoryFormerName, CouncilType
from councils.models.history import DataVersion, ImportKind, ImportRecord
from councils.models.register import Council, CouncilQuerySet, Population, PreviousCode
from councils.models.revisions import RevisedCouncil, Revision, RevisionQuerySet
from councils.models.tallies import DecisionTally, DecisionTallyQuerySet
from councils.models.years import (
    EMBARGO_WEEK,
    ReportingYear,
    ReportingYearQuerySet,
    parse_year_label,
    published_by,
    reporting_year_start,
    year_label,
)

__all__ = [
    "COMPLIED_OUTCOMES",
    "EMBARGO_WEEK",
    "INVESTIGATED_OUTCOMES",
    "OUTCOME_GROUPS",
    "Category",
    "CategoryFormerName",
    "Compliance",
    "Council",
    "CouncilQuerySet",
    "CouncilType",
    "DataVersion",
    "Decision",
    "DecisionQuerySet",
    "DecisionTally",
    "DecisionTallyQuerySet",
    "ImportKind",
    "ImportRecord",
    "Job",
    "JobQuerySet",
    "Outcome",
    "OutcomeGroup",
    "Population",
    "PreviousCode",
    "Recommendation",
    "RecommendationKind",
    "RecommendationQuerySet",
    "ReportingYear",
    "ReportingYearQuerySet",
    "RevisedCouncil",
    "Revision",
    "RevisionQuerySet",
    "dated_in",
    "parse_year_label",
    "published_by",
    "reporting_year_start",
    "year_label",
]
