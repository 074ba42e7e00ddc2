"""The deployment files against the real app: the monitoring queries name metrics and endpoints
the app really exposes, and the Kubernetes wait-for-migration check tells an unmigrated
database from a migrated one. (Syntax and schemas are checked by ``make check-deploy``.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "deploy" / "monitoring"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "intrasoft.json"
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def alert_expressions() -> list[str]:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel.get("targets", [])]


def exposed_metric_names(client) -> set[str]:
    client.get("/health")  # at least one request counted
    body = client.get("/metrics").get_data(as_text=True)
    return {line.split("{")[0].split(" ")[0] for line in body.splitlines() if line and not line.startswith("#")}


def test_every_intrasoft_metric_in_the_alerts_and_the_dashboard_is_exposed(client):
    exposed = exposed_metric_names(client)
    used = set()
    for expression in alert_expressions() + dashboard_expressions():
        used.update(re.findall(r"\bintrasoft_[a-z0-9_]+", expression))
    assert used, "no intrasoft metric is used"
    missing = sorted(name for name in used if name not in exposed)
    assert not missing, f"not exposed by /metrics: {missing}"
    assert {name for name in used if name.endswith(HISTOGRAM_SUFFIXES)}  # the latency percentiles


def test_every_endpoint_label_in_the_alerts_and_the_dashboard_is_a_route_of_the_app(app):
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    for expression in alert_expressions() + dashboard_expressions():
        for value in re.findall(r'endpoint(?:=|!=|=~|!~)"([^"]+)"', expression):
            for endpoint in value.split("|"):
                assert endpoint in routes, f"{endpoint!r} (in {expression!r}) is not a route"


def wait_for_migration_command() -> str:
    """The init container's check, exactly as in deploy/k8s/api-deployment.yaml."""
    deployment = yaml.safe_load((ROOT / "deploy" / "k8s" / "api-deployment.yaml").read_text())
    (init,) = deployment["spec"]["template"]["spec"]["initContainers"]
    loop = init["command"][-1]
    condition = re.match(r"until (.+?); do", loop).group(1)
    scheduler = yaml.safe_load((ROOT / "deploy" / "k8s" / "scheduler-deployment.yaml").read_text())
    assert scheduler["spec"]["template"]["spec"]["initContainers"][0]["command"] == init["command"]
    return condition


def test_the_wait_for_migration_check_passes_only_once_the_database_is_at_head(tmp_path):
    condition = wait_for_migration_command()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MYSQL_", "DATABASE_URL", "ENV_FILE"))},
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "FLASK_APP": "intrasoft",
        "ENV_FILE": "",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "k8s.db"),
        "LOG_LEVEL": "WARNING",
    }

    def check() -> int:
        return subprocess.run(["sh", "-c", condition], cwd=ROOT, env=env, capture_output=True).returncode

    def flask(*args: str) -> None:
        subprocess.run(
            [str(Path(sys.executable).parent / "flask"), *args], cwd=ROOT, env=env, check=True, capture_output=True
        )

    assert check() != 0  # an empty database: the pods keep waiting
    flask("setup-db")
    assert check() == 0  # the migration Job is done
    flask("db", "downgrade", "--", "-1")
    assert check() != 0  # the previous release's schema: new pods wait
