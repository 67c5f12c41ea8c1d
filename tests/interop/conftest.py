"""Fixtures for the interop tests: a stock grpcio client against our server.

See servers.py for INTEROP_TARGET / INTEROP_SERVER / VOICESHOP_TESTSERVER.
"""

from __future__ import annotations

import os

try:
    import grpc
except ImportError as error:  # pragma: no cover
    raise ImportError(
        "grpcio is missing: run `make setup` and use .voiceshop/venv/bin/python -m pytest tests/interop"
    ) from error

import pytest

import pg
import protostubs
import servers
from helpers import CHANNEL_OPTIONS, RPC_TIMEOUT_S

# The server started for this session, so that its logs can be shown when tests fail.
_started: list[servers.ServerProcess] = []


def pytest_report_header(config):
    kind = servers.server_kind()
    if kind == "external":
        return f"interop server: already running at {os.environ['INTEROP_TARGET']}"
    return f"interop server: {kind}: {' '.join(servers.server_command(kind, check=False))}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if exitstatus != 0 and _started:
        server = _started[0]
        terminalreporter.section(f"{server.kind} server logs (exit code {server.process.returncode})")
        terminalreporter.write_line(server.logs())


@pytest.fixture(scope="session")
def pb(tmp_path_factory):
    """The generated stub modules (testing_pb2, testing_pb2_grpc, health_pb2, health_pb2_grpc)."""
    return protostubs.load(tmp_path_factory.mktemp("stubs"))


@pytest.fixture(scope="session")
def server_kind() -> str:
    return servers.server_kind()


@pytest.fixture(scope="session")
def server_address(tmp_path_factory, server_kind):
    """HOST:PORT of the server under test, started for the session unless INTEROP_TARGET is set."""
    if server_kind == "external":
        yield os.environ["INTEROP_TARGET"]
        return
    server = servers.start_server(server_kind, tmp_path_factory.mktemp("server-logs"))
    _started.append(server)
    try:
        yield server.address
    finally:
        server.stop()


@pytest.fixture(scope="session")
def channel(server_address):
    with grpc.insecure_channel(server_address, options=CHANNEL_OPTIONS) as ch:
        grpc.channel_ready_future(ch).result(timeout=RPC_TIMEOUT_S)
        yield ch


@pytest.fixture(scope="session")
def stub(pb, channel):
    """A voiceshop.testing.v1.TestService client."""
    return pb.testing_pb2_grpc.TestServiceStub(channel)


@pytest.fixture(scope="session")
def health(pb, channel):
    """A grpc.health.v1.Health client."""
    return pb.health_pb2_grpc.HealthStub(channel)


@pytest.fixture
def stats(pb, stub):
    """Returns a function that reads the server's Stats."""

    def read():
        return stub.GetStats(pb.testing_pb2.StatsRequest(), timeout=RPC_TIMEOUT_S)

    return read



@pytest.fixture(scope="session")
def postgres_server():
    """The connection string (without dbname) of a PostgreSQL server for the session."""
    if os.environ.get("POSTGRES_URL"):
        yield os.environ["POSTGRES_URL"]
        return
    cluster = pg.Cluster()
    try:
        yield cluster.server
    finally:
        cluster.stop()


@pytest.fixture
def database_url(postgres_server):
    """A new, empty database."""
    return pg.new_database(postgres_server)
