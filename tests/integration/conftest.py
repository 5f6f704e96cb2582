import pytest

from shared.config import load_config


@pytest.fixture(scope="module")
def service_config(wardline_env):
    """Nameko config for an in-process container on this module's vhost and database."""
    return lambda service_name: load_config(service_name)
