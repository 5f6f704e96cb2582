"""What the command line (`wardline users`, `demo seed`, `audit verify`) may ask of the
gateway, as plain functions over a unit of work or session: the CLI composes, the gateway
decides. Adding an account goes through the same use case as `POST /api/users`."""
from services.gateway import accounts, audit_chain


def add_account(uow, payload, known_wards, principal):
    """`wardline users add`: validated, announced and audited as the HTTP route does."""
    return accounts.open_account(uow, payload, known_wards, principal)


def set_password(uow, username, password, principal, one_time=False):
    """`wardline users set-password [--one-time]`: every token issued before it is
    refused; a one-time password must be changed at the next sign-in."""
    return accounts.set_password(uow, username, password, principal, one_time=one_time)


def account_count(session):
    return accounts.count_users(session)


def accounts_other_than(session, usernames):
    """Accounts not among `usernames` (the demo seed refuses a real database)."""
    return accounts.usernames_except(session, set(usernames))


def add_missing_accounts(uow, people, password, known_wards, principal):
    """The demo seed's accounts that do not exist yet, each as `add_account` would add
    it; returns how many were added."""
    added = 0
    for person in people:
        if not accounts.find_user(uow.session, person["username"]):
            accounts.open_account(uow, {**person, "password": password}, known_wards,
                                  principal)
            added += 1
    return added


def verify_audit_trail(session):
    """`wardline audit verify`: the hash chain checked row by row (audit_chain.py)."""
    return audit_chain.verify(session)
