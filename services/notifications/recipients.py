"""Who needs to know: every rule in one place. A rule turns an event's payload into the
recipients of one notification each: a person (`user:<username>`) or an agency's team
(`agency:<code>`), with the template that speaks to them."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Recipient:
    address: str
    template: str
    kind: str

    @property
    def username(self):
        return self.address.partition(":")[2] if self.address.startswith("user:") else None


def person(username, template, kind):
    return Recipient(f"user:{username}", template, kind)


def team(agency, template, kind):
    return Recipient(f"agency:{agency}", template, kind)


def _referring_side(payload, template, kind):
    """The referring person and their agency's team."""
    return [person(payload["referred_by"], template, kind),
            team(payload["referring_agency"], template, kind)]


def referral_submitted(payload):
    return _referring_side(payload, "referral.submitted", "referral.acknowledged")


def referral_triaged(payload):
    told = _referring_side(payload, "referral.triaged", "referral.triaged")
    if payload["decision"] == "redirect":
        told.append(team(payload["redirect_to_agency"], "referral.triaged.receiving",
                         "referral.redirected_to_you"))
    return told


def referral_closed(payload):
    return _referring_side(payload, "referral.closed", "referral.closed")


RULES = {
    "referral.submitted": referral_submitted,
    "referral.triaged": referral_triaged,
    "referral.closed": referral_closed,
}
"""Event type -> who is told. Add a rule and a template to notify about a new event."""


def recipients_for(event):
    return RULES[event.type](event.payload)
