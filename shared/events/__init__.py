"""Event contracts and the envelope. Importing this package registers every contract."""
from shared.events import gateway, notifications, referrals, tasking  # noqa: F401  (registers)
from shared.events import casereview  # noqa: F401  (registers)
from shared.events.envelope import SYSTEM_ACTOR, Event
from shared.events.registry import (InvalidEvent, all_contracts, contract_for, deserialize,
                                    serialize)

__all__ = ["Event", "InvalidEvent", "SYSTEM_ACTOR", "all_contracts", "contract_for",
           "deserialize", "serialize"]
