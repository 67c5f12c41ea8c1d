"""The HTTP layer and the rules every route shares: auth, rate limits, limits, malformed
input, one error shape, keep-alive and HTTP/2, WebSocket, operations endpoints."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import subprocess
import uuid

import pytest
import websocket

import mesh as m


def assert_error(status, body, expected_status, code=None):
    assert status == expected_status, body
    assert set(body) == {"error"}, body
    assert {"code", "message", "request_id"} <= set(body["error"]), body
    assert body["error"]["message"] and body["error"]["request_id"]
    if code:
        assert body["error"]["code"] == code, body


def wav(seconds: float, rate: int = 16000) -> bytes:
    samples = int(rate * seconds)
    return (b"RIFF" + struct.pack("<I", 36 + samples * 2) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
            + b"data" + struct.pack("<I", samples * 2) + b"\0" * (samples * 2))


def test_auth(mesh):
    status, headers, body = mesh.search("red dresses", key=None)
    assert_error(status, body, 401, "unauthenticated")
    assert "www-authenticate" in headers
    status, _, body = mesh.search("red dresses", key="not-a-key-at-all")
    assert_error(status, body, 401, "unauthenticated")
    status, _, body = mesh.request("GET", "/v1/admin/stats")
    assert_error(status, body, 403, "permission_denied")
    status, _, body = mesh.request("GET", "/v1/admin/stats", key=None, headers={"Authorization": "Bearer wrong-token-here"})
    assert_error(status, body, 401, "unauthenticated")


def test_rate_limit_429_with_retry_after(mesh):
    statuses = []
    for _ in range(6):
        status, headers, body = mesh.request("GET", "/v1/products/x", key=m.SLOW_KEY)
        statuses.append(status)
        if status == 429:
            assert int(headers["retry-after"]) >= 1
            assert_error(status, body, 429, "rate_limited")
            break
    assert 429 in statuses, statuses


def test_body_and_audio_limits_413(mesh):
    status, _, body = mesh.request("POST", "/v1/search", b"{" + b" " * (5 << 20) + b"}", headers={"Content-Type": "application/json"})
    assert_error(status, body, 413, "body_too_large")
    status, _, body = mesh.voice(wav(25))
    assert_error(status, body, 413, "audio_too_long")
    assert "20 seconds" in body["error"]["message"]


def test_header_limit_is_refused(mesh):
    with socket.create_connection((mesh.host, mesh.port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    assert not reply.startswith(b"HTTP/1.1 200"), reply[:200]


@pytest.mark.parametrize("content_type, payload, code", [
    ("application/json", b'{"text": ', "invalid_json"),
    ("application/json", b'["text"]', "invalid_json"),
    ("application/json", b'{"text": 5}', "invalid_argument"),
    ("application/json", b'{"text": "a", "unknown": 1}', "invalid_argument"),
])
def test_malformed_json_400(mesh, content_type, payload, code):
    status, _, body = mesh.request("POST", "/v1/search", payload, headers={"Content-Type": content_type})
    assert_error(status, body, 400, code)


@pytest.mark.parametrize("content_type, payload, code", [
    ("audio/wav", b"RIFF\x10\x00\x00\x00WAVEjunkjunk", "invalid_audio"),
    ("audio/wav", b"not a wav at all", "invalid_audio"),
    ("audio/wav", wav(1)[:40], "invalid_audio"),
    ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nabc", "invalid_multipart"),
    ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nabc\r\n--zz--\r\n", "invalid_multipart"),
    ("multipart/form-data", b"--zz--", "invalid_multipart"),
])
def test_malformed_wav_and_multipart_400(mesh, content_type, payload, code):
    status, _, body = mesh.request("POST", "/v1/voice-search", payload, headers={"Content-Type": content_type})
    assert_error(status, body, 400, code)


def test_keep_alive_and_http2(mesh):
    connection = http.client.HTTPConnection(mesh.host, mesh.port, timeout=10)
    try:
        for _ in range(3):
            status, headers, body = mesh.request("GET", "/healthz", connection=connection)
            assert status == 200 and body == {"status": "ok"}
        status, _, answer = mesh.search("red dresses", connection=connection)
        assert status == 200
        assert connection.sock is not None  # the same connection served all four
    finally:
        connection.close()
    # HTTP/2: upgrade on the main port (h2c), and prior knowledge on the h2c port.
    out = subprocess.run(["curl", "-s", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", f"http://{mesh.http}/healthz"],
                         capture_output=True, text=True, timeout=20).stdout
    assert out == "2 200", out
    done = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", "-X", "POST",
                           "-H", f"Authorization: Bearer {m.API_KEY}", "-H", "Content-Type: application/json",
                           "-d", '{"text": "red dresses"}', f"http://{mesh.h2c}/v1/search"], capture_output=True, text=True, timeout=20)
    body, version = done.stdout.rsplit("\n", 1)
    # curl's own error and exit code say what went wrong when no answer came ("0 000").
    assert version == "2 200", (done.returncode, done.stderr, done.stdout, mesh.gateway.log_text()[-3000:])
    assert json.loads(body)["results"]


def test_operations_endpoints(mesh):
    status, _, body = mesh.request("GET", "/readyz", key=None)
    assert status == 200 and set(body["services"]) == {"asr-svc", "nlu-svc", "rec-svc"}, body
    status, headers, text = mesh.request("GET", "/metrics", key=None)
    assert status == 200 and headers["content-type"].startswith("text/plain")
    text = text.decode()
    assert 'gateway_http_requests_total{route="/healthz",method="GET",status="200"}' in text
    assert "gateway_stage_duration_seconds_bucket{stage=\"nlu\"" in text
    status, _, spec = mesh.request("GET", "/openapi.json", key=None)
    assert status == 200 and spec == json.loads((m.REPO / "services/gateway/openapi.json").read_text())
    status, headers, page = mesh.request("GET", "/", key=None)
    assert status == 200 and headers["content-type"].startswith("text/html") and b"app.js" in page
    status, _, body = mesh.request("GET", "/v1/nowhere")
    assert_error(status, body, 404, "not_found")
    status, headers, body = mesh.request("PUT", "/v1/search", b"{}")
    assert_error(status, body, 405, "method_not_allowed")


def test_voice_stream_websocket_bridges_to_asr(mesh, flite, tmp_path):
    """Binary WAV chunks in; partials and a final result out, or a clean error while asr-svc
    does not implement StreamingRecognize yet."""
    ws = websocket.create_connection(f"ws://{mesh.http}/v1/voice-stream?api_key={m.API_KEY}&session_id=ws-{uuid.uuid4().hex[:6]}", timeout=30)
    try:
        audio = flite("show me red dresses under fifty dollars", tmp_path)
        try:
            ws.send(json.dumps({"type": "start", "format": "wav"}))
            for offset in range(0, len(audio), 8000):
                ws.send_binary(audio[offset:offset + 8000])
            ws.send(json.dumps({"type": "end"}))
        except (BrokenPipeError, ConnectionResetError, websocket.WebSocketConnectionClosedException):
            pass  # the server may answer (an error) and close before all audio is sent
        messages = []
        while True:
            try:
                message = ws.recv()
            except (websocket.WebSocketConnectionClosedException, ConnectionResetError, BrokenPipeError):
                break
            if not message:
                break
            messages.append(json.loads(message))
            if messages[-1]["type"] in ("final", "error"):
                break
    finally:
        ws.close()
    assert messages, "no message from the voice stream"
    last = messages[-1]
    if mesh.asr_implemented():
        assert last["type"] == "final", messages
        assert last["result"]["intent"]["name"] == "search_products"
    else:
        assert last["type"] == "error" and last["error"]["code"] == "unimplemented", last


def test_voice_stream_needs_a_key(mesh):
    ws = websocket.create_connection(f"ws://{mesh.http}/v1/voice-stream", timeout=10)
    try:
        message = json.loads(ws.recv())
    finally:
        ws.close()
    assert message["type"] == "error" and message["error"]["code"] == "unauthenticated"
