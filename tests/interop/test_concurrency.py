"""Many calls multiplexed on one HTTP/2 connection."""

from __future__ import annotations

from helpers import RPC_TIMEOUT_S


def test_200_concurrent_unary_calls(pb, stub):
    futures = [
        stub.Unary.future(pb.testing_pb2.TestRequest(payload=f"call {i}".encode(), delay_ms=20), timeout=RPC_TIMEOUT_S)
        for i in range(200)
    ]
    payloads = [f.result().payload for f in futures]
    assert payloads == [f"call {i}".encode() for i in range(200)]


def test_concurrent_streams(pb, stub):
    calls = [
        stub.ServerStream(pb.testing_pb2.TestRequest(payload=bytes([i]), response_count=20), timeout=RPC_TIMEOUT_S)
        for i in range(50)
    ]
    for i, call in enumerate(calls):
        responses = list(call)
        assert [r.index for r in responses] == list(range(20))
        assert all(r.payload == bytes([i]) for r in responses)


def test_1000_sequential_calls(pb, stub):
    for i in range(1000):
        assert stub.Echo(pb.testing_pb2.EchoRequest(payload=i.to_bytes(4, "big")), timeout=RPC_TIMEOUT_S).payload == i.to_bytes(4, "big")
