"""Migration a3d5f7b9c1e2 on the databases the gateway lives in (PostgreSQL and a laptop's
SQLite): accounts stored before it are linked to no provider, the new column, constraint
and table are what orm.py declares, one provider subject links one account only, and it
goes down and up again."""
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.gateway.orm import metadata
from shared.db import ensure_schema, make_engine
from wardline.migrations import alembic_config

BEFORE = "f7c1d9e3a5b8"
OURS = ("sso_sign_ins", "sso_issuer", "sso_subject", "uq_users_sso_identity")
INSERT = ("INSERT INTO users (id, username, password_hash, display_name, role, wards, "
          "created_at, active, token_version) VALUES (:id, :username, 'h', 'Before', 'pcso', "
          "'[]', CURRENT_TIMESTAMP, :yes, 0)")



def test_accounts_from_before_are_unlinked_and_the_schema_is_the_orms(gateway_url):
    url = gateway_url
    ensure_schema(url, "gateway")
    config = alembic_config("gateway", url)
    command.upgrade(config, "head")
    command.downgrade(config, BEFORE)
    engine = make_engine(url, "gateway", pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM users WHERE username LIKE 'before.sso%'"))
            conn.execute(sa.text(INSERT), {"id": "u-sso-1", "username": "before.sso",
                                           "yes": True})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            link = conn.execute(sa.text("SELECT sso_issuer, sso_subject FROM users "
                                        "WHERE username = 'before.sso'")).one()
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert tuple(link) == (None, None)
        assert [d for d in differences if any(name in repr(d) for name in OURS)] == []
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET sso_issuer = 'https://idp', "
                                 "sso_subject = 's-1' WHERE username = 'before.sso'"))
            conn.execute(sa.text(INSERT), {"id": "u-sso-2", "username": "before.sso2",
                                           "yes": True})
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET sso_issuer = 'https://idp', "
                                 "sso_subject = 's-1' WHERE username = 'before.sso2'"))
        command.downgrade(config, BEFORE)
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "sso_sign_ins" not in inspector.get_table_names()
            assert "sso_subject" not in {c["name"] for c in inspector.get_columns("users")}
        command.upgrade(config, "head")
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM users WHERE username LIKE 'before.sso%'"))
        engine.dispose()
