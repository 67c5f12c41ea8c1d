"""The deployment policy (policy.py) holds for every overlay, and each rule catches a broken copy.

The negative tests feed deliberately broken renders of the dev overlay (the one with every kind
of pod: the services, both Jobs and PostgreSQL) to the same checker and assert that the
violation is reported, so a rule that silently stopped checking would fail here.
"""
import copy

import pytest

import policy
from conftest import SERVICES

OVERLAYS = ["overlays/dev", "overlays/prod"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_follows_the_policy(rendered, overlay):
    problems = policy.check(rendered[overlay])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_is_deployed_and_scraped(rendered, overlay):
    docs = rendered[overlay]
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert sorted(deployments) == sorted(SERVICES)
    for name, deployment in deployments.items():
        annotations = deployment["spec"]["template"]["metadata"].get("annotations") or {}
        assert annotations.get("prometheus.io/scrape") == "true", name
        assert annotations.get("prometheus.io/path") == "/metrics", name
    jobs = {d["metadata"]["name"] for d in docs if d["kind"] == "Job"}
    assert "rec-svc-migrate" in jobs


def test_prod_carries_no_placeholder_secret(rendered):
    # The base's placeholder Secret is deleted in prod, so an apply cannot overwrite the real one.
    docs = rendered["overlays/prod"]
    assert not [d for d in docs if d["kind"] == "Secret"]
    assert "CHANGE-ME" not in repr(docs)
    assert not [d for d in docs if d["kind"] == "StatefulSet"], "prod uses an external PostgreSQL"


def test_dev_replaces_every_placeholder(rendered):
    (secret,) = [d for d in rendered["overlays/dev"] if d["kind"] == "Secret"]
    base = [d for d in rendered["base"] if d["kind"] == "Secret"][0]
    assert set(base["data"]) <= set(secret["data"])
    assert not set(secret["data"].values()) & set(base["data"].values())


# --- negative tests: each broken copy must be caught ---------------------------------------


def container(doc):
    return doc["spec"]["template"]["spec"]["containers"][0]


def pod_spec(doc):
    return doc["spec"]["template"]["spec"]


def pod_labels(doc):
    return doc["spec"]["template"]["metadata"]["labels"]


def edit(kind, name, change):
    """A breakage that applies change to the document kind/name."""
    def apply(docs):
        found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
        assert found, f"no {kind}/{name} in the render"
        for doc in found:
            change(doc)
    return apply


def drop(kind, name):
    def change(docs):
        docs[:] = [d for d in docs if not (d["kind"] == kind and d["metadata"]["name"] == name)]
    return change


def add_policy(app, direction, rule):
    """A breakage that adds a NetworkPolicy of one rule for the pods of app."""
    def change(docs):
        docs.append({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": f"oops-{app}-{direction.lower()}", "namespace": "voiceshop-dev"},
            "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                "policyTypes": [direction],
                direction.lower(): [rule],
            },
        })
    return change


def both(*changes):
    def change(docs):
        for one in changes:
            one(docs)
    return change


def app_peer(app):
    return {"podSelector": {"matchLabels": {"app.kubernetes.io/name": app}}}


BROKEN = {
    # what is broken: (the breakage, text of the violation that must be reported)
    "no readiness probe": (
        edit("Deployment", "asr-svc", lambda d: container(d).pop("readinessProbe")), "no readinessProbe"),
    "no liveness probe": (
        edit("Deployment", "gateway", lambda d: container(d).pop("livenessProbe")), "no livenessProbe"),
    "probe on a port the container lacks": (
        edit("Deployment", "nlu-svc", lambda d: container(d)["readinessProbe"]["grpc"].update(port=50099)),
        "probe port 50099"),
    "image tagged latest": (
        edit("Deployment", "nlu-svc", lambda d: container(d).update(image="voiceshop/nlu-svc:latest")),
        "is not pinned"),
    "image without a tag": (
        edit("Deployment", "gateway", lambda d: container(d).update(image="registry.example.com:5000/voiceshop/gw")),
        "is not pinned"),
    "no memory limit": (
        edit("Deployment", "rec-svc", lambda d: container(d)["resources"]["limits"].pop("memory")), "no limits.memory"),
    "runs as root": (
        edit("Deployment", "rec-svc", lambda d: container(d)["securityContext"].update(runAsUser=0)), "runAsUser"),
    "writable root filesystem": (
        edit("Job", "rec-svc-migrate", lambda d: container(d)["securityContext"].update(readOnlyRootFilesystem=False)),
        "readOnlyRootFilesystem"),
    "capabilities kept": (
        edit("StatefulSet", "postgres", lambda d: container(d)["securityContext"].pop("capabilities")), "drop ALL"),
    "grace period shorter than the drain": (
        edit("Deployment", "asr-svc", lambda d: pod_spec(d).update(terminationGracePeriodSeconds=30)),
        "terminationGracePeriodSeconds 30 < preStop sleep 5 + shutdown grace 35"),
    "no preStop hook": (edit("Deployment", "nlu-svc", lambda d: container(d).pop("lifecycle")), "no preStop"),
    "admin token as a literal": (
        edit("Deployment", "gateway",
             lambda d: container(d)["env"].append({"name": "GATEWAY_ADMIN_TOKEN", "value": "x" * 16})),
        "must come from a Secret"),
    "replicas next to an HPA": (edit("Deployment", "gateway", lambda d: d["spec"].update(replicas=3)), "sets replicas"),
    "service links on": (
        edit("Deployment", "rec-svc", lambda d: pod_spec(d).pop("enableServiceLinks")), "enableServiceLinks"),
    "no HPA": (drop("HorizontalPodAutoscaler", "nlu-svc"), "no HorizontalPodAutoscaler"),
    "no PDB": (drop("PodDisruptionBudget", "gateway"), "no PodDisruptionBudget"),
    "seccomp unconfined": (
        edit("Deployment", "nlu-svc",
             lambda d: pod_spec(d)["securityContext"].update(seccompProfile={"type": "Unconfined"})),
        "seccompProfile is not RuntimeDefault"),
    "privilege escalation allowed": (
        edit("Deployment", "asr-svc", lambda d: container(d)["securityContext"].update(allowPrivilegeEscalation=True)),
        "allowPrivilegeEscalation"),
    "scrape annotation on a port the pod lacks": (
        edit("Deployment", "rec-svc", lambda d: d["spec"]["template"]["metadata"]["annotations"].update(
            {"prometheus.io/port": "9999"})),
        "prometheus.io/port 9999"),
    "database URL in a ConfigMap": (
        lambda docs: next(d for d in docs if d["metadata"]["name"].startswith("rec-svc-config"))["data"].update(
            REC_SVC_DATABASE_URL="postgresql://u:p@h/db"),
        "looks like a secret"),
    "gRPC Service with a cluster IP": (
        edit("Service", "rec-svc", lambda d: d["spec"].pop("clusterIP")), "not headless"),
    "Service selecting no pod": (
        edit("Service", "nlu-svc", lambda d: d["spec"].update(selector={"app.kubernetes.io/name": "nlu"})),
        "selects no pod"),
    "default deny selects nothing": (
        edit("NetworkPolicy", "default-deny",
             lambda d: d["spec"].update(podSelector={"matchLabels": {"no": "pod"}})),
        "no NetworkPolicy of type Ingress"),
    "rec-svc open to every namespace": (
        add_policy("rec-svc", "Ingress", {"from": [{"namespaceSelector": {}}], "ports": [{"port": 50063}]}),
        "from outside the namespace into Deployment/rec-svc"),
    "a path the design does not have": (
        both(add_policy("asr-svc", "Egress", {"to": [app_peer("nlu-svc")], "ports": [{"port": 50062}]}),
             add_policy("nlu-svc", "Ingress", {"from": [app_peer("asr-svc")], "ports": [{"port": 50062}]})),
        "Deployment/asr-svc can reach Deployment/nlu-svc on port 50062"),
    "a path the design needs is closed": (
        drop("NetworkPolicy", "vocabulary-to-rec-svc"), "Deployment/asr-svc cannot reach Deployment/rec-svc"),
    "gateway labelled as a database client": (
        edit("Deployment", "gateway", lambda d: pod_labels(d).update({"voiceshop/database-client": "true"})),
        "Deployment/gateway may connect to PostgreSQL"),
    "gateway allowed out anywhere": (
        add_policy("gateway", "Egress", {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}),
        "connect outside the namespace on port any"),
}


@pytest.mark.parametrize("change,expected", BROKEN.values(), ids=BROKEN.keys())
def test_policy_catches(rendered, change, expected):
    docs = rendered["overlays/dev"]
    assert not policy.check(docs), "the unbroken render must pass first"
    broken = copy.deepcopy(docs)
    change(broken)
    problems = policy.check(broken)
    assert any(expected in p for p in problems), "not caught; reported instead:\n" + "\n".join(problems)


def test_prod_database_is_for_its_clients_only(rendered):
    # In prod the database is an address outside the cluster: a pod labelled as a client that is
    # not one is caught, and so is a client left without its way to the database.
    docs = policy.mutated(rendered["overlays/prod"], "Deployment", "nlu-svc",
                          lambda d: pod_labels(d).update({"voiceshop/database-client": "true"}))
    assert any("Deployment/nlu-svc may connect to PostgreSQL" in p for p in policy.check(docs))
    docs = copy.deepcopy(rendered["overlays/prod"])
    drop("NetworkPolicy", "database-clients-to-postgres")(docs)
    assert any("Deployment/rec-svc cannot connect to PostgreSQL" in p for p in policy.check(docs))


@pytest.mark.parametrize("image,pinned", [
    ("postgres:15.15-bookworm", True),
    ("registry.example.com:5000/voiceshop/rec-svc:0.1.0", True),
    ("voiceshop/rec-svc@sha256:" + "0" * 64, True),
    ("voiceshop/rec-svc:latest", False),
    ("voiceshop/rec-svc", False),
    ("registry.example.com:5000/voiceshop/rec-svc", False),
])
def test_image_pinning_rule(image, pinned):
    assert policy.image_is_pinned(image) is pinned
