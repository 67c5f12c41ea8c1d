"""Graceful shutdown: on SIGTERM the server finishes the calls in flight and exits 0.

Starts its own server process (not the session's), so it is skipped with INTEROP_TARGET.
"""

from __future__ import annotations

import time

import grpc
import pytest

import servers
from helpers import CHANNEL_OPTIONS, RPC_TIMEOUT_S


@pytest.fixture
def own_server(server_kind, tmp_path):
    if server_kind == "external":
        pytest.skip("INTEROP_TARGET is set: no server process to signal")
    server = servers.start_server(server_kind, tmp_path)
    yield server
    server.stop()


def test_sigterm_drains_calls_in_flight(pb, own_server):
    with grpc.insecure_channel(own_server.address, options=CHANNEL_OPTIONS) as channel:
        stub = pb.testing_pb2_grpc.TestServiceStub(channel)
        assert stub.Unary(pb.testing_pb2.TestRequest(payload=b"warm"), timeout=RPC_TIMEOUT_S).payload == b"warm"
        in_flight = [
            stub.Unary.future(pb.testing_pb2.TestRequest(payload=bytes([i]), delay_ms=700), timeout=RPC_TIMEOUT_S)
            for i in range(10)
        ]
        time.sleep(0.2)  # let the calls reach their handlers
        started = time.monotonic()
        exit_code = own_server.stop(timeout=15.0)
        assert [f.result().payload for f in in_flight] == [bytes([i]) for i in range(10)]
    assert exit_code == 0, f"exit code {exit_code}\n{own_server.logs()}"
    assert time.monotonic() - started < 10.0
