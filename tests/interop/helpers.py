"""Constants and small helpers shared by the interop tests."""

from __future__ import annotations

import time

MiB = 1024 * 1024
# grpcio's client limits default to 4 MiB receive; the tests send and receive more than that.
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * MiB),
    ("grpc.max_send_message_length", 64 * MiB),
]
# Every RPC in the suite has a deadline, so a broken server fails a test instead of hanging it.
RPC_TIMEOUT_S = 20.0
TEST_SERVICE = "voiceshop.testing.v1.TestService"


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.05):
    """Polls `predicate` until it returns a truthy value or `timeout` passes; returns the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)
