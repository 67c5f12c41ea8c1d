"""The four service executables, as a stock grpcio client and an operator see them: each
starts from its flags, logs JSON lines, serves grpc.health.v1.Health, answers UNIMPLEMENTED
for domain methods that have not landed yet, and exits 0 on SIGTERM. Bad configuration exits 2
with a message."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import grpc
import pytest

import servers

SERVICES = {
    "asr-svc": "/voiceshop.asr.v1.ASR/Recognize",
    "nlu-svc": "/voiceshop.nlu.v1.NLU/Parse",
    "rec-svc": "/voiceshop.rec.v1.Rec/Search",
    "gateway": "/voiceshop.rec.v1.Rec/Search",
}


def binary(name: str):
    path = servers.REPO_ROOT / ".build" / "debug" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: `swift build` (make test does it) builds every executable")
    return path


def start(name: str, *flags: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [str(binary(name)), "--listen", "127.0.0.1:0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    record = json.loads(line)
    assert record["service"] == name and record["level"] == "info" and record["ts"].endswith("Z"), record
    return process, record["listening"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_serves_health_and_exits_cleanly(pb, name):
    flags = ("--asr-addr", "127.0.0.1:1", "--nlu-addr", "127.0.0.1:2", "--rec-addr", "127.0.0.1:3") if name == "gateway" else ()
    process, address = start(name, *flags)
    try:
        with grpc.insecure_channel(address) as channel:
            health = pb.health_pb2_grpc.HealthStub(channel)
            reply = health.Check(pb.health_pb2.HealthCheckRequest(service=""), timeout=10)
            assert reply.status == pb.health_pb2.HealthCheckResponse.SERVING
            # Domain methods arrive with their own issues; until then the honest answer.
            call = channel.unary_unary(SERVICES[name], request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as error:
                call(b"", timeout=10)
            assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        lines = [json.loads(line) for line in process.stdout.read().splitlines() if line.strip()]
        messages = [line["msg"] for line in lines]
        assert "signal received, shutting down" in messages and messages[-1] == "stopped", messages
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    "flags, complaint",
    [
        (["--listen", "nowhere"], "--listen"),
        (["--max-handlers", "zero"], "--max-handlers"),
        (["--frobnicate", "1"], "Unknown flag --frobnicate"),
        (["--log-level", "loud"], "log level"),
    ],
)
def test_bad_configuration_exits_2_with_a_message(flags, complaint):
    result = subprocess.run([str(binary("nlu-svc")), *flags], capture_output=True, text=True, timeout=15)
    assert result.returncode == 2
    assert complaint in result.stderr


def test_environment_configures_the_listen_address():
    # A free port, released just before the service binds it.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(binary("rec-svc"))],
        stdout=subprocess.PIPE,
        text=True,
        env={"REC_SVC_LISTEN": f"127.0.0.1:{port}", "PATH": "/usr/bin:/bin"},
    )
    try:
        record = json.loads(process.stdout.readline())
        assert record["listening"] == f"127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
