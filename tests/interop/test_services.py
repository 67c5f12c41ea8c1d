"""The four service executables, as a stock grpcio client and an operator see them: each
starts from its flags, logs JSON lines, serves grpc.health.v1.Health, answers its domain
methods (UNIMPLEMENTED for those that have not landed yet), and exits 0 on SIGTERM. Bad
configuration exits 2 with a message."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import grpc
import pytest

import servers

# A domain method of each service, and the status an empty request gets today.
SERVICES = {
    # An empty RecognizeRequest has no audio.
    "asr-svc": ("/voiceshop.asr.v1.ASR/Recognize", grpc.StatusCode.INVALID_ARGUMENT),
    # An empty ParseRequest has no text: INVALID_ARGUMENT.
    "nlu-svc": ("/voiceshop.nlu.v1.NLU/Parse", grpc.StatusCode.INVALID_ARGUMENT),
    "rec-svc": ("/voiceshop.rec.v1.Rec/Search", grpc.StatusCode.OK),
    # The gateway's gRPC port serves health only (its API is REST, tests/gateway): it does not proxy gRPC.
    "gateway": ("/voiceshop.rec.v1.Rec/Search", grpc.StatusCode.UNIMPLEMENTED),
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
    # The first lines may be start-up work (rec-svc migrates first); then "listening".
    for _ in range(20):
        record = json.loads(process.stdout.readline())
        assert record["service"] == name and record["ts"].endswith("Z"), record
        if "listening" in record:
            assert record["level"] == "info"
            return process, record["listening"]
    raise AssertionError(f"{name} never logged its listening address")


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_serves_health_and_exits_cleanly(pb, name, request):
    flags: tuple[str, ...] = ()
    if name == "gateway":
        flags = ("--asr-addr", "127.0.0.1:1", "--nlu-addr", "127.0.0.1:2", "--rec-addr", "127.0.0.1:3", "--http-listen", "127.0.0.1:0")
    if name == "rec-svc":
        flags = ("--database-url", request.getfixturevalue("database_url"))
    if name == "asr-svc":
        flags = ("--catalog-file", str(servers.REPO_ROOT / "services" / "rec-svc" / "demo" / "products.jsonl"), "--decoders", "1")
    process, address = start(name, *flags)
    try:
        with grpc.insecure_channel(address) as channel:
            health = pb.health_pb2_grpc.HealthStub(channel)
            # rec-svc is NOT_SERVING until its catalog is loaded, asr-svc until its model is built.
            deadline = time.monotonic() + 60
            while True:
                reply = health.Check(pb.health_pb2.HealthCheckRequest(service=""), timeout=10)
                if reply.status == pb.health_pb2.HealthCheckResponse.SERVING or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert reply.status == pb.health_pb2.HealthCheckResponse.SERVING
            method, expected = SERVICES[name]
            call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
            if expected == grpc.StatusCode.OK:
                call(b"", timeout=10)
            else:
                # Domain methods not landed yet answer UNIMPLEMENTED; landed ones reject the empty request.
                with pytest.raises(grpc.RpcError) as error:
                    call(b"", timeout=10)
                assert error.value.code() == expected
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


def test_rec_svc_without_a_database_exits_2():
    result = subprocess.run([str(binary("rec-svc"))], capture_output=True, text=True, timeout=15, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "--database-url" in result.stderr


def test_environment_configures_the_listen_address():
    # A free port, released just before the service binds it.
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(binary("nlu-svc"))],
        stdout=subprocess.PIPE,
        text=True,
        env={"NLU_SVC_LISTEN": f"127.0.0.1:{port}", "NLU_SVC_METRICS_LISTEN": "127.0.0.1:0", "PATH": "/usr/bin:/bin"},
    )
    try:
        records = [json.loads(process.stdout.readline()) for _ in range(2)]
        assert {"listening": f"127.0.0.1:{port}"}.items() <= next(r for r in records if "listening" in r).items()
        assert next(r for r in records if "metrics_listening" in r)["metrics_listening"].startswith("127.0.0.1:")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_asr_svc_recognizes_and_streams_for_a_stock_client(pb, tmp_path):
    """asr-svc with grpcio: Recognize, then StreamingRecognize (partials, then a final equal to it)."""
    wav = tmp_path / "query.wav"
    subprocess.run(["flite", "-voice", "rms", "-t", "where is my order one zero four two", "-o", str(wav)], check=True)
    audio = wav.read_bytes()
    catalog = servers.REPO_ROOT / "services" / "rec-svc" / "demo" / "products.jsonl"
    process, address = start("asr-svc", "--catalog-file", str(catalog), "--decoders", "1")
    try:
        with grpc.insecure_channel(address) as channel:
            health = pb.health_pb2_grpc.HealthStub(channel)
            deadline = time.monotonic() + 60
            while health.Check(pb.health_pb2.HealthCheckRequest(service=""), timeout=10).status != pb.health_pb2.HealthCheckResponse.SERVING:
                assert time.monotonic() < deadline, "asr-svc never became SERVING"
                time.sleep(0.1)
            asr = pb.asr_pb2_grpc.ASRStub(channel)
            unary = asr.Recognize(pb.asr_pb2.RecognizeRequest(audio=audio), timeout=30)
            assert unary.alternatives[0].transcript == "where is my order one zero four two"
            assert unary.alternatives[0].words[0].word == "where"

            def chunks():
                yield pb.asr_pb2.AudioChunk(config=pb.asr_pb2.RecognitionConfig(), audio=audio[:3200])
                for offset in range(3200, len(audio), 3200):
                    yield pb.asr_pb2.AudioChunk(audio=audio[offset:offset + 3200])

            responses = list(asr.StreamingRecognize(chunks(), timeout=30))
            assert [r.WhichOneof("result") for r in responses][-1] == "final"
            assert any(r.WhichOneof("result") == "partial" for r in responses)
            assert responses[-1].final == unary

            with pytest.raises(grpc.RpcError) as error:
                asr.Recognize(pb.asr_pb2.RecognizeRequest(audio=b"RIFF\x00\x00\x00\x00WAVX"), timeout=10)
            assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
