"""Structural checks of the deployment files that no installed validator covers.

``python .ci/check_deploy_files.py COMPOSE_JSON`` (run by .ci/check-deploy with PyYAML):

* every build context and Dockerfile named by the compose file exists (compose-go does not
  notice a missing one);
* deploy/k8s/kustomization.yaml lists files that exist, and every manifest of the folder
  except the committed example Secret (kubernetes-validate has no schema for a Kustomization);
* the Grafana dashboard parses, its panels have unique ids and a query each, and they use
  the provisioned Prometheus data source;
* the Grafana provisioning files parse.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
GRAFANA = ROOT / "deploy" / "monitoring" / "grafana"
NOT_APPLIED = {"kustomization.yaml", "secret.example.yaml"}


def compose_builds(config: dict) -> list[str]:
    problems = []
    for name, service in config["services"].items():
        build = service.get("build")
        if not build:
            continue
        context = Path(build["context"])
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        if not context.is_dir():
            problems.append(f"compose service {name}: build context {context} is missing")
        if not dockerfile.is_file():
            problems.append(f"compose service {name}: {dockerfile} is missing")
    return problems


def kustomization() -> list[str]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = kustomization.get("resources", [])
    problems = [f"kustomization.yaml: {name} does not exist" for name in listed if not (K8S / name).is_file()]
    for path in sorted(K8S.glob("*.yaml")):
        if path.name not in NOT_APPLIED and path.name not in listed:
            problems.append(f"kustomization.yaml does not list {path.name}")
    if kustomization.get("kind") != "Kustomization":
        problems.append("kustomization.yaml: kind must be Kustomization")
    return problems


def grafana() -> list[str]:
    problems = []
    datasources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uids = {source["uid"] for source in datasources["datasources"]}
    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "intrasoft.yml").read_text())
    if not providers.get("providers"):
        problems.append("dashboards provisioning: no provider")
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        ids = [panel["id"] for panel in dashboard["panels"]]
        if len(ids) != len(set(ids)):
            problems.append(f"{path.name}: duplicate panel ids")
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                continue
            if panel.get("datasource", {}).get("uid") not in uids:
                problems.append(f"{path.name}: panel {panel['title']!r} uses an unprovisioned data source")
            if not panel.get("targets") or not all(target.get("expr") for target in panel["targets"]):
                problems.append(f"{path.name}: panel {panel['title']!r} has no query")
    return problems


def main() -> int:
    with open(sys.argv[1]) as compose_json:
        config = json.load(compose_json)
    problems = compose_builds(config) + kustomization() + grafana()
    for problem in problems:
        print(f"  FAILED: {problem}")
    if not problems:
        print("  compose build contexts, kustomization and Grafana files: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
