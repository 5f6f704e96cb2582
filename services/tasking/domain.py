"""Tasking rules without a broker or a database."""

CATEGORY_WORDS = {
    "youth_at_risk": "young person at risk",
    "asb": "anti-social behaviour",
    "vulnerable_adult": "vulnerable adult",
    "offender_management": "offender management",
    "domestic_abuse": "domestic abuse",
    "exploitation": "exploitation",
    "other": "other concern",
}


def referral_action_title(category, risk_level, ward):
    """What the tasking meeting reads: the concern and the place, never the person."""
    return f"Act on {risk_level}-risk referral: {CATEGORY_WORDS[category]} ({ward})"
