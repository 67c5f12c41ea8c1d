"""Observability end to end (issue 9): one voice search yields spans from all four services
under one trace, `voiceshop trace` assembles them, every service's /metrics parses with the
Prometheus text parser and carries its own figures, and the logs of the run hold neither the
spoken text, nor the user id, nor the audio."""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

import mesh as m

SPOKEN = "show me red dresses under fifty dollars"


@pytest.fixture(scope="module")
def voice_run(mesh, asr_ready, flite, tmp_path_factory):
    """One spoken search by a signed-in user, with its request id and the audio sent."""
    user = "privacy-shopper-" + secrets.token_hex(6)
    wav = flite(SPOKEN, tmp_path_factory.mktemp("audio"))
    status, headers, answer = mesh.voice(wav, user=user)
    assert status == 200, answer
    assert "red" in answer["transcript"] and answer["results"], answer
    return {"user": user, "wav": wav, "request_id": headers["x-request-id"], "answer": answer}


def lines_of(process: m.Process) -> list[dict]:
    return [line for line in list(process.lines) if "raw" not in line]


def wait_for_spans(mesh, request_id: str, services: set[str], timeout: float = 10) -> list[dict]:
    """The span lines of `request_id` once every service in `services` has logged one (a
    server logs its call when the stream closes, just after the caller has the answer)."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        spans = [line for process in (mesh.gateway, mesh.asr, mesh.nlu, mesh.rec) for line in lines_of(process)
                 if line.get("request_id") == request_id and "span_id" in line]
        if services <= {span["service"] for span in spans} or time.monotonic() > deadline:
            return spans
        time.sleep(0.05)


def test_one_voice_search_is_one_trace_across_all_four_services(mesh, voice_run):
    services = {"gateway", "asr-svc", "nlu-svc", "rec-svc"}
    spans = wait_for_spans(mesh, voice_run["request_id"], services)
    assert services <= {span["service"] for span in spans}, spans
    assert len({span["trace_id"] for span in spans}) == 1, spans
    root = [span for span in spans if span["service"] == "gateway"]
    assert len(root) == 1 and root[0]["msg"] == "http" and root[0]["status"] == 200, root
    assert root[0]["route"] == "/v1/voice-search"
    by_id = {span["span_id"]: span for span in spans}
    assert len(by_id) == len(spans), "span ids are unique"
    for span in spans:
        if span is root[0]:
            continue
        # Every hop the gateway made is its child; a hop of a service (none in a search) would be its caller's.
        assert span["parent_span_id"] in by_id, span
        assert span["msg"] == "rpc" and span["code"] == "OK", span
        assert span["duration_ms"] <= root[0]["duration_ms"] + 1, (span, root[0])
    methods = {span["method"] for span in spans if span["service"] != "gateway"}
    assert "/voiceshop.asr.v1.ASR/Recognize" in methods and "/voiceshop.nlu.v1.NLU/Parse" in methods, methods
    assert any(method.startswith("/voiceshop.rec.v1.Rec/") for method in methods), methods


def test_voiceshop_trace_assembles_the_tree(mesh, voice_run, tmp_path):
    request_id = voice_run["request_id"]
    wait_for_spans(mesh, request_id, {"gateway", "asr-svc", "nlu-svc", "rec-svc"})
    files = []
    for process in (mesh.gateway, mesh.asr, mesh.nlu, mesh.rec):
        path = tmp_path / f"{process.name}.log"
        path.write_text("\n".join(json.dumps(line) for line in lines_of(process)) + "\n")
        files.append(str(path))
    result = subprocess.run([m.binary("voiceshop"), "trace", request_id, *files, "--json"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    trees = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(trees) == 1, trees
    tree = trees[0]
    assert tree["service"] == "gateway" and tree["name"] == "POST /v1/voice-search", tree
    children = {child["service"] for child in tree["children"]}
    assert {"asr-svc", "nlu-svc", "rec-svc"} <= children, tree
    asr = next(child for child in tree["children"] if child["service"] == "asr-svc")
    nlu = next(child for child in tree["children"] if child["service"] == "nlu-svc")
    # ASR runs before NLU: the offsets come from the log timestamps and durations.
    assert float(asr["start_offset_ms"]) <= float(nlu["start_offset_ms"]), tree
    assert float(asr["duration_ms"]) > 0
    # The human-readable form reads the same logs from stdin.
    text = subprocess.run([m.binary("voiceshop"), "trace", request_id], input="".join(open(f).read() for f in files),
                          capture_output=True, text=True, timeout=30)
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(f"trace {tree['trace_id']}  request {request_id}"), text.stdout
    assert "└─ " in text.stdout and "time per service: " in text.stdout, text.stdout
    missing = subprocess.run([m.binary("voiceshop"), "trace", "no-such-request", *files], capture_output=True, text=True)
    assert missing.returncode == 1 and "No spans" in missing.stderr


def scrape(address: str) -> dict:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    assert families, text
    return families


def metrics_address(process: m.Process) -> str:
    return next(line["metrics_listening"] for line in lines_of(process) if "metrics_listening" in line)


def value(families: dict, name: str, **labels) -> float:
    family = families[name]
    return sum(sample.value for sample in family.samples
               if sample.name in (name, name + "_total") and all(sample.labels.get(k) == v for k, v in labels.items()))


def test_every_service_exports_prometheus_metrics(mesh, voice_run):
    gateway = scrape(mesh.http)
    assert value(gateway, "gateway_http_requests", route="/v1/voice-search", method="POST", status="200") >= 1
    stages = {s.labels["stage"]: s.value for s in gateway["gateway_stage_duration_seconds"].samples if s.name.endswith("_count")}
    assert stages.get("asr", 0) >= 1 and stages.get("nlu", 0) >= 1 and stages.get("rec", 0) >= 1, stages
    assert "grpc_server_handled" in gateway  # the gateway's own gRPC (health) port

    asr = scrape(metrics_address(mesh.asr))
    assert value(asr, "asr_audio_seconds", mode="unary") > 1.0
    assert value(asr, "asr_utterances", mode="unary") >= 1
    assert value(asr, "grpc_server_handled", grpc_method="Recognize", grpc_code="OK") >= 1
    rtf = [s for s in asr["asr_real_time_factor"].samples if s.name == "asr_real_time_factor_count"]
    assert rtf and rtf[0].value >= 1
    snr = [s for s in asr["asr_estimated_snr_db"].samples if s.name == "asr_estimated_snr_db_count"]
    assert snr and snr[0].value >= 1  # each utterance's SNR estimate (what switches denoising on)
    # The denoised count has a series per mode from the start (0 until a noisy call).
    assert {s.labels["mode"] for s in asr["asr_denoised_utterances"].samples} >= {"unary", "streaming"}
    assert [s for s in asr["asr_language_model_info"].samples if s.value == 1 and s.labels["version"]]
    assert value(asr, "asr_decoders") >= 1 and "asr_queue_depth" in asr and "asr_queue_rejected" in asr

    nlu = scrape(metrics_address(mesh.nlu))
    assert value(nlu, "nlu_intents", intent="search_products") >= 1
    assert "nlu_low_confidence" in nlu and "nlu_model_info" in nlu
    assert value(nlu, "grpc_server_handled", grpc_method="Parse", grpc_code="OK") >= 1

    rec = scrape(metrics_address(mesh.rec))
    assert value(rec, "rec_index_products") >= 300
    assert 0 <= value(rec, "rec_index_sync_age_seconds") < 5
    assert value(rec, "rec_db_pool_connections") >= 1 and "rec_db_connection_errors" in rec
    assert value(rec, "grpc_server_handled", grpc_service="voiceshop.rec.v1.Rec", grpc_method="Search", grpc_code="OK") >= 1
    assert {s.labels["stage"] for s in rec["rec_funnel_last_hour"].samples} == {
        "utterances", "results_shown", "clicked", "added_to_cart", "purchased"}
    for families in (asr, nlu, rec):
        assert "grpc_server_in_flight_calls" in families and "grpc_server_open_connections" in families
        assert "grpc_server_handlers_running" in families and "grpc_server_rejected" in families
        latency = [s for s in families["grpc_server_handling_seconds"].samples if s.name.endswith("_bucket")]
        assert latency and all(s.labels["le"] for s in latency)


def test_logs_hold_no_spoken_text_user_id_or_audio_at_the_default_level(mesh, voice_run):
    # A typed search by the same user, too.
    status, _, _ = mesh.search("blue running shoes for my sister", user=voice_run["user"])
    assert status == 200
    wait_for_spans(mesh, voice_run["request_id"], {"gateway", "asr-svc", "nlu-svc", "rec-svc"})
    logs = "\n".join(json.dumps(line) for process in (mesh.gateway, mesh.asr, mesh.nlu, mesh.rec) for line in lines_of(process))
    raw = "\n".join(line["raw"] for process in (mesh.gateway, mesh.asr, mesh.nlu, mesh.rec) for line in process.lines if "raw" in line)
    everything = logs + raw
    assert voice_run["request_id"] in everything  # the logs are the right ones
    # Every line the Swift services write is one JSON object (asr-svc's stderr carries the engine's own lines).
    for process in (mesh.gateway, mesh.nlu, mesh.rec):
        assert not [line for line in process.lines if "raw" in line], process.name
    assert voice_run["user"] not in everything
    for phrase in (SPOKEN, "red dresses", "fifty dollars", "blue running shoes", voice_run["answer"]["transcript"]):
        assert phrase not in everything, phrase
    audio = voice_run["wav"][44:]
    for start in range(0, len(audio) - 64, len(audio) // 8):
        chunk = audio[start:start + 48]
        assert base64.b64encode(chunk).decode() not in everything
        assert chunk.hex() not in everything
        assert chunk.decode("latin-1") not in everything
    # The user is there, as a keyed hash: the gateway's line of the request carries one.
    root = next(line for line in lines_of(mesh.gateway) if line.get("request_id") == voice_run["request_id"] and line.get("msg") == "http")
    assert root["user"].startswith("u_") and len(root["user"]) == 18


def test_debug_level_logs_text_and_says_so(mesh, tmp_path):
    gateway = m.Process(
        "gateway",
        ["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--log-level", "debug",
         "--asr-addr", mesh.asr.address, "--nlu-addr", mesh.nlu.address, "--rec-addr", mesh.rec.address,
         "--api-keys", f"dbg={m.API_KEY}"],
        address_field="http_listening", env={"VOICESHOP_LOG_HASH_KEY": "a-stable-key-for-the-test"})
    try:
        assert any(line.get("level") == "warning" and "debug logging is on" in line.get("msg", "") for line in lines_of(gateway))
        host, port = gateway.address.rsplit(":", 1)
        request = urllib.request.Request(f"http://{host}:{port}/v1/search", data=json.dumps({"text": "green yoga mats"}).encode(),
                                         headers={"X-API-Key": m.API_KEY, "Content-Type": "application/json", "X-User-Id": "debug-user"})
        with urllib.request.urlopen(request, timeout=30) as response:
            request_id = response.headers["X-Request-Id"]
        import time
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            root = [line for line in lines_of(gateway) if line.get("request_id") == request_id and line.get("msg") == "http"]
            if root:
                break
            time.sleep(0.05)
        assert root and root[0]["query"] == "green yoga mats", root
        # A configured key makes the hash stable: the same user, the same hash, in any process.
        assert root[0]["user"] == subprocess_hash("a-stable-key-for-the-test", "debug-user")
    finally:
        gateway.stop()


def subprocess_hash(key: str, user: str) -> str:
    import hashlib
    import hmac
    return "u_" + hmac.new(key.encode(), user.encode(), hashlib.sha256).hexdigest()[:16]


def test_voice_funnel_counts_the_spoken_search(mesh, voice_run):
    """The gateway records each utterance for the funnel (after answering); a click with the
    search's request id moves it one stage on, and `voiceshop funnel` reports it."""
    import time
    product = voice_run["answer"]["results"][0]["id"]
    status, _, _ = mesh.request("POST", "/v1/events", {"type": "click", "product_id": product, "request_id": voice_run["request_id"]},
                                headers={"X-User-Id": voice_run["user"]})
    assert status in (200, 201)
    deadline = time.monotonic() + 10
    while True:
        result = subprocess.run([m.binary("voiceshop"), "funnel", "--target", mesh.rec.address, "--json"],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        # Proto3 JSON: lowerCamelCase names, 64-bit counts as strings.
        voice = [g for g in report.get("byConfidence", []) if g["key"] != "text"]
        if voice or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert voice, report
    assert int(report["overall"]["utterances"]) >= 1 and int(report["overall"]["clicked"]) >= 1, report
    assert any(g["key"] == "search_products" for g in report["byIntent"]), report
    table = subprocess.run([m.binary("voiceshop"), "funnel", "--target", mesh.rec.address, "--since", "1h"],
                           capture_output=True, text=True, timeout=30)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("voice funnel ") and "utterances" in lines[1] and lines[2].startswith("overall")
    assert "by ASR confidence" in lines and "by intent" in lines
    bad = subprocess.run([m.binary("voiceshop"), "funnel", "--target", mesh.rec.address, "--since", "yesterday"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "--since needs a duration" in bad.stderr


def test_grafana_dashboard_queries_only_exported_metrics(mesh, voice_run):
    """k8s/grafana/voiceshop-dashboard.json parses, every panel has a query, and every
    metric a query names is one the running services export."""
    import re
    dashboard = json.loads((m.REPO / "k8s" / "grafana" / "voiceshop-dashboard.json").read_text())
    assert dashboard["uid"] and dashboard["panels"]
    exported = set()
    for address in (mesh.http, metrics_address(mesh.asr), metrics_address(mesh.nlu), metrics_address(mesh.rec)):
        for family in scrape(address).values():
            exported |= {sample.name for sample in family.samples}
    named = set()
    titles = set()
    for panel in dashboard["panels"]:
        assert panel["title"] not in titles, "panel titles are unique"
        titles.add(panel["title"])
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            metrics = set(re.findall(r"\b(?:grpc_server|gateway|asr|nlu|rec)_[a-z0-9_]+\b", target["expr"]))
            assert metrics, target["expr"]
            named |= metrics
    missing = named - exported
    assert not missing, f"the dashboard queries metrics no service exports: {sorted(missing)}"
    # The panels the issue asks for are there.
    for needed in ("Requests per second", "Error ratio", "p99", "real-time factor", "funnel"):
        assert any(needed.lower() in title.lower() for title in titles), needed
