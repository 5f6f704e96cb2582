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
    direct = load_config("tasking", {"WARDLINE_DATABASE_URL": "postgresql://db:5432/w",
                                     "WARDLINE_CALLER_KEY": "c" * 32})
    assert direct["DATABASE_DIRECT_URL"] == "postgresql://db:5432/w"
    assert direct["DATABASE_POOLED"] is False
    pooled = load_config("tasking", {"WARDLINE_DATABASE_URL": "postgresql://pgbouncer:6432/w",
                                     "WARDLINE_DATABASE_DIRECT_URL": "postgresql://db:5432/w",
                                     "WARDLINE_CALLER_KEY": "c" * 32})
    assert pooled["DATABASE_URL"] == "postgresql://pgbouncer:6432/w"
    assert pooled["DATABASE_DIRECT_URL"] == "postgresql://db:5432/w"
    assert pooled["DATABASE_POOLED"] is True


def test_the_development_secret_files_are_created_owner_only(tmp_path):
    import stat
    load_config("gateway", {"WARDLINE_VAR_DIR": str(tmp_path)})
    for name in ("secret_key", "caller_key", "totp_key"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    # no temporary left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["caller_key", "secret_key", "totp_key"]


def test_every_service_gets_the_one_development_caller_key(tmp_path):
    env = {"WARDLINE_VAR_DIR": str(tmp_path)}
    keys = {load_config(name, env)["CALLER_KEY"] for name in
            ("gateway", "referrals", "tasking", "notifications", "casereview")}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert load_config("tasking", {**env, "WARDLINE_CALLER_KEY": "c" * 32})[
        "CALLER_KEY"] == "c" * 32


def test_during_a_rotation_the_caller_key_signs_and_both_are_accepted(tmp_path):
    env = {"WARDLINE_VAR_DIR": str(tmp_path), "WARDLINE_CALLER_KEY": "n" * 32}
    assert load_config("referrals", env)["CALLER_KEYS_ACCEPTED"] == ["n" * 32]
    rotating = load_config("referrals", {**env, "WARDLINE_CALLER_KEY_ACCEPTED": "o" * 32})
    assert rotating["CALLER_KEY"] == "n" * 32
    assert rotating["CALLER_KEYS_ACCEPTED"] == ["n" * 32, "o" * 32]


def test_a_short_or_placeholder_signing_key_is_refused():
    import pytest

    from shared.config import ConfigError
    for key, why in (("k" * 31, "at least 32"),
                     ("change-me-to-64-random-hex-characters", "placeholder")):
        with pytest.raises(ConfigError, match=why):
            load_config("gateway", {"WARDLINE_SECRET_KEY": key,
                                    "WARDLINE_CALLER_KEY": "c" * 32})
        with pytest.raises(ConfigError, match=f"WARDLINE_CALLER_KEY .*{why}"):
            load_config("referrals", {"WARDLINE_CALLER_KEY": key})
        with pytest.raises(ConfigError, match=f"WARDLINE_CALLER_KEY_ACCEPTED .*{why}"):
            load_config("referrals", {"WARDLINE_CALLER_KEY": "c" * 32,
                                      "WARDLINE_CALLER_KEY_ACCEPTED": key})


def test_the_k8s_sample_key_is_one_the_loader_refuses():
    import yaml

    from shared.config import PLACEHOLDER_KEYS
    root = Path(__file__).resolve().parents[2]
    documents = yaml.safe_load_all((root / "deploy/k8s/config.yaml").read_text())
    [secret] = [d for d in documents if d["kind"] == "Secret"]
    assert secret["stringData"]["WARDLINE_SECRET_KEY"] in PLACEHOLDER_KEYS
    assert secret["stringData"]["WARDLINE_CALLER_KEY"] in PLACEHOLDER_KEYS


def test_a_services_own_url_stands_in_for_the_shared_one_as_its_own_role():
    shared = {"WARDLINE_DATABASE_URL": "postgresql://wardline@pgbouncer:6432/w",
              "WARDLINE_DATABASE_DIRECT_URL": "postgresql://wardline@db:5432/w"}
    own = {**shared, "WARDLINE_GATEWAY_DATABASE_URL": "postgresql://gw:pw@pgbouncer:6432/w"}
    gateway = load_config("gateway", {**own, "WARDLINE_SECRET_KEY": "k" * 32})
    assert gateway["DATABASE_URL"] == "postgresql://gw:pw@pgbouncer:6432/w"
    # The shared direct URL is another role's: it does not stand in for the gateway's own.
    assert gateway["DATABASE_DIRECT_URL"] == "postgresql://gw:pw@pgbouncer:6432/w"
    both = {**own, "WARDLINE_GATEWAY_DATABASE_DIRECT_URL": "postgresql://gw:pw@db:5432/w",
            "WARDLINE_SECRET_KEY": "k" * 32}
    assert load_config("gateway", both)["DATABASE_DIRECT_URL"] == "postgresql://gw:pw@db:5432/w"
    assert load_config("gateway", both)["DATABASE_POOLED"] is True
    tasking = load_config("tasking", own)
    assert (tasking["DATABASE_URL"], tasking["DATABASE_DIRECT_URL"]) == (
        shared["WARDLINE_DATABASE_URL"], shared["WARDLINE_DATABASE_DIRECT_URL"])
