"""Shared fixtures: the tools from the venv, and each kustomization rendered once."""
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
K8S = os.path.join(ROOT, "k8s")
# Everything kubectl kustomize can build: the base and each overlay.
KUSTOMIZATIONS = ["base"] + sorted("overlays/" + name for name in os.listdir(os.path.join(K8S, "overlays")))
SERVICES = ["asr-svc", "nlu-svc", "rec-svc", "gateway"]


def venv_tool(name):
    """A tool installed by tests/deploy/requirements.txt next to this interpreter."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run scripts/setup (tests/deploy/requirements.txt installs it)")
    return path


def render(kustomization):
    """`kubectl kustomize k8s/<kustomization>`, parsed. No cluster and no network are used."""
    env = {**os.environ, "KUBECONFIG": os.devnull}
    proc = subprocess.run(
        [venv_tool("kubectl"), "kustomize", os.path.join(K8S, kustomization)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, f"kubectl kustomize k8s/{kustomization} failed:\n{proc.stderr}"
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


@pytest.fixture(scope="session")
def rendered():
    """kustomization path → its rendered documents, rendered once per test run."""
    return {name: render(name) for name in KUSTOMIZATIONS}
