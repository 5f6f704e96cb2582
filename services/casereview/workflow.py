"""A case review's stages and the moves between them; no nameko, no SQLAlchemy.

    suggested --> open --> gathering --> panel --> published
        \\
         +--> declined

A pattern in a chronology can only *suggest* a review; a reviewer opens it (or declines
it). Findings and lessons are recorded while the review is open, gathering or at panel;
once published, a review is the record of what was learned and does not change.
"""
from shared.errors import Conflict, Forbidden
from shared.vocabulary import REVIEW_STAGES

STAGES = REVIEW_STAGES  # shared/vocabulary.py, with their labels

MOVES = {
    "suggested": ("open", "declined"),
    "open": ("gathering",),
    "gathering": ("panel",),
    "panel": ("published",),
}

REVIEWERS = frozenset({"reviewer"})
"""Who reads and works on case reviews: its chronology joins every agency's records of
one person, so no other role sees it."""


def check_may_review(actor):
    """Decided here, from the verified caller, whatever the caller's route checked."""
    if (actor or {}).get("role") not in REVIEWERS:
        raise Forbidden("Case reviews are for case reviewers only.")


WORKING_STAGES = ("open", "gathering", "panel")
"""Stages in which reviewers record decisions, findings and lessons."""


def check_move(current, wanted):
    """Refuse (409) any move the workflow does not allow, saying which are allowed."""
    allowed = MOVES.get(current, ())
    if wanted not in allowed:
        hint = f"from {current} it can go to {', '.join(allowed)}" if allowed else \
            f"a {current} review does not move on"
        raise Conflict(f"A review cannot go from {current} to {wanted}: {hint}.",
                       {"stage": [f"Now {current}."]})


def check_working(current, what):
    """Refuse (409) recording `what` on a review that is not being worked on."""
    if current not in WORKING_STAGES:
        raise Conflict(f"{what} can be recorded while a review is open, gathering or at "
                       f"panel; this one is {current}.", {"stage": [f"Now {current}."]})


def check_publishable(current, undecided, lessons):
    """A review is published from panel, with every candidate decided and a lesson."""
    check_move(current, "published")
    if undecided:
        raise Conflict("Decide every possible missed opportunity (confirm or dismiss, with a "
                       "reason) before publishing.", {"missed_opportunities": undecided})
    if not lessons:
        raise Conflict("Record at least one lesson before publishing: publishing shares "
                       "what was learned.", {"lessons": ["None recorded."]})
