"""Deadlines (grpc-timeout) and cancellation (RST_STREAM) seen from both sides."""

from __future__ import annotations

import time

import grpc
import pytest

from helpers import RPC_TIMEOUT_S, wait_until


def test_deadline_expires(pb, stub):
    request = pb.testing_pb2.TestRequest(payload=b"slow", delay_ms=2000)
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as info:
        stub.Unary(request, timeout=0.2)
    elapsed = time.monotonic() - started
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert elapsed < 1.0, f"the call took {elapsed:.2f} s"


def test_expired_deadline_is_observed_by_server(pb, stub, stats):
    before = stats().cancelled_calls
    with pytest.raises(grpc.RpcError) as info:
        stub.Unary(pb.testing_pb2.TestRequest(delay_ms=2000), timeout=0.2)
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    after = wait_until(lambda: stats().cancelled_calls > before, timeout=5.0)
    assert after, "the server did not count the call whose deadline expired as cancelled"


# grpcio (grpc-core) writes grpc-timeout exactly in milliseconds below 1 s, but rounds longer
# timeouts *up* to a coarser unit (seen here: 5 s is sent as about 5.01 s, 120 s as 121 s), so a
# server may legitimately see up to ~1 % more than the client's timeout.
@pytest.mark.parametrize("timeout_s, slack", [(0.9, 1.0), (5.0, 1.01)], ids=["900ms", "5s"])
def test_deadline_propagated_to_server(pb, stub, timeout_s, slack):
    response = stub.Unary(pb.testing_pb2.TestRequest(), timeout=timeout_s)
    assert 0 < response.deadline_remaining_ms <= timeout_s * 1000 * slack


def test_no_deadline(pb, stub):
    # No timeout on the call (so no grpc-timeout header); the wait for the answer is bounded here.
    response = stub.Unary.future(pb.testing_pb2.TestRequest()).result(timeout=RPC_TIMEOUT_S)
    assert response.deadline_remaining_ms == -1


def test_cancel_mid_stream(pb, stub, stats):
    before = stats().cancelled_calls
    call = stub.ServerStream(pb.testing_pb2.TestRequest(response_count=1000, delay_ms=10), timeout=RPC_TIMEOUT_S)
    assert [next(call).index for _ in range(3)] == [0, 1, 2]
    call.cancel()
    with pytest.raises(grpc.RpcError) as info:
        for _ in call:
            pass
    assert info.value.code() == grpc.StatusCode.CANCELLED
    observed = wait_until(lambda: stats().cancelled_calls > before, timeout=5.0)
    assert observed, "the server did not observe the client's RST_STREAM"


def test_server_works_after_cancellation(pb, stub):
    response = stub.Unary(pb.testing_pb2.TestRequest(payload=b"still here"), timeout=RPC_TIMEOUT_S)
    assert response.payload == b"still here"
