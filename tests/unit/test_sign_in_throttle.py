"""Repeated wrong passwords are slowed, then locked for a while."""
from datetime import datetime, timedelta, timezone

from services.gateway.accounts import SignInThrottle
from services.gateway.orm import metadata
from shared.testing.memory import InMemoryDatabase

NOW = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)


def test_wrong_passwords_are_slowed_then_locked_and_the_lock_expires():
    with InMemoryDatabase(metadata).unit_of_work() as uow:
        throttle = SignInThrottle(uow.session)
        delays = []
        for _ in range(SignInThrottle.LOCK_AFTER):
            delays.append(throttle.delay_seconds("pcso.dalston"))
            locked = throttle.failed("pcso.dalston", NOW)
        assert delays[:SignInThrottle.SLOW_AFTER] == [0] * SignInThrottle.SLOW_AFTER
        assert delays[-1] > delays[SignInThrottle.SLOW_AFTER] > 0
        assert locked == NOW + SignInThrottle.LOCK_FOR
        assert throttle.locked_until("pcso.dalston", NOW + timedelta(minutes=1)) == locked
        assert throttle.locked_until("pcso.dalston", locked + timedelta(seconds=1)) is None
        assert throttle.locked_until("sgt.dalston", NOW) is None  # others unaffected


def test_a_correct_password_clears_the_count():
    with InMemoryDatabase(metadata).unit_of_work() as uow:
        throttle = SignInThrottle(uow.session)
        for _ in range(SignInThrottle.SLOW_AFTER + 1):
            throttle.failed("coordinator", NOW)
        throttle.succeeded("coordinator")
        assert throttle.delay_seconds("coordinator") == 0
