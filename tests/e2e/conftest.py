import pytest

from shared.testing.stack import ServiceStack


@pytest.fixture(scope="module")
def stack_settings():
    """`WARDLINE_*` settings a test module needs on top of its own vhost and database
    (timers shortened, say): a module overrides this fixture to change them."""
    return {}


@pytest.fixture(scope="module")
def stack(wardline_env, stack_settings, tmp_path_factory):
    """Every service as its own OS process on this module's vhost and database."""
    services = ServiceStack({**wardline_env, **stack_settings},
                            tmp_path_factory.mktemp("stack"))
    with services.running():
        yield services
