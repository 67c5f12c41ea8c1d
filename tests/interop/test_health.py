"""grpc.health.v1.Health, as Kubernetes gRPC probes and grpc_health_probe call it."""

from __future__ import annotations

import grpc
import pytest

from helpers import RPC_TIMEOUT_S, TEST_SERVICE


@pytest.mark.parametrize("service", ["", TEST_SERVICE], ids=["server", "TestService"])
def test_check_serving(pb, health, service):
    response = health.Check(pb.health_pb2.HealthCheckRequest(service=service), timeout=RPC_TIMEOUT_S)
    assert response.status == pb.health_pb2.HealthCheckResponse.SERVING


def test_check_unknown_service(pb, health):
    with pytest.raises(grpc.RpcError) as info:
        health.Check(pb.health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=RPC_TIMEOUT_S)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("service", ["", TEST_SERVICE], ids=["server", "TestService"])
def test_watch_sends_serving_first(pb, health, service):
    call = health.Watch(pb.health_pb2.HealthCheckRequest(service=service), timeout=RPC_TIMEOUT_S)
    try:
        assert next(call).status == pb.health_pb2.HealthCheckResponse.SERVING
    finally:
        call.cancel()


def test_watch_unknown_service(pb, health):
    """The health protocol: Watch for an unknown service sends SERVICE_UNKNOWN and keeps the call open."""
    call = health.Watch(pb.health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=RPC_TIMEOUT_S)
    try:
        assert next(call).status == pb.health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
    finally:
        call.cancel()
