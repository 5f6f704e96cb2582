"""single sign-on: an account's link to its OpenID Connect provider, and sign-ins under way

Revision ID: a3d5f7b9c1e2
Revises: f7c1d9e3a5b8
Create Date: 2026-12-07 23:00:00.000000

An account signed in through the partnership's identity provider keeps the provider's
issuer and subject (`sub`), so that it is found again even if its email changes. A sign-in
sent to the provider keeps its state, nonce and PKCE code verifier here until the provider
sends the person back (ten minutes at most, used once).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = 'a3d5f7b9c1e2'
down_revision: Union[str, Sequence[str], None] = 'f7c1d9e3a5b8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("sso_issuer", sa.String(300), nullable=True))
        table.add_column(sa.Column("sso_subject", sa.String(255), nullable=True))
        table.create_unique_constraint("uq_users_sso_identity", ["sso_issuer", "sso_subject"])
    op.create_table(
        "sso_sign_ins",
        sa.Column("state", sa.String(64), primary_key=True),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("next_address", sa.String(300), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sso_sign_ins")
    with op.batch_alter_table("users") as table:
        table.drop_constraint("uq_users_sso_identity", type_="unique")
        table.drop_column("sso_subject")
        table.drop_column("sso_issuer")
