"""Where a notice takes its reader: the web page of the record it is about, as a hash
route (`#/referrals/<id>`), so that news leads straight to what to do about it. Stored with
the notification, and made absolute (WARDLINE_PUBLIC_URL) only when an email is written,
so that an inbox row never holds a host name."""

PAGES = {
    "referral.submitted": ("referral_id", "referrals"),
    "referral.triaged": ("referral_id", "referrals"),
    "referral.closed": ("referral_id", "referrals"),
    "referral.acknowledged": ("referral_id", "referrals"),
    "referral.disclosure_refused": ("referral_id", "referrals"),
    "tasking_item.raised": ("tasking_item_id", "actions"),
    "tasking_item.assigned": ("tasking_item_id", "actions"),
    "tasking_item.completed": ("tasking_item_id", "actions"),
    "tasking_item.overdue": ("tasking_item_id", "actions"),
    "pcso_task.assigned": ("pcso_task_id", "pcso-tasks"),
    "intelligence.noted": ("intelligence_report_id", "intelligence"),
    "intelligence.feedback_given": ("intelligence_report_id", "intelligence"),
    "intelligence.service_level_missed": ("intelligence_report_id", "intelligence"),
    "case_review.published": ("case_review_id", "reviews"),
    "ward_priority.set": ("ward_priority_id", "priorities"),
}
"""Event type -> (the payload field naming the record, the web page's path for it)."""


LISTS = {"user.case_reading_role_given": "users"}
"""Event type -> the web page that lists what it is about (the admins' list of accounts)."""


def handover_link(payload):
    """A handover's notice leads to the first PCSO task moved, else the first action."""
    for records, field, path in (("pcso_tasks", "pcso_task_id", "pcso-tasks"),
                                 ("tasking_items", "tasking_item_id", "actions")):
        if payload.get(records):
            return f"#/{path}/{payload[records][0][field]}"
    return None


def link_for(event_type, payload):
    """The hash route of the record an event is about, or None when no page shows it."""
    if event_type in LISTS:
        return f"#/{LISTS[event_type]}"
    if event_type == "work.handed_over":
        return handover_link(payload)
    field, path = PAGES.get(event_type, (None, None))
    if not field or not payload.get(field):
        return None
    return f"#/{path}/{payload[field]}"


def absolute(public_url, link):
    """The address a reader can open from an email: `<public_url>/#/...`."""
    return f"{public_url.rstrip('/')}/{link}"
