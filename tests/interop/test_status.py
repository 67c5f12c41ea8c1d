"""Status codes and grpc-message (percent-encoded on the wire) reach a stock client intact."""

from __future__ import annotations

import grpc
import pytest

from helpers import RPC_TIMEOUT_S

NON_OK_CODES = [code for code in grpc.StatusCode if code is not grpc.StatusCode.OK]
UNICODE_MESSAGE = "Größe nicht gefunden\nzweite Zeile ✓"


def test_all_sixteen_codes_are_covered():
    assert sorted(code.value[0] for code in NON_OK_CODES) == list(range(1, 17))


def test_non_ascii_message_with_newline(pb, stub):
    request = pb.testing_pb2.TestRequest(status_code=5, status_message=UNICODE_MESSAGE)
    with pytest.raises(grpc.RpcError) as info:
        stub.Unary(request, timeout=RPC_TIMEOUT_S)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
    assert info.value.details() == UNICODE_MESSAGE


@pytest.mark.parametrize("code", NON_OK_CODES, ids=lambda c: c.name)
def test_status_code(pb, stub, code):
    number = code.value[0]
    message = f"status {number} ({code.name}): 100% fail, a=b&c; ünïcødé"
    with pytest.raises(grpc.RpcError) as info:
        stub.Unary(pb.testing_pb2.TestRequest(status_code=number, status_message=message), timeout=RPC_TIMEOUT_S)
    assert info.value.code() == code
    assert info.value.details() == message


def test_status_on_server_stream(pb, stub):
    request = pb.testing_pb2.TestRequest(response_count=3, status_code=9, status_message=UNICODE_MESSAGE)
    with pytest.raises(grpc.RpcError) as info:
        list(stub.ServerStream(request, timeout=RPC_TIMEOUT_S))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert info.value.details() == UNICODE_MESSAGE


def test_unknown_method_is_unimplemented(channel):
    call = channel.unary_unary("/voiceshop.testing.v1.TestService/NoSuchMethod")
    with pytest.raises(grpc.RpcError) as info:
        call(b"", timeout=RPC_TIMEOUT_S)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_unknown_service_is_unimplemented(channel):
    call = channel.unary_unary("/voiceshop.nosuch.v1.Nothing/Call")
    with pytest.raises(grpc.RpcError) as info:
        call(b"", timeout=RPC_TIMEOUT_S)
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
