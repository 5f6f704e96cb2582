"""Case-reading roles (coordinator, reviewer, analyst) open the partnership's case data to
a person: giving one, when an account is added or changed, is named as such on the audit
trail (accounts.py) and announced as `user.case_reading_role_given`, which leaves with the
account's own transaction so that the other admins are always told."""

CASE_READING = ("coordinator", "reviewer", "analyst")


def gives_case_reading_role(previous_role, role):
    """Whether an account's role, `previous_role` before (None: a new account), is now a
    case-reading one it did not hold: moving between two of them gives a new reach too."""
    return role in CASE_READING and role != previous_role


def announce_case_reading_role(uow, account, previous_role, actor):
    """Publish `user.case_reading_role_given` (with the commit) if the account was given a
    case-reading role."""
    if not gives_case_reading_role(previous_role, account["role"]):
        return
    uow.publish("user.case_reading_role_given", 1, {
        "username": account["username"], "role": account["role"],
        "previous_role": previous_role, "given_by": actor["username"]}, actor)
