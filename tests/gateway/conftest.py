"""Fixtures: one PostgreSQL cluster per test session, and the demo mesh (rec-svc, nlu-svc,
asr-svc and the gateway as real processes)."""

from __future__ import annotations

import shutil

import pytest

import mesh as mesh_module


@pytest.fixture(scope="session")
def cluster():
    cluster = mesh_module.pg.Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def mesh(cluster):
    mesh = mesh_module.Mesh(cluster, gateway_flags=["--max-body-bytes", "4194304", "--max-audio-seconds", "20"])
    yield mesh
    mesh.stop()


@pytest.fixture(scope="session")
def asr_ready(mesh):
    """Skips voice tests while asr-svc answers UNIMPLEMENTED (until the asr-svc issue lands)."""
    if not mesh.asr_implemented():
        pytest.skip("asr-svc answers UNIMPLEMENTED on this branch: voice end-to-end tests need the asr-svc issue (6)")
    return True


@pytest.fixture(scope="session")
def flite():
    if shutil.which("flite") is None:
        pytest.fail("flite is missing: scripts/setup installs it")
    return mesh_module.flite_wav
