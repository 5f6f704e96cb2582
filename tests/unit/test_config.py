"""The one configuration loader."""
from pathlib import Path

from shared.config import SETTINGS, load_config, settings_table


def test_defaults_give_sqlite_files_under_the_var_dir(tmp_path):
    config = load_config("tasking", {"WARDLINE_VAR_DIR": str(tmp_path)})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'tasking.sqlite'}"
    assert config["AMQP_URI"] == "amqp://guest:guest@localhost:5672/"


def test_wardline_variables_override_defaults(tmp_path):
    config = load_config("gateway", {
        "WARDLINE_VAR_DIR": str(tmp_path), "WARDLINE_HTTP_PORT": "9100",
        "WARDLINE_DATABASE_URL": "postgresql://db/wardline", "WARDLINE_SECRET_KEY": "k" * 32})
    assert config["WEB_SERVER_ADDRESS"] == "127.0.0.1:9100"
    assert config["DATABASE_URL"] == "postgresql://db/wardline"
    assert config["SECRET_KEY"] == "k" * 32


def test_a_development_secret_is_generated_once_and_kept(tmp_path):
    env = {"WARDLINE_VAR_DIR": str(tmp_path)}
    assert load_config("gateway", env)["SECRET_KEY"] == load_config("gateway", env)["SECRET_KEY"]


def test_the_configuration_table_lists_every_setting():
    table = settings_table()
    assert all(f"`{s.name}`" in table for s in SETTINGS)


def test_the_readme_carries_the_current_configuration_table():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert settings_table() in readme, "README is stale: paste `wardline config` into it"



def test_a_direct_url_beside_the_database_url_says_that_one_goes_through_a_pooler(tmp_path):
    direct = load_config("tasking", {"WARDLINE_DATABASE_URL": "postgresql://db:5432/w"})
    assert direct["DATABASE_DIRECT_URL"] == "postgresql://db:5432/w"
    assert direct["DATABASE_POOLED"] is False
    pooled = load_config("tasking", {"WARDLINE_DATABASE_URL": "postgresql://pgbouncer:6432/w",
                                     "WARDLINE_DATABASE_DIRECT_URL": "postgresql://db:5432/w"})
    assert pooled["DATABASE_URL"] == "postgresql://pgbouncer:6432/w"
    assert pooled["DATABASE_DIRECT_URL"] == "postgresql://db:5432/w"
    assert pooled["DATABASE_POOLED"] is True
