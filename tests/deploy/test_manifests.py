"""Every kustomization renders, and every rendered object is valid for Kubernetes.

kubernetes-validate ships the Kubernetes OpenAPI schemas in its wheel (no network). Strict mode
rejects fields the schema does not know, so a misspelt `readinesProbe` fails here instead of
being dropped silently by the API server.
"""
import copy

import kubernetes_validate
import pytest

from conftest import KUSTOMIZATIONS

# The oldest Kubernetes the manifests are written for (gRPC probes are GA since 1.27, the
# PodDisruptionBudget's unhealthyPodEvictionPolicy since 1.31), and the newest the pinned
# kubernetes-validate knows, to catch an API removed since.
KUBERNETES_VERSIONS = ["1.32.0", "1.37.0"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_schema_valid(rendered, kustomization, version):
    errors = []
    for doc in rendered[kustomization]:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as error:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {str(error).splitlines()[0]}")
    assert not errors, "\n".join(errors)


def test_schema_validation_catches_a_misspelt_field(rendered):
    deployment = copy.deepcopy(next(d for d in rendered["overlays/prod"] if d["kind"] == "Deployment"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_one_namespace_per_overlay(rendered, kustomization):
    if kustomization == "base":
        return
    namespaced = [d for d in rendered[kustomization] if d["kind"] != "Namespace"]
    namespaces = {d["metadata"].get("namespace") for d in namespaced}
    assert len(namespaces) == 1 and None not in namespaces, namespaces
    assert [d["metadata"]["name"] for d in rendered[kustomization] if d["kind"] == "Namespace"] == list(namespaces)
