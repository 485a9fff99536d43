"""Figures and tables each worker keeps per data version (councils.computed).

The page cache is off here (PAGE_CACHE_SECONDS=0), so every request runs its view: what these
tests see comes from the memo or from the database, never from a stored page.

Today is 1 September 2024: 2023-24 is public (since 24 July 2024), 2024-25 is not (no date yet).
"""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User

from councils import computed, dataversion
from councils.computed import MISSING, VersionMemo
from councils.models import CouncilType, Outcome
from tests.factories import CouncilFactory, DecisionFactory

pytestmark = pytest.mark.django_db

D = datetime.date
NOON = datetime.time(12)


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2024, 9, 1, 12, tzinfo=datetime.UTC), tick=False):
        yield


def four_more(council):
    """Four more investigations not upheld in 2023-24, written without bumping the version."""
    for _ in range(4):
        DecisionFactory(council=council, outcome=Outcome.NOT_UPHELD, decided=D(2023, 10, 1))


def state(version: int, second: int = 0) -> dataversion.State:
    return dataversion.State(
        version, datetime.datetime(2024, 9, 1, 12, 0, second, tzinfo=datetime.UTC)
    )


class TestVersionMemo:
    def test_computes_once_per_key_and_version(self):
        memo, calls = VersionMemo(), []

        def compute():
            calls.append(1)
            return len(calls)

        assert memo.get(state(1), "a", compute) == 1
        assert memo.get(state(1), "a", compute) == 1
        assert memo.get(state(1), "b", compute) == 2
        assert memo.get(state(2), "a", compute) == 3  # the data changed: computed again
        assert len(memo) == 1  # and everything from version 1 is gone

    def test_a_restored_database_reusing_a_version_number_is_not_confused(self):
        memo = VersionMemo()
        memo.get(state(5, second=0), "a", lambda: "before the restore")
        assert memo.get(state(5, second=9), "a", lambda: "after") == "after"

    def test_a_request_still_on_an_older_version_stores_nothing(self):
        memo = VersionMemo()
        memo.peek(state(2), "a")  # a request at version 2 came in
        memo.put(state(1), "a", "stale")  # one that read version 1 finishes later
        assert memo.peek(state(2), "a") is MISSING

    def test_keeps_at_most_max_entries_dropping_the_least_recently_used(self):
        memo = VersionMemo(max_entries=2)
        memo.get(state(1), "a", lambda: "A")
        memo.get(state(1), "b", lambda: "B")
        memo.get(state(1), "a", lambda: "not computed again")  # a is now the most recent
        memo.get(state(1), "c", lambda: "C")
        assert memo.peek(state(1), "a") == "A"
        assert memo.peek(state(1), "b") is MISSING
        assert memo.peek(state(1), "c") == "C"

    def test_an_entry_older_than_computed_seconds_is_computed_again(self, settings, monkeypatch):
        settings.COMPUTED_SECONDS = 600
        clock = [1000.0]
        monkeypatch.setattr(computed.time, "monotonic", lambda: clock[0])
        memo = VersionMemo()
        memo.get(state(1), "a", lambda: "first")
        clock[0] += 599
        assert memo.get(state(1), "a", lambda: "second") == "first"
        clock[0] += 1
        assert memo.get(state(1), "a", lambda: "second") == "second"


class TestPages:
    @pytest.mark.parametrize(
        "url",
        ["/", "/?statistic=compliance_rate&type=district", "/compare/district/2023-24/"],
    )
    def test_a_second_view_reuses_figures_and_table(
        self, client, ashdale, url, django_assert_num_queries
    ):
        first = client.get(url)
        # Expected: the data version, the visible years (the demo banner is in the cache).
        with django_assert_num_queries(2):
            again = client.get(url)
        assert again.content == first.content

    def test_a_second_council_page_computes_nothing_again(
        self, client, ashdale, django_assert_num_queries
    ):
        first = client.get("/councils/ashdale/")
        # Expected: the data version, the council (with its county), the visible years,
        # the letters this visitor may see.
        with django_assert_num_queries(4):
            again = client.get("/councils/ashdale/")
        assert again.content == first.content

    def test_figures_follow_the_data_version(self, client, ashdale):
        assert "75%" in client.get("/councils/ashdale/").content.decode()
        four_more(ashdale)  # 3 of 8: 37.5% -> 38%
        # Kept until the version goes up: why every write path bumps it (imports, the admin,
        # publish_year, load_councils, seed_demo, letters).
        assert "75%" in client.get("/councils/ashdale/").content.decode()
        dataversion.bump()
        page = client.get("/councils/ashdale/").content.decode()
        assert "38%" in page and "75%" not in page
        assert ">38%<" in client.get("/?type=district").content.decode()

    def test_visiting_every_council_page_does_not_push_out_the_figures(
        self, client, ashdale, monkeypatch, django_assert_num_queries
    ):
        monkeypatch.setattr(computed, "memo", VersionMemo(max_entries=2))
        others = [CouncilFactory(type=CouncilType.DISTRICT) for _ in range(3)]
        for council in [ashdale, *others]:
            client.get(f"/councils/{council.slug}/")
        # Expected: the data version, the visible years, the current councils (for the map's
        # table, new), the council types (pushed out too); not the statistics' four queries
        # (kept since the council pages).
        with django_assert_num_queries(4):
            client.get("/")

    def test_nothing_is_kept_when_computed_seconds_is_0(self, client, ashdale, settings):
        settings.COMPUTED_SECONDS = 0
        client.get("/councils/ashdale/")
        four_more(ashdale)
        assert "38%" in client.get("/councils/ashdale/").content.decode()


class TestWhoSeesWhat:
    def test_a_staff_preview_never_reaches_the_public_through_the_memo(self, client, ashdale):
        staff = User.objects.create_user("staff", is_staff=True)
        client.force_login(staff)
        preview = client.get("/councils/ashdale/").content.decode()
        assert "2024-25" in preview and "88%" in preview  # 7 of 8 in the unpublished year
        client.get("/?year=2024-25")
        client.get("/compare/district/2024-25/")
        client.logout()

        public = client.get("/councils/ashdale/").content.decode()
        assert "2024-25" not in public and "88%" not in public
        assert client.get("/?year=2024-25").status_code == 404
        assert client.get("/compare/district/2024-25/").status_code == 404

    def test_the_public_copy_does_not_hide_the_preview_from_staff(self, client, ashdale):
        client.get("/councils/ashdale/")
        client.force_login(User.objects.create_user("staff", is_staff=True))
        assert "2024-25" in client.get("/councils/ashdale/").content.decode()

    def test_a_decision_appears_on_the_day_it_is_published_without_a_data_change(
        self, client, ashdale, years
    ):
        years[0].published_on = D(2024, 6, 1)
        years[0].save()
        DecisionFactory(
            council=ashdale, reference="24 001 234", outcome=Outcome.UPHELD, decided=D(2024, 3, 31)
        )
        dataversion.bump()
        with time_machine.travel(datetime.datetime.combine(D(2024, 6, 29), NOON), tick=False):
            assert "24 001 234" not in client.get("/councils/ashdale/2023-24/").content.decode()
        with time_machine.travel(datetime.datetime.combine(D(2024, 7, 1), NOON), tick=False):
            assert "24 001 234" in client.get("/councils/ashdale/2023-24/").content.decode()
