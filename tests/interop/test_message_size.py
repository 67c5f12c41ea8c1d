"""Large messages (flow control both ways) and the server's max receive message size (4 MiB)."""

from __future__ import annotations

import grpc
import pytest

from helpers import RPC_TIMEOUT_S, MiB

SERVER_MAX_RECEIVE = 4 * MiB


def _pattern(n: int) -> bytes:
    return (bytes(range(251)) * (n // 251 + 1))[:n]


def test_4mib_response(pb, stub):
    response = stub.Unary(pb.testing_pb2.TestRequest(payload=b"q", response_size=4 * MiB), timeout=RPC_TIMEOUT_S)
    assert len(response.payload) == 4 * MiB


def test_4mb_request_just_under_the_limit(pb, stub):
    # payload + 5 bytes of protobuf framing (tag, 4-byte varint length) stays under 4 MiB.
    payload = _pattern(SERVER_MAX_RECEIVE - 16)
    request = pb.testing_pb2.TestRequest(payload=payload, response_size=16)
    assert request.ByteSize() <= SERVER_MAX_RECEIVE
    response = stub.Unary(request, timeout=RPC_TIMEOUT_S)
    assert len(response.payload) == 16


def test_4mb_echo_both_ways(pb, stub):
    payload = _pattern(4_000_000)
    response = stub.Unary(pb.testing_pb2.TestRequest(payload=payload), timeout=RPC_TIMEOUT_S)
    assert response.payload == payload


@pytest.mark.parametrize("size", [4 * MiB, 5 * MiB], ids=["4MiB-payload", "5MiB-payload"])
def test_request_over_the_limit(pb, stub, size):
    request = pb.testing_pb2.TestRequest(payload=bytes(size))
    assert request.ByteSize() > SERVER_MAX_RECEIVE
    with pytest.raises(grpc.RpcError) as info:
        stub.Unary(request, timeout=RPC_TIMEOUT_S)
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_server_works_after_oversized_request(pb, stub):
    response = stub.Unary(pb.testing_pb2.TestRequest(payload=b"ok"), timeout=RPC_TIMEOUT_S)
    assert response.payload == b"ok"


def test_large_client_stream(pb, stub):
    chunks = [_pattern(1 * MiB) for _ in range(3)]
    response = stub.ClientStream(iter(pb.testing_pb2.TestRequest(payload=c) for c in chunks), timeout=RPC_TIMEOUT_S)
    assert response.index == 3
    assert response.payload == b"".join(chunks)
