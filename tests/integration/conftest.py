import pytest

from shared.config import load_config


@pytest.fixture(scope="module")
def service_config(wardline_env):
    """Nameko config for an in-process container on this module's vhost and database."""
    return lambda service_name: load_config(service_name)


@pytest.fixture(params=["postgresql", "sqlite"])
def gateway_url(request, tmp_path):
    """The gateway's database on each engine it runs on: this module's PostgreSQL
    database, and a laptop's SQLite file (for the migration tests)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    return request.getfixturevalue("database_url")
