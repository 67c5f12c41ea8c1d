"""Bad input never takes the server down: each case gets the right answer, and a normal
call still succeeds afterwards. Uses a raw HTTP/2 client (PyPI `h2`) to send what a stock
gRPC client never would."""

from __future__ import annotations

import os
import socket
import struct
import time

import grpc
import h2.config
import h2.exceptions
import h2.settings
import h2.connection
import h2.events
import pytest

from helpers import CHANNEL_OPTIONS, RPC_TIMEOUT_S

UNARY = "/voiceshop.testing.v1.TestService/Unary"


def grpc_frame(message: bytes, compressed: int = 0) -> bytes:
    return struct.pack(">BI", compressed, len(message)) + message


class RawH2:
    """A minimal HTTP/2 client over a socket: send requests, collect responses."""

    def __init__(self, address: str):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.flush()
        self.responses: dict[int, dict] = {}

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, path: str, body: bytes, content_type: str | None = "application/grpc", extra=(), end=True) -> int:
        stream_id = self.conn.get_next_available_stream_id()
        headers = [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "test"), ("te", "trailers")]
        if content_type is not None:
            headers.append(("content-type", content_type))
        headers += list(extra)
        self.conn.send_headers(stream_id, headers, end_stream=not body and end)
        if body:
            self.conn.send_data(stream_id, body, end_stream=end)
        self.flush()
        self.responses[stream_id] = {"headers": {}, "trailers": {}, "data": b"", "ended": False, "reset": None}
        return stream_id

    def pump(self, stream_id: int, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while not (self.responses[stream_id]["ended"] or self.responses[stream_id]["reset"] is not None):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no complete response on stream {stream_id}")
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("server closed the connection")
            for event in self.conn.receive_data(data):
                response = self.responses.get(getattr(event, "stream_id", 0))
                if isinstance(event, h2.events.ResponseReceived):
                    response["headers"] = dict(event.headers)
                elif isinstance(event, h2.events.TrailersReceived):
                    response["trailers"] = dict(event.headers)
                elif isinstance(event, h2.events.DataReceived):
                    response["data"] += event.data
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    response["ended"] = True
                elif isinstance(event, h2.events.StreamReset) and response is not None:
                    response["reset"] = event.error_code
            self.flush()
        return self.responses[stream_id]

    def close(self):
        self.sock.close()


def status_of(response: dict) -> tuple[int, str]:
    fields = response["trailers"] or response["headers"]
    return int(fields.get("grpc-status", -1)), fields.get("grpc-message", "")


@pytest.fixture
def raw(server_address):
    client = RawH2(server_address)
    yield client
    client.close()


@pytest.fixture
def still_serving(pb, server_address):
    """After each test, a normal call on a fresh channel must succeed."""
    yield
    with grpc.insecure_channel(server_address, options=CHANNEL_OPTIONS) as channel:
        stub = pb.testing_pb2_grpc.TestServiceStub(channel)
        reply = stub.Unary(pb.testing_pb2.TestRequest(payload=b"alive"), timeout=RPC_TIMEOUT_S)
        assert reply.payload == b"alive"


def valid_request(pb, **fields) -> bytes:
    return grpc_frame(pb.testing_pb2.TestRequest(**fields).SerializeToString())


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain", "application/grpcfoo"])
def test_wrong_or_missing_content_type_is_415(pb, raw, still_serving, content_type):
    response = raw.pump(raw.request(UNARY, valid_request(pb, payload=b"x"), content_type=content_type))
    assert response["headers"][":status"] == "415"


@pytest.mark.parametrize("content_type", ["application/grpc", "application/grpc+proto", "application/grpc; charset=utf-8"])
def test_grpc_content_type_variants_are_accepted(pb, raw, still_serving, content_type):
    response = raw.pump(raw.request(UNARY, valid_request(pb, payload=b"x"), content_type=content_type))
    assert status_of(response)[0] == 0


def test_unknown_method_is_unimplemented(pb, raw, still_serving):
    response = raw.pump(raw.request("/voiceshop.testing.v1.TestService/Nope", valid_request(pb)))
    code, message = status_of(response)
    assert code == grpc.StatusCode.UNIMPLEMENTED.value[0]
    assert "Nope" in message


@pytest.mark.parametrize("body", [b"\x00\x00\x00", b"\x00\x00\x00\x00\x10abc"], ids=["truncated-prefix", "truncated-message"])
def test_truncated_frames_are_internal(raw, still_serving, body):
    code, message = status_of(raw.pump(raw.request(UNARY, body)))
    assert code == grpc.StatusCode.INTERNAL.value[0]
    assert "truncated" in message


def test_compressed_flag_without_encoding_is_rejected(pb, raw, still_serving):
    body = grpc_frame(pb.testing_pb2.TestRequest(payload=b"x").SerializeToString(), compressed=1)
    code, message = status_of(raw.pump(raw.request(UNARY, body)))
    assert code == grpc.StatusCode.INTERNAL.value[0]
    assert "compressed" in message


def test_unsupported_grpc_encoding_is_unimplemented(pb, raw, still_serving):
    response = raw.pump(raw.request(UNARY, valid_request(pb), extra=[("grpc-encoding", "gzip")]))
    assert status_of(response)[0] == grpc.StatusCode.UNIMPLEMENTED.value[0]


def test_invalid_protobuf_is_invalid_argument(raw, still_serving):
    # Field 1 declared as a 100-byte length-delimited value, with 2 bytes present.
    code, message = status_of(raw.pump(raw.request(UNARY, grpc_frame(b"\x0a\x64ab"))))
    assert code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "TestRequest" in message


def test_malformed_timeout_is_rejected(pb, raw, still_serving):
    response = raw.pump(raw.request(UNARY, valid_request(pb), extra=[("grpc-timeout", "soon")]))
    assert status_of(response)[0] != 0


@pytest.mark.parametrize("garbage", [os.urandom(64), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\x00" * 24])
def test_random_bytes_instead_of_preface(server_address, still_serving, garbage):
    host, port = server_address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(garbage)
        sock.settimeout(5)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError, socket.timeout):
            pass
    # The server ends the connection (after a GOAWAY where it can), and does not hang.
    assert len(received) < 1024


def test_thousand_streams_never_read(pb, server_address, still_serving):
    """A client opens 1000 streams asking for 64 KiB each and never reads: the server's
    memory and its other clients must not suffer."""
    client = RawH2(server_address)
    try:
        client.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 65535})
        opened = 0
        for _ in range(1000):
            try:
                client.request(UNARY, valid_request(pb, response_size=64 * 1024))
                opened += 1
            except h2.exceptions.TooManyStreamsError:
                break
        assert opened >= 100
        # Do not read anything; a normal client on another connection is served meanwhile
        # (checked by the still_serving fixture), and the server keeps this one open.
        time.sleep(1.0)
    finally:
        client.close()
