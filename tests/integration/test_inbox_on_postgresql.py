"""The inbox's SQL on PostgreSQL: the unit tests of who sees which notice (each event once
to a person, their team's copy hidden from them but kept for the team, pages full and the
cursor right) run again on a real server, because that is where the query serves."""
import pytest

from services.notifications.orm import metadata
from shared.testing.postgres import postgres_database
from tests.unit.test_notifications import (  # noqa: F401 (the same tests and fixtures)
    service, test_a_person_told_in_their_own_name_is_not_shown_their_team_s_copy_too,
    test_a_notice_links_to_its_record_s_page_and_its_email_to_the_page_s_address,
    test_pages_of_an_inbox_hold_each_event_once_and_are_full,
    test_read_state_is_per_person_and_only_ones_own_notifications, with_accounts)


@pytest.fixture
def db(database_url):  # replaces the unit tests' SQLite database
    with postgres_database(database_url, "notifications", metadata) as database:
        yield with_accounts(database)
