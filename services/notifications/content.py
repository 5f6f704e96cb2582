"""What each notification says. A partner is told what they may know: the outcome, the
next step and who to contact, never police-only detail."""

CONCERNS = {
    "youth_at_risk": "a young person at risk",
    "asb": "anti-social behaviour",
    "vulnerable_adult": "a vulnerable adult",
    "offender_management": "offender management",
    "domestic_abuse": "domestic abuse",
    "exploitation": "exploitation",
    "other": "a concern",
}

NEXT_STEP = {
    "high": "As a high-risk referral it will be actioned within 24 hours.",
    "medium": "It will be actioned within 7 days.",
    "standard": "It will be considered at the next partnership tasking meeting.",
}


def referral_acknowledgement(referral):
    """The acknowledgement the referring team receives at once."""
    title = "Referral received"
    body = (
        f"Your referral about {CONCERNS[referral['category']]} in ward {referral['ward']} "
        f"was received on {referral['submitted_at']:%d %B %Y at %H:%M} (UTC). "
        f"{NEXT_STEP[referral['risk_level']]} "
        f"You will hear its outcome here. Reference: {referral['referral_id']}."
    )
    return title, body
