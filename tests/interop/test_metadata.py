"""Request metadata, response initial metadata and trailers, and x-request-id.

With echo_metadata the server copies every request header starting with `x-echo-` into the
response's initial metadata, and again into the trailers with `-trailer` appended to the key.
A binary key keeps `-bin` last so that it can still carry bytes on the wire (base64):
`x-echo-data-bin` comes back as `x-echo-data-trailer-bin`.
"""

from __future__ import annotations

from helpers import RPC_TIMEOUT_S

BINARY = b"\x00\x01\xff"
SENT = (("x-echo-foo", "bar"), ("x-echo-data-bin", BINARY), ("x-not-echoed", "nope"))


def _assert_echoed(initial, trailing):
    initial, trailing = list(initial), list(trailing)
    assert ("x-echo-foo", "bar") in initial
    assert ("x-echo-data-bin", BINARY) in initial
    assert ("x-echo-foo-trailer", "bar") in trailing
    assert ("x-echo-data-trailer-bin", BINARY) in trailing
    assert all(key != "x-not-echoed" for key, _ in initial + trailing)


def test_unary_metadata_round_trip(pb, stub):
    request = pb.testing_pb2.TestRequest(payload=b"m", echo_metadata=True)
    response, call = stub.Unary.with_call(request, metadata=SENT, timeout=RPC_TIMEOUT_S)
    assert response.payload == b"m"
    _assert_echoed(call.initial_metadata(), call.trailing_metadata())


def test_server_stream_metadata_round_trip(pb, stub):
    call = stub.ServerStream(
        pb.testing_pb2.TestRequest(response_count=2, echo_metadata=True), metadata=SENT, timeout=RPC_TIMEOUT_S
    )
    assert [r.index for r in call] == [0, 1]
    _assert_echoed(call.initial_metadata(), call.trailing_metadata())


def test_no_echo_without_flag(pb, stub):
    _, call = stub.Unary.with_call(pb.testing_pb2.TestRequest(), metadata=SENT, timeout=RPC_TIMEOUT_S)
    keys = [key for key, _ in list(call.initial_metadata()) + list(call.trailing_metadata())]
    assert not any(key.startswith("x-echo-") for key in keys)


def test_request_id_is_passed_through(pb, stub):
    response = stub.Unary(
        pb.testing_pb2.TestRequest(), metadata=(("x-request-id", "req-7f3a-interop"),), timeout=RPC_TIMEOUT_S
    )
    assert response.request_id == "req-7f3a-interop"


def test_request_id_is_generated_when_missing(pb, stub):
    first = stub.Unary(pb.testing_pb2.TestRequest(), timeout=RPC_TIMEOUT_S).request_id
    second = stub.Unary(pb.testing_pb2.TestRequest(), timeout=RPC_TIMEOUT_S).request_id
    assert first and second
    assert first != second
