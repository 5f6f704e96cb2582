"""Migration f7c1d9e3a5b8 on the databases the gateway lives in (PostgreSQL and a laptop's
SQLite): accounts stored before it keep signing in with their password alone (not made to
change it), the second factor's tables are what orm.py declares, and it goes down and up
again."""
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.gateway.orm import metadata
from shared.db import ensure_schema, make_engine
from wardline.migrations import alembic_config

BEFORE = "e5b9c3f7a2d4"
OURS = ("second_factors", "recovery_codes", "password_must_change")



def test_accounts_from_before_keep_their_password_and_the_schema_is_the_orms(gateway_url):
    url = gateway_url
    ensure_schema(url, "gateway")
    config = alembic_config("gateway", url)
    command.upgrade(config, "head")  # this module's database may be there already
    command.downgrade(config, BEFORE)
    engine = make_engine(url, "gateway", pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM users WHERE username = 'before.totp'"))
            conn.execute(sa.text(
                "INSERT INTO users (id, username, password_hash, display_name, role, wards, "
                "created_at, active, token_version) VALUES ('u-before', 'before.totp', 'h', "
                "'Before', 'pcso', '[]', CURRENT_TIMESTAMP, :yes, 0)"), {"yes": True})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            must_change = conn.execute(sa.text(
                "SELECT password_must_change FROM users WHERE username = 'before.totp'"
            )).scalar_one()
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert not must_change
        assert [d for d in differences if any(name in repr(d) for name in OURS)] == []
        command.downgrade(config, BEFORE)
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert not {"second_factors", "recovery_codes"} & set(inspector.get_table_names())
            assert "password_must_change" not in {c["name"] for c in
                                                  inspector.get_columns("users")}
        command.upgrade(config, "head")
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM users WHERE username = 'before.totp'"))
        engine.dispose()
