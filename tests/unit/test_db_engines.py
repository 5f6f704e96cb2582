"""Database engines never put statement parameters (personal data) into errors or logs."""
import pytest
import sqlalchemy as sa

from shared.db import make_engine
from shared.timers import TimerLease


def test_a_failed_statement_names_no_parameter(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", "referrals")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE people (name TEXT UNIQUE)"))
        conn.execute(sa.text("INSERT INTO people VALUES (:name)"), {"name": "Zoë O'Neil"})
    with pytest.raises(sa.exc.IntegrityError) as failed, engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO people VALUES (:name)"), {"name": "Zoë O'Neil"})
    assert "Zoë" not in str(failed.value)
    assert "hidden" in str(failed.value)


def test_postgresql_engines_hide_parameters_too():
    url = "postgresql://nobody@127.0.0.1:1/nothing"  # never connected to
    assert make_engine(url, "referrals").hide_parameters
    assert TimerLease(url, "tasking", "overdue").engine.hide_parameters
