"""The four gRPC call kinds, called by a stock grpcio client."""

from __future__ import annotations

import queue

from helpers import RPC_TIMEOUT_S


def test_echo(pb, stub):
    reply = stub.Echo(pb.testing_pb2.EchoRequest(payload=b"x" * 100), timeout=RPC_TIMEOUT_S)
    assert reply.payload == b"x" * 100


def test_unary_echoes_payload(pb, stub):
    response = stub.Unary(pb.testing_pb2.TestRequest(payload=b"hello"), timeout=RPC_TIMEOUT_S)
    assert response.payload == b"hello"
    assert response.index == 0
    assert response.request_id


def test_unary_response_size(pb, stub):
    response = stub.Unary(pb.testing_pb2.TestRequest(payload=b"ab", response_size=1000), timeout=RPC_TIMEOUT_S)
    assert len(response.payload) == 1000


def test_unary_empty_request(pb, stub):
    response = stub.Unary(pb.testing_pb2.TestRequest(), timeout=RPC_TIMEOUT_S)
    assert response.payload == b""


def test_server_stream(pb, stub):
    request = pb.testing_pb2.TestRequest(payload=b"p", response_count=5)
    responses = list(stub.ServerStream(request, timeout=RPC_TIMEOUT_S))
    assert [r.index for r in responses] == [0, 1, 2, 3, 4]
    assert all(r.payload == b"p" for r in responses)


def test_server_stream_many_small(pb, stub):
    request = pb.testing_pb2.TestRequest(payload=b"z", response_count=500)
    responses = list(stub.ServerStream(request, timeout=RPC_TIMEOUT_S))
    assert [r.index for r in responses] == list(range(500))


def test_client_stream_concatenates(pb, stub):
    requests = [pb.testing_pb2.TestRequest(payload=p) for p in (b"ab", b"cd", b"ef")]
    response = stub.ClientStream(iter(requests), timeout=RPC_TIMEOUT_S)
    assert response.payload == b"abcdef"
    assert response.index == 3


def test_client_stream_empty(pb, stub):
    response = stub.ClientStream(iter([]), timeout=RPC_TIMEOUT_S)
    assert response.payload == b""
    assert response.index == 0


def test_bidi_interleaved(pb, stub):
    """Send one, read one: the server must answer each request before the client half-closes."""
    requests: queue.Queue = queue.Queue()
    call = stub.Bidi(iter(requests.get, None), timeout=RPC_TIMEOUT_S)
    try:
        for i in range(5):
            payload = f"message {i}".encode()
            requests.put(pb.testing_pb2.TestRequest(payload=payload))
            response = next(call)
            assert response.index == i
            assert response.payload == payload
    finally:
        requests.put(None)  # half-close
    assert list(call) == []


def test_bidi_all_at_once(pb, stub):
    requests = [pb.testing_pb2.TestRequest(payload=bytes([i])) for i in range(20)]
    responses = list(stub.Bidi(iter(requests), timeout=RPC_TIMEOUT_S))
    assert [r.index for r in responses] == list(range(20))
    assert [r.payload for r in responses] == [bytes([i]) for i in range(20)]
