#!/usr/bin/env python3
"""A stock grpcio server for voiceshop.testing.v1.TestService and grpc.health.v1.Health.

The Swift client's interop tests call it, and the pytest suite can be pointed at it to check the
tests themselves (INTEROP_SERVER=python). It follows the semantics documented in
proto/testing/v1/testing.proto, as the Swift `voiceshop-testserver` does.

    python tests/interop/py_server.py --port 0 [--stubs DIR] [--max-receive BYTES] [--grace SECONDS]

Prints one JSON line `{"listening":"127.0.0.1:PORT"}` on stdout once bound; logs go to stderr.
SIGTERM or SIGINT: health turns NOT_SERVING, Watch streams end, calls in flight finish (up to the
grace period), exit 0.

If grpcio is not importable and the project venv (.voiceshop/venv, made by scripts/setup) exists,
the script re-executes itself with the venv's python, so `python3 tests/interop/py_server.py` works.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from concurrent import futures
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]

try:
    import grpc
except ImportError:  # pragma: no cover - depends on the interpreter used
    venv_python = REPO_ROOT / ".voiceshop" / "venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.executable).resolve() != venv_python.resolve():
        os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit("py_server: grpcio is not installed; run scripts/setup and use .voiceshop/venv/bin/python")

import protostubs  # noqa: E402  (after the grpc import check)

TEST_SERVICE = "voiceshop.testing.v1.TestService"
DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024
NO_DEADLINE_THRESHOLD_S = 10 * 365 * 24 * 3600  # grpcio reports "no deadline" as a far future
STATUS_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


def log(message: str, **fields) -> None:
    print(json.dumps({"ts": time.time(), "msg": message, **fields}), file=sys.stderr, flush=True)


def echo_trailer_key(key: str) -> str:
    """The trailer key for an echoed `x-echo-*` header: `-trailer` is appended, but a binary
    (`-bin`) key keeps its `-bin` suffix so that it can still carry bytes:
    `x-echo-foo` → `x-echo-foo-trailer`, `x-echo-data-bin` → `x-echo-data-trailer-bin`."""
    if key.endswith("-bin"):
        return key[: -len("-bin")] + "-trailer-bin"
    return key + "-trailer"


class Stats:
    """Counts finished calls; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cancelled = 0
        self.completed = 0

    def record(self, cancelled: bool) -> None:
        with self._lock:
            if cancelled:
                self.cancelled += 1
            else:
                self.completed += 1

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.cancelled, self.completed


class CallTracker:
    """Tracks one call: when the RPC terminates before the handler finished (client RST_STREAM
    or an expired deadline), the call counts as cancelled, otherwise as completed."""

    def __init__(self, stats: Stats, context: grpc.ServicerContext) -> None:
        self._stats = stats
        self._lock = threading.Lock()
        self._finished = False
        self._counted = False
        if not context.add_callback(self._on_termination):
            self._on_termination()  # already terminated

    def finish(self) -> None:
        with self._lock:
            self._finished = True

    def _on_termination(self) -> None:
        with self._lock:
            if self._counted:
                return
            self._counted = True
            cancelled = not self._finished
        self._stats.record(cancelled)


class TestService:
    """voiceshop.testing.v1.TestService."""

    def __init__(self, pb, stats: Stats) -> None:
        self.pb = pb
        self.stats = stats

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _metadata(context) -> list[tuple[str, object]]:
        return [(md.key, md.value) for md in context.invocation_metadata()]

    @staticmethod
    def _request_id(metadata) -> str:
        for key, value in metadata:
            if key == "x-request-id" and value:
                return value
        return uuid.uuid4().hex

    @staticmethod
    def _deadline_remaining_ms(context) -> int:
        remaining = context.time_remaining()
        if remaining is None or remaining > NO_DEADLINE_THRESHOLD_S:
            return -1
        return int(remaining * 1000)

    @staticmethod
    def _sleep(context, delay_ms: int) -> bool:
        """Sleeps `delay_ms`, waking early when the call ends. Returns False if it ended."""
        end = time.monotonic() + max(delay_ms, 0) / 1000.0
        while True:
            if not context.is_active():
                return False
            left = end - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, 0.005))

    @staticmethod
    def _payload(request) -> bytes:
        if request.response_size > 0:
            pattern = request.payload or bytes(range(256))
            return (pattern * (request.response_size // len(pattern) + 1))[: request.response_size]
        return request.payload

    def _echo_metadata(self, context, metadata) -> None:
        echoed = [(k, v) for k, v in metadata if k.startswith("x-echo-")]
        context.send_initial_metadata(echoed)
        context.set_trailing_metadata([(echo_trailer_key(k), v) for k, v in echoed])

    def _fail(self, context, tracker: CallTracker, request) -> None:
        tracker.finish()
        code = STATUS_BY_NUMBER.get(request.status_code, grpc.StatusCode.UNKNOWN)
        context.abort(code, request.status_message)

    def _response(self, request, index: int, context, request_id: str):
        return self.pb.testing_pb2.TestResponse(
            payload=self._payload(request),
            index=index,
            deadline_remaining_ms=self._deadline_remaining_ms(context),
            request_id=request_id,
        )

    # --- methods -------------------------------------------------------------------------------

    def Echo(self, request, context):
        tracker = CallTracker(self.stats, context)
        tracker.finish()
        return self.pb.testing_pb2.EchoReply(payload=request.payload)

    def Unary(self, request, context):
        tracker = CallTracker(self.stats, context)
        metadata = self._metadata(context)
        request_id = self._request_id(metadata)
        if request.echo_metadata:
            self._echo_metadata(context, metadata)
        if request.status_code != 0:
            self._fail(context, tracker, request)
        if not self._sleep(context, request.delay_ms):
            return self.pb.testing_pb2.TestResponse()  # the call is gone; nobody reads this
        response = self._response(request, 0, context, request_id)
        tracker.finish()
        return response

    def ServerStream(self, request, context):
        tracker = CallTracker(self.stats, context)
        metadata = self._metadata(context)
        request_id = self._request_id(metadata)
        if request.echo_metadata:
            self._echo_metadata(context, metadata)
        if request.status_code != 0:
            self._fail(context, tracker, request)
        for index in range(request.response_count):
            if not self._sleep(context, request.delay_ms):
                return
            yield self._response(request, index, context, request_id)
        tracker.finish()

    def ClientStream(self, request_iterator, context):
        tracker = CallTracker(self.stats, context)
        metadata = self._metadata(context)
        request_id = self._request_id(metadata)
        payloads: list[bytes] = []
        last = None
        echo = False
        for request in request_iterator:
            if request.status_code != 0:
                self._fail(context, tracker, request)
            payloads.append(request.payload)
            echo = echo or request.echo_metadata
            last = request
        if echo:
            self._echo_metadata(context, metadata)
        if last is not None and not self._sleep(context, last.delay_ms):
            return self.pb.testing_pb2.TestResponse()
        response = self.pb.testing_pb2.TestResponse(
            payload=b"".join(payloads),
            index=len(payloads),
            deadline_remaining_ms=self._deadline_remaining_ms(context),
            request_id=request_id,
        )
        tracker.finish()
        return response

    def Bidi(self, request_iterator, context):
        tracker = CallTracker(self.stats, context)
        metadata = self._metadata(context)
        request_id = self._request_id(metadata)
        for index, request in enumerate(request_iterator):
            if index == 0 and request.echo_metadata:
                self._echo_metadata(context, metadata)
            if request.status_code != 0:
                self._fail(context, tracker, request)
            if not self._sleep(context, request.delay_ms):
                return
            yield self._response(request, index, context, request_id)
        tracker.finish()

    def GetStats(self, request, context):
        tracker = CallTracker(self.stats, context)
        cancelled, completed = self.stats.snapshot()
        tracker.finish()
        return self.pb.testing_pb2.Stats(cancelled_calls=cancelled, completed_calls=completed)


class HealthService:
    """grpc.health.v1.Health: "" and the TestService are SERVING until shutdown starts."""

    def __init__(self, pb, shutting_down: threading.Event) -> None:
        self.pb = pb
        self.shutting_down = shutting_down

    def _status(self, service: str):
        statuses = self.pb.health_pb2.HealthCheckResponse
        if service not in ("", TEST_SERVICE):
            return None
        return statuses.NOT_SERVING if self.shutting_down.is_set() else statuses.SERVING

    def Check(self, request, context):
        status = self._status(request.service)
        if status is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return self.pb.health_pb2.HealthCheckResponse(status=status)

    def Watch(self, request, context):
        response = self.pb.health_pb2.HealthCheckResponse
        last = self._status(request.service)
        yield response(status=response.SERVICE_UNKNOWN if last is None else last)
        while context.is_active():
            self.shutting_down.wait(0.05)
            current = self._status(request.service)
            if current != last:
                last = current
                yield response(status=current)
            if self.shutting_down.is_set():
                return


def build_server(pb, port: int, max_receive: int, workers: int, shutting_down: threading.Event):
    """Creates and binds the server; returns (server, bound port)."""
    options = [
        ("grpc.max_receive_message_length", max_receive),
        ("grpc.max_send_message_length", -1),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=options)

    # The generated add_*_to_server functions only look up the method attributes.
    pb.testing_pb2_grpc.add_TestServiceServicer_to_server(TestService(pb, Stats()), server)
    pb.health_pb2_grpc.add_HealthServicer_to_server(HealthService(pb, shutting_down), server)

    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    if not bound:
        raise OSError(f"cannot bind 127.0.0.1:{port}")
    return server, bound


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--stubs", type=Path, help="directory with pre-generated stubs (default: generate)")
    parser.add_argument("--max-receive", type=int, default=DEFAULT_MAX_RECEIVE, help="max message size")
    parser.add_argument("--workers", type=int, default=64, help="handler threads")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to finish calls on shutdown")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="voiceshop-pystubs-") as scratch:
        if args.stubs:
            pb = protostubs.load(args.stubs, generate_first=False)
        else:
            pb = protostubs.load(Path(scratch))

        stop = threading.Event()
        shutting_down = threading.Event()
        # A parent may hand down a mask that blocks these (Swift's thread pools block signals,
        # and children inherit the spawning thread's mask): unblock them, or SIGTERM never lands.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())

        server, port = build_server(pb, args.port, args.max_receive, args.workers, shutting_down)
        server.start()
        print(json.dumps({"listening": f"127.0.0.1:{port}"}, separators=(",", ":")), flush=True)
        log("started", port=port, max_receive=args.max_receive)

        while not stop.wait(0.5):
            pass

        log("stopping", grace_s=args.grace)
        shutting_down.set()
        server.stop(args.grace).wait()
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
