"""bench/gateway/run: see the header of that script. Prints a JSON summary and writes it to
bench/out/gateway/results.json."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "gateway"))
import mesh as m  # noqa: E402

DURATION = int(os.environ.get("DURATION", "10"))
OUT = REPO / "bench" / "out" / "gateway"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def units(value: str) -> float:
    """wrk latency text (12.5us, 3.1ms, 1.2s) in milliseconds."""
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, connections: int, script: str | None = None) -> dict:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{DURATION}s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    with open(OUT / "wrk.log", "a") as log:
        log.write(f"$ {' '.join(command + [url])}\n{output}\n")
    if "Latency Distribution" not in output:
        raise RuntimeError(f"wrk measured nothing:\n{output}")
    result = {"connections": connections, "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for label in ("50%", "99%"):
        result[f"p{label[:-1]}_ms"] = round(units(re.search(rf"^\s+{re.escape(label)}\s+(\S+)", output, re.M).group(1)), 3)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        result["socket_errors"] = socket_errors.group(1)
    return result


def search_script(path: Path, texts: list[str]) -> str:
    """A wrk script that POSTs /v1/search with each text in turn (every thread starts at its own offset)."""
    bodies = ",\n".join("  " + json.dumps(json.dumps({"text": t})) for t in texts)
    path.write_text(
        f"local bodies = {{\n{bodies}\n}}\n"
        "local i = 0\n"
        "function setup(thread) thread:set(\"offset\", math.random(#bodies)) end\n"
        "function init(args) i = offset or 0 end\n"
        "function request()\n"
        "  i = i % #bodies + 1\n"
        f"  return wrk.format(\"POST\", \"/v1/search\", {{[\"Content-Type\"] = \"application/json\", [\"X-API-Key\"] = \"{m.API_KEY}\"}}, bodies[i])\n"
        "end\n")
    return str(path)


def mercari_texts(count: int = 200) -> list[str]:
    """The first `count` of rec-svc's benchmark queries (bench/rec/make_queries.py) as a shopper would say them."""
    texts = []
    for line in (REPO / "bench" / "out" / "rec" / "queries.jsonl").read_text().splitlines()[:count]:
        query = json.loads(line)
        text = query["text"]
        if query.get("brand"):
            text = f"{query['brand']} {text}"
        if query.get("price_max"):
            text += f" under {int(query['price_max'])} dollars"
        texts.append(text)
    return texts


def statuses(mesh, since: int) -> dict:
    """The gateway's answers since log line `since`: counts by HTTP status, and by error code."""
    counts: dict = {}
    for line in mesh.gateway.lines[since:]:
        if line.get("msg") == "http":
            counts[str(line["status"])] = counts.get(str(line["status"]), 0) + 1
        elif line.get("msg") == "request failed":
            key = f"{line['status']} {line['code']}: {line['error'][:80]}"
            counts[key] = counts.get(key, 0) + 1
    return counts


def wrk_counted(mesh, url: str, connections: int, script: str) -> dict:
    since = len(mesh.gateway.lines)
    result = wrk(url, connections, script)
    time.sleep(0.2)  # the last log lines
    result["statuses"] = statuses(mesh, since)
    return result


def url_of(mesh) -> str:
    return f"http://{mesh.http}"


def percentile(values, q):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * q))], 3)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cluster = m.pg.Cluster()
    mesh = None
    nginx = None
    results: dict = {"duration_s": DURATION, "cpu": os.cpu_count()}
    try:
        # The bench key's rate limit is far above what two cores serve, so wrk measures answers, not 429s.
        mesh = m.Mesh(cluster, embeddings="on", key_rate="1000000:1000000")
        url = f"http://{mesh.http}"
        text = "show me red dresses under fifty dollars"
        status, _, answer = mesh.search(text)
        assert status == 200 and answer["results"], answer

        # 1. wrk against POST /v1/search.
        script = OUT / "search.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = '{json.dumps({'text': text})}'\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["X-API-Key"] = "{m.API_KEY}"\n')
        results["search"] = [wrk_counted(mesh, url + "/v1/search", c, str(script)) for c in (1, 16, 64)]

        # 2. The gateway's overhead: total minus the stages, per request, one at a time.
        connection = http.client.HTTPConnection(mesh.host, mesh.port, timeout=10)
        overheads, totals = [], []
        for _ in range(500):
            _, _, answer = mesh.search(text, connection=connection)
            t = answer["timings_ms"]
            totals.append(t["total"])
            overheads.append(t["total"] - t.get("asr", 0) - t.get("nlu", 0) - t.get("rec", 0))
        connection.close()
        results["overhead"] = {"requests": len(overheads), "p50_ms": percentile(overheads, 0.5), "p99_ms": percentile(overheads, 0.99),
                               "total_p50_ms": percentile(totals, 0.5), "total_p99_ms": percentile(totals, 0.99)}

        # 3. /healthz against nginx serving a static file of the same size (one worker, as the
        # gateway has one HTTP thread), both with keep-alive.
        body = b'{"status":"ok"}'
        root = Path(tempfile.mkdtemp(prefix="vs-nginx-"))
        (root / "healthz").write_bytes(body)
        port = free_port()
        (root / "nginx.conf").write_text(f"""
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  default_type application/json;
  client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root}; uwsgi_temp_path {root}; scgi_temp_path {root};
  server {{ listen 127.0.0.1:{port}; root {root}; location / {{ }} }}
}}
""")
        nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
        nginx = subprocess.Popen([nginx_bin, "-c", str(root / "nginx.conf"), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        healthz = {"gateway": [wrk(url + "/healthz", c) for c in (16, 64)],
                   "nginx": [wrk(f"http://127.0.0.1:{port}/healthz", c) for c in (16, 64)]}
        for g, n in zip(healthz["gateway"], healthz["nginx"]):
            g["ratio_to_nginx"] = round(g["requests_per_second"] / n["requests_per_second"], 3)
        results["healthz_vs_nginx"] = healthz

        # 4. Voice search end to end for a ~3 s utterance, one request at a time; the stages'
        # own timings (the gateway's timings_ms) beside the client's wall time.
        wav = m.flite_wav("show me red summer dresses under fifty dollars", Path(tempfile.mkdtemp()))
        rate = int.from_bytes(wav[24:28], "little")
        seconds = (len(wav) - 44) / (2 * rate)
        latencies, stages = [], {"asr": [], "nlu": [], "rec": []}
        connection = http.client.HTTPConnection(mesh.host, mesh.port, timeout=30)
        for index in range(int(os.environ.get("VOICE_REQUESTS", "50")) + 3):
            started = time.perf_counter()
            status, _, answer = mesh.voice(wav, connection=connection)
            elapsed = (time.perf_counter() - started) * 1000
            assert status == 200 and answer["results"], answer
            if index < 3:
                continue  # warm-up: the first calls load the decoder's caches
            latencies.append(elapsed)
            for stage in stages:
                stages[stage].append(answer["timings_ms"].get(stage, 0))
        connection.close()
        results["voice"] = {"utterance_seconds": round(seconds, 2), "transcript": answer["transcript"],
                            "requests": len(latencies), "p50_ms": percentile(latencies, 0.5),
                            "p99_ms": percentile(latencies, 0.99),
                            **{f"{stage}_p50_ms": percentile(values, 0.5) for stage, values in stages.items()},
                            "goal_p50_ms": 400, "goal_met": percentile(latencies, 0.5) < 400}
        mesh.stop()
        mesh = None

        # 5. wrk against POST /v1/search on the Mercari 100k catalog (bench/gateway/run starts the
        # PostgreSQL cluster bench/rec/run left, with products and text vectors).
        if os.environ.get("MERCARI_DATABASE"):
            mesh = m.Mesh(None, embeddings="on", database=os.environ["MERCARI_DATABASE"], key_rate="1000000:1000000")
            deadline = time.monotonic() + 300
            while not any(line.get("msg") == "personal models loaded" for line in mesh.rec.lines):
                if time.monotonic() > deadline:
                    raise RuntimeError("rec-svc did not load the Mercari vectors in 5 minutes")
                time.sleep(1)
            texts = mercari_texts()
            for text in texts:  # every query once, so the query vectors are cached as in the demo run
                status, _, answer = mesh.search(text)
                assert status == 200, answer
            script = search_script(OUT / "mercari.lua", texts)
            results["search_mercari"] = {"queries": len(texts), "products": 99945,
                                         "runs": [wrk_counted(mesh, url_of(mesh) + "/v1/search", c, script) for c in (1, 16, 64)]}
        else:
            results["search_mercari"] = "skipped: MERCARI_DATABASE is not set (bench/gateway/run sets it)"
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        if mesh:
            mesh.stop()
        cluster.stop()
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
