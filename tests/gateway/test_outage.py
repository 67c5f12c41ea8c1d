"""A downstream service killed mid-test: the gateway answers 503 in the documented shape
within the deadline (never hangs), readiness says which service is down, and it recovers
once the service is back."""

from __future__ import annotations

import signal
import time

import mesh as m


def test_rec_svc_killed_then_restarted(cluster):
    mesh = m.Mesh(cluster, gateway_flags=["--request-deadline-ms", "1500"])
    try:
        status, _, answer = mesh.search("show me red dresses under fifty dollars")
        assert status == 200, answer

        mesh.rec.stop(signal.SIGKILL)
        started = time.monotonic()
        status, headers, body = mesh.search("show me red dresses under fifty dollars")
        elapsed = time.monotonic() - started
        assert status == 503, body
        assert body["error"]["code"] == "unavailable" and body["error"]["details"]["stage"] == "rec"
        assert body["error"]["details"]["intent"] == "search_products"
        assert body["error"]["details"]["corrected_text"]
        assert headers["retry-after"] == "1"
        assert elapsed < 1.5 + 0.5, elapsed
        status, _, body = mesh.request("GET", "/readyz", key=None)
        assert status == 503 and body["error"]["details"]["services"]["rec-svc"] != "SERVING", body

        mesh.restart_rec()
        deadline = time.monotonic() + 30
        while True:
            status, _, answer = mesh.search("show me red dresses under fifty dollars")
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status == 200 and answer["results"], answer
        status, _, _ = mesh.request("GET", "/readyz", key=None)
        assert status == 200
    finally:
        mesh.stop()


def test_gateway_exits_cleanly_on_sigterm(cluster):
    mesh = m.Mesh(cluster)
    try:
        assert mesh.gateway.stop(signal.SIGTERM) == 0
        messages = [line.get("msg") for line in mesh.gateway.lines]
        assert "http shutting down" in messages and messages[-1] == "stopped", messages
    finally:
        mesh.stop()
