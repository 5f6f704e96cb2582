"""deploy/: Kubernetes manifests checked against Kubernetes' own schemas (offline, with
kubernetes-validate), and the compose files checked for what operations rely on."""
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from wardline.services import SERVICES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


class ComposeLoader(yaml.SafeLoader):
    """Compose's `!override` / `!reset` tags, read as plain values."""


ComposeLoader.add_multi_constructor("!", lambda loader, suffix, node: (
    loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
    else loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
    else loader.construct_scalar(node)))


def manifests():
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path.name, document


@pytest.mark.parametrize("name, resource", list(manifests()),
                         ids=lambda v: v if isinstance(v, str) else v["kind"])
def test_every_manifest_is_valid_kubernetes(name, resource):
    kubernetes_validate.validate(resource, "1.37.0", strict=True)


def test_every_service_is_deployed_with_replicas_and_health_probes():
    deployments = {r["metadata"]["name"]: r for _, r in manifests() if r["kind"] == "Deployment"}
    assert set(deployments) >= set(SERVICES)
    for name, deployment in deployments.items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert deployment["spec"]["replicas"] >= 2, name
        assert container["args"] == ["run", name]
        # liveness never looks at dependencies; readiness does (the gateway: its own only)
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez", name
        assert container["readinessProbe"]["httpGet"]["path"] == (
            "/readyz" if name == "gateway" else "/health"), name


def test_the_gateway_is_reachable_through_a_service_and_an_ingress_with_tls():
    kinds = {(r["kind"], r["metadata"]["name"]) for _, r in manifests()}
    assert {("Service", "gateway"), ("Ingress", "gateway"), ("ConfigMap", "wardline-config"),
            ("Secret", "wardline-secrets"), ("Job", "wardline-migrate")} <= kinds


def test_compose_runs_every_service_after_migrations_with_health_checks():
    compose = yaml.load((DEPLOY / "docker-compose.yml").read_text(), ComposeLoader)
    services = compose["services"]
    for name in SERVICES:
        assert services[name]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully"
        assert "test" in services[name]["healthcheck"], name
    for infrastructure in ("rabbitmq", "postgres"):
        assert "healthcheck" in services[infrastructure]


def test_the_production_variant_clusters_three_rabbitmq_nodes():
    prod = yaml.load((DEPLOY / "docker-compose.prod.yml").read_text(), ComposeLoader)
    nodes = [n for n in prod["services"] if n.startswith("rabbitmq")]
    assert len(nodes) == 3
    cluster = prod["configs"]["rabbitmq-cluster"]["content"]
    assert all(f"rabbit@{node}" in cluster for node in nodes)
    assert all(prod["services"][name]["deploy"]["replicas"] >= 2 for name in SERVICES)


def test_compose_pools_through_pgbouncer_in_transaction_mode_with_leases_direct():
    compose = yaml.load((DEPLOY / "docker-compose.yml").read_text(), ComposeLoader)
    for name in SERVICES:
        env = compose["services"][name]["environment"]
        own = f"WARDLINE_{name.upper()}_DATABASE_"
        assert "@pgbouncer:6432/" in env[own + "URL"]
        assert "@postgres:5432/" in env[own + "DIRECT_URL"]
    ini = compose["configs"]["pgbouncer-ini"]["content"]
    settings = dict(line.split(" = ", 1) for line in ini.splitlines() if " = " in line)
    assert settings["pool_mode"] == "transaction"
    # the budget: the production variant's processes x pool size <= max_client_conn
    prod = yaml.load((DEPLOY / "docker-compose.prod.yml").read_text(), ComposeLoader)
    processes = sum(prod["services"][name]["deploy"]["replicas"] for name in SERVICES)
    assert processes * 10 <= int(settings["max_client_conn"])
    # a pool per service role, and at most max_db_connections to PostgreSQL in all
    assert int(settings["max_db_connections"]) < 100


def role_of(url):
    return url.split("://", 1)[1].split(":", 1)[0]


def test_compose_runs_each_service_as_its_own_role_and_only_migrate_as_the_owner():
    compose = yaml.load((DEPLOY / "docker-compose.yml").read_text(), ComposeLoader)
    users = compose["configs"]["pgbouncer-users"]["content"]
    for name in SERVICES:
        env = compose["services"][name]["environment"]
        urls = {key: value for key, value in env.items() if "DATABASE" in key}
        assert set(urls) == {f"WARDLINE_{name.upper()}_DATABASE_URL",
                             f"WARDLINE_{name.upper()}_DATABASE_DIRECT_URL"}, name
        assert {role_of(url) for url in urls.values()} == {f"wardline_{name}"}
        assert f'"wardline_{name}"' in users
    migrate = compose["services"]["migrate"]["environment"]
    assert role_of(migrate["WARDLINE_DATABASE_ADMIN_URL"]) == \
        compose["services"]["postgres"]["environment"]["POSTGRES_USER"]
    assert all(f"WARDLINE_{name.upper()}_DATABASE_URL" in migrate for name in SERVICES)


def test_k8s_gives_each_service_its_own_database_secret_and_the_owner_to_the_job_alone():
    deployments = {r["metadata"]["name"]: r for _, r in manifests() if r["kind"] == "Deployment"}
    secrets = {r["metadata"]["name"]: r for _, r in manifests() if r["kind"] == "Secret"}
    assert "WARDLINE_DATABASE_URL" not in secrets["wardline-secrets"]["stringData"]
    for name in SERVICES:
        [container] = deployments[name]["spec"]["template"]["spec"]["containers"]
        refs = {e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e}
        assert refs == {"wardline-secrets", f"wardline-{name}-database"}, name
        own = secrets[f"wardline-{name}-database"]["stringData"]
        assert set(own) == {f"WARDLINE_{name.upper()}_DATABASE_URL"}
        assert role_of(own[f"WARDLINE_{name.upper()}_DATABASE_URL"]) == f"wardline_{name}"
    [job] = [r for _, r in manifests() if r["kind"] == "Job"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    refs = {e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e}
    assert refs == {"wardline-secrets", "wardline-database-owner"} | {
        f"wardline-{name}-database" for name in SERVICES}
    assert "WARDLINE_DATABASE_ADMIN_URL" in secrets["wardline-database-owner"]["stringData"]


def test_the_production_proxy_and_the_ingress_serve_tls_with_hsts():
    prod = yaml.load((DEPLOY / "docker-compose.prod.yml").read_text(), ComposeLoader)
    proxy = prod["configs"]["nginx-gateway"]["content"]
    assert "listen 443 ssl" in proxy and "ssl_certificate " in proxy
    assert "add_header Strict-Transport-Security" in proxy and "always" in proxy
    assert "return 301 https://" in proxy  # plain HTTP only redirects
    assert "443:443" in prod["services"]["proxy"]["ports"]
    [ingress] = [r for _, r in manifests() if r["kind"] == "Ingress"]
    assert ingress["spec"]["tls"]
    assert ingress["metadata"]["annotations"][
        "nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"


def test_compose_logs_each_service_in_as_its_own_broker_user_with_no_guest():
    compose = yaml.load((DEPLOY / "docker-compose.yml").read_text(), ComposeLoader)
    services = compose["services"]
    for name in SERVICES:
        env = services[name]["environment"]
        assert env["WARDLINE_AMQP_URI"].startswith(f"amqp://wardline-{name}:"), name
        assert env["WARDLINE_BUS_PRODUCERS"] == "wardline-{service}", name
    assert services["migrate"]["environment"]["WARDLINE_AMQP_URI"].startswith(
        "amqp://wardline-operator:")
    rabbitmq = services["rabbitmq"]
    assert "RABBITMQ_DEFAULT_USER" not in rabbitmq.get("environment", {})
    assert "load_definitions = /etc/rabbitmq/definitions.json" in \
        compose["configs"]["rabbitmq-definitions-conf"]["content"]
    prod = yaml.load((DEPLOY / "docker-compose.prod.yml").read_text(), ComposeLoader)
    for node in (n for n in prod["services"] if n.startswith("rabbitmq")):
        node = prod["services"][node]
        assert "RABBITMQ_DEFAULT_USER" not in node["environment"]
        assert {c["source"] for c in node["configs"]} >= {"rabbitmq-definitions",
                                                          "rabbitmq-definitions-conf"}


def test_kubernetes_gives_each_service_its_own_broker_login_over_tls():
    resources = list(manifests())
    [amqp] = [r for _, r in resources if r["kind"] == "Secret"
              and r["metadata"]["name"] == "wardline-amqp"]
    pods = {r["metadata"]["name"]: r["spec"]["template"]["spec"]["containers"][0]
            for _, r in resources if r["kind"] in ("Deployment", "Job")}
    for name, container in pods.items():
        user = "operator" if name == "wardline-migrate" else name
        [env] = [e for e in container["env"] if e["name"] == "WARDLINE_AMQP_URI"]
        key = env["valueFrom"]["secretKeyRef"]
        assert (key["name"], key["key"]) == ("wardline-amqp", user), name
        assert amqp["stringData"][user].startswith(f"amqps://wardline-{user}:"), name
    [config] = [r for _, r in resources if r["kind"] == "ConfigMap"]
    assert config["data"]["WARDLINE_BUS_PRODUCERS"] == "wardline-{service}"
    [shared] = [r for _, r in resources if r["metadata"]["name"] == "wardline-secrets"]
    assert "WARDLINE_AMQP_URI" not in shared["stringData"]
