"""Missed-opportunity rules: small named patterns over one person's chronology, each
marking a point where an agency could reasonably have stepped in, and citing the entries
that show it. They suggest; reviewers decide (confirm or dismiss, with a reason).

No nameko, no SQLAlchemy: a rule is `rule(entries, as_of, **parameters) -> [Candidate]`,
and its parameters come from `rules.yaml` (or the file `WARDLINE_CASEREVIEW_RULES` names).
Wording is about what happened and what could be learned, never about who is at fault.
"""
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml

DEFAULT_RULES_FILE = Path(__file__).with_name("rules.yaml")


@dataclass(frozen=True)
class Candidate:
    """A possible missed opportunity: which rule, what it saw, and the entries that show it.
    `key` names the records it is about, so finding it again is recognised as the same."""

    rule: str
    summary: str
    entry_ids: tuple
    key: str

    def id_for(self, review_id):
        digest = hashlib.sha256(f"{review_id}|{self.rule}|{self.key}".encode()).hexdigest()
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


@dataclass(frozen=True)
class RuleBook:
    """The configured rules, their parameters, which of them suggest a review on their own,
    and the partner agencies a published review goes to."""

    rules: dict
    suggest_review_when: tuple = ()
    partner_agencies: tuple = ()
    source: str = field(default="", compare=False)

    @classmethod
    def load(cls, path=None):
        path = Path(path) if path else DEFAULT_RULES_FILE
        raw = yaml.safe_load(path.read_text()) or {}
        rules = {}
        for name, parameters in (raw.get("rules") or {}).items():
            parameters = dict(parameters or {})
            if name not in RULES:
                raise ValueError(f"{path}: unknown missed-opportunity rule '{name}'; "
                                 f"known: {', '.join(sorted(RULES))}")
            if parameters.pop("enabled", True):
                rules[name] = parameters
        suggest = tuple(raw.get("suggest_review_when") or ())
        unknown = set(suggest) - set(rules)
        if unknown:
            raise ValueError(f"{path}: suggest_review_when names rules not enabled: "
                             f"{', '.join(sorted(unknown))}")
        return cls(rules, suggest, tuple(raw.get("partner_agencies") or ()), str(path))

    def may_suggest_after(self, event_type):
        """Whether an event of this type can complete a pattern that suggests a review.
        Most events cannot (an action being raised, a triage accepting), and for them the
        person's whole chronology is not read again: that read is the costliest part of
        keeping the chronology."""
        if event_type in JOINING_EVENTS:
            return bool(self.suggest_review_when)
        return any(event_type in TRIGGERS.get(name, (event_type,))
                   for name in self.suggest_review_when)

    def find(self, entries, as_of, only=None):
        """Every candidate the enabled rules (or the `only` ones) find, in rule order."""
        found = []
        for name, parameters in self.rules.items():
            if only is None or name in only:
                found.extend(RULES[name](entries, as_of, **parameters))
        return found


def _time(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _by_type(entries, *types):
    return [e for e in entries if e.event_type in types]


def _key(*parts):
    return "|".join(sorted(parts))


# --- the rules -------------------------------------------------------------------------

def multi_agency_referrals_without_completed_action(entries, as_of, min_agencies=2):
    """Two or more agencies referred the same person and no action about them was ever
    completed: the concern was shared, the response was not joined up.

    An action closed by tasking because triage decided no further action is not an action
    completed: nobody acted on the concern, which is the pattern this rule looks for."""
    referrals = _by_type(entries, "referral.submitted")
    agencies = sorted({e.facts["referring_agency"] for e in referrals})
    if len(agencies) < min_agencies or _actions_completed(entries):
        return []
    cited = referrals + _by_type(entries, "tasking_item.raised")
    return [Candidate(
        "multi_agency_referrals_without_completed_action",
        f"{len(agencies)} agencies ({', '.join(agencies)}) referred this person and no "
        "action was completed: an opportunity to bring the agencies' concerns together.",
        tuple(e.id for e in _in_order(cited)),
        _key(*(e.record_id for e in referrals)))]


def high_risk_action_overdue(entries, as_of, risk_levels=("high",)):
    """An action raised on a high-risk referral went past its due date (whether or not it
    was done later): the risk was known and time-critical."""
    risky = {e.record_id: e for e in _by_type(entries, "referral.submitted")
             if e.facts["risk_level"] in risk_levels}
    found = []
    for raised in _by_type(entries, "tasking_item.raised"):
        referral = risky.get(raised.referral_id)
        if referral is None:
            continue
        item = [e for e in entries if e.record_type == "tasking_item"
                and e.record_id == raised.record_id]
        due = _latest_due(item)
        completed = next((e for e in item if e.event_type == "tasking_item.completed"), None)
        overdue = [e for e in item if e.event_type == "tasking_item.overdue"]
        late = (completed.when > due) if completed else as_of > due
        if not (overdue or late):
            continue
        cited = [referral, raised, *overdue] + ([completed] if completed else [])
        outcome = ("was completed after its due date" if completed
                   else "had not been completed by its due date")
        found.append(Candidate(
            "high_risk_action_overdue",
            f"An action on a {referral.facts['risk_level']}-risk referral "
            f"({raised.agency}) {outcome}: a time-critical chance to act.",
            tuple(e.id for e in _in_order(cited)), _key(raised.record_id)))
    return found


def re_referred_after_no_further_action(entries, as_of, within_days=60):
    """A referral was closed with no further action and the person was referred again
    soon after: the first decision may have been made without the whole picture."""
    found = []
    referrals = _by_type(entries, "referral.submitted")
    for decision in _by_type(entries, "referral.triaged"):
        if decision.facts["decision"] != "no_further_action":
            continue
        window_end = decision.when + timedelta(days=within_days)
        again = [r for r in referrals if decision.when < r.when <= window_end
                 and r.record_id != decision.record_id]
        if not again:
            continue
        first_again = again[0]
        days = (first_again.when - decision.when).days
        found.append(Candidate(
            "re_referred_after_no_further_action",
            f"No further action was decided on a referral, and {first_again.agency} referred "
            f"the person again {days} day(s) later: a chance to look at the earlier decision "
            "with the new information.",
            tuple(e.id for e in _in_order([decision, first_again])),
            _key(decision.record_id, first_again.record_id)))
    return found


def intelligence_without_feedback(entries, as_of, within_days=14):
    """Intelligence about the person got no feedback on its use within the service level:
    the team that gathered it could not build on it."""
    found = []
    for submitted in _by_type(entries, "intelligence.submitted"):
        due = submitted.when + timedelta(days=within_days)
        feedback = next((e for e in entries if e.event_type == "intelligence.feedback_given"
                         and e.record_id == submitted.record_id), None)
        if feedback is not None and feedback.when <= due:
            continue
        if feedback is None and as_of <= due:
            continue  # still within its time
        outcome = (f"feedback came {(feedback.when - submitted.when).days} days later"
                   if feedback else f"no feedback within {within_days} days")
        cited = [submitted] + ([feedback] if feedback else [])
        found.append(Candidate(
            "intelligence_without_feedback",
            f"An intelligence report about the person had {outcome}: a chance to use it "
            "and tell the team what it showed.",
            tuple(e.id for e in _in_order(cited)), _key(submitted.record_id)))
    return found


def redirect_not_acknowledged(entries, as_of, within_days=7,
                              acknowledged_by=("referral.acknowledged",
                                               "tasking_item.assigned",
                                               "tasking_item.updated",
                                               "tasking_item.completed")):
    """A referral was passed to another agency and nothing shows that agency took it up
    within the time allowed: the person may have fallen between agencies.

    Taking it up is an entry of the `acknowledged_by` types about that referral (or its
    actions), after the redirect, of a step someone of the receiving agency took. When
    triage redirects a referral, tasking moves its action to the receiving agency at once
    and files that in the receiving agency's lane: that is the partnership's step, not
    the agency's, and never counts."""
    found = []
    for redirect in _by_type(entries, "referral.triaged"):
        if redirect.facts["decision"] != "redirect":
            continue
        receiving = redirect.facts["redirect_to_agency"]
        due = redirect.when + timedelta(days=within_days)
        taken_up = [e for e in entries if e.event_type in acknowledged_by
                    and e.referral_id == redirect.record_id and _taken_by(e, receiving)
                    and redirect.when <= e.when <= due]
        if taken_up or as_of <= due:
            continue
        found.append(Candidate(
            "redirect_not_acknowledged",
            f"A referral was passed to {receiving} and the chronology shows no step by "
            f"{receiving} on it within {within_days} days: a point where the person could "
            "have fallen between agencies.",
            (redirect.id,), _key(redirect.record_id, receiving)))
    return found


# Roles that act for the partnership as a whole, never for one agency: the coordinator's
# accounts carry the agency `police`, and tasking's automatic steps are `system`.
PARTNERSHIP_ROLES = ("coordinator", "system")


def _taken_by(entry, agency):
    """Whether someone of `agency` took this step themselves (from the event's actor)."""
    actor = entry.actor or {}
    return actor.get("agency") == agency and actor.get("role") not in PARTNERSHIP_ROLES


def _actions_completed(entries):
    """The completions of actions, less those tasking made because triage decided no
    further action on the referral (their cause is that triage decision)."""
    no_further_action = {e.id for e in _by_type(entries, "referral.triaged")
                         if e.facts["decision"] == "no_further_action"}
    return [e for e in _by_type(entries, "tasking_item.completed")
            if e.causation_id not in no_further_action]


def _latest_due(item_entries):
    dues = [_time(e.facts["due_by"]) for e in item_entries
            if e.event_type in ("tasking_item.raised", "tasking_item.assigned")]
    return dues[-1]


def _in_order(entries):
    unique = {e.id: e for e in entries}
    return sorted(unique.values(), key=lambda e: (e.when, e.seq))


RULES = {
    "multi_agency_referrals_without_completed_action":
        multi_agency_referrals_without_completed_action,
    "high_risk_action_overdue": high_risk_action_overdue,
    "re_referred_after_no_further_action": re_referred_after_no_further_action,
    "intelligence_without_feedback": intelligence_without_feedback,
    "redirect_not_acknowledged": redirect_not_acknowledged,
}
"""Rule name -> function. A new rule is a function here and an entry in rules.yaml."""

TRIGGERS = {
    "multi_agency_referrals_without_completed_action": ("referral.submitted",),
    "high_risk_action_overdue": ("tasking_item.overdue", "tasking_item.completed"),
    "re_referred_after_no_further_action": ("referral.submitted", "referral.triaged"),
    "intelligence_without_feedback": ("intelligence.service_level_missed",
                                      "intelligence.feedback_given"),
    # redirect_not_acknowledged appears as days pass with no event to mark it: tried always.
}
"""Rule name -> the event types after which its pattern can newly appear in a chronology
(as the rule is written: e.g. an overdue action is marked by tasking_item.overdue, or is
completed late). Used only for suggesting reviews as events arrive; a reviewer's own
look at a chronology runs every rule. A rule missing here is tried after every event."""

JOINING_EVENTS = ("subject.linked",)
"""Events that join two records' chronologies into one person's: any rule's pattern may
appear in the joined story (a "no further action" on one record, a new referral on the
other), so every suggesting rule is tried after them."""
