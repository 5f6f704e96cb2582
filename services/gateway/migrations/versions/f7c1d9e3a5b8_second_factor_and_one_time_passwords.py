"""second factor (TOTP) and its recovery codes; one-time passwords that must be changed

Revision ID: f7c1d9e3a5b8
Revises: e5b9c3f7a2d4
Create Date: 2026-12-07 14:20:00.000000

An account may enrol a TOTP second factor (its secret kept encrypted) with ten one-time
recovery codes (only their hashes kept); an administrator's password reset sets a
password that is good for one sign-in, which must choose a new one.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = 'f7c1d9e3a5b8'
down_revision: Union[str, Sequence[str], None] = 'e5b9c3f7a2d4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("users") as table:
        table.add_column(sa.Column("password_must_change", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "second_factors",
        sa.Column("username", sa.String(80), primary_key=True),
        sa.Column("secret_encrypted", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(80), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_recovery_codes_username", "recovery_codes", ["username"])


def downgrade() -> None:
    op.drop_index("ix_recovery_codes_username", "recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_table("second_factors")
    with op.batch_alter_table("users") as table:
        table.drop_column("password_must_change")
