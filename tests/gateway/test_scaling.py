"""Per-service scaling proved on one machine (issue 8): several nlu-svc and rec-svc replicas on
distinct loopback addresses with the same port, as pods have, behind one DNS name each that a
real DNS server (dnsmasq) resolves to all of them, as a Kubernetes headless Service does. The
gateway reaches them as `dns://127.0.0.1:PORT/nlu.voiceshop.test:PORT` and balances on the
client side while a steady load of text searches runs:

- each replica gets its share of the calls within ±25 %;
- SIGKILL of a replica mid-load fails no client request (idempotent calls retry elsewhere);
- the replica started again gets traffic within a few seconds;
- SIGTERM of a replica (the pod-deletion path) drains it with no failed call.
"""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

import mesh as m

NLU_ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
REC_ADDRESSES = ["127.0.0.2", "127.0.0.3"]
QUERIES = ["red dress", "running shoes under fifty dollars", "sony headphones", "blue jeans size medium",
           "cheap lipstick", "lego sets for kids", "wool sweater", "coffee maker under 100 dollars"]


def free_port() -> int:
    """A TCP port free on every loopback address (bound on 0.0.0.0, then released)."""
    with socket.socket() as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DNS:
    """dnsmasq answering only from a hosts file: each name resolves to every address listed."""

    def __init__(self, hosts: Path):
        if shutil.which("dnsmasq") is None:
            pytest.fail("dnsmasq is missing: scripts/setup installs dnsmasq-base")
        self.port = free_udp_port()
        self.popen = subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", f"--addn-hosts={hosts}",
             f"--port={self.port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--cache-size=0", "--pid-file=",
             "--log-facility=-"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # With --log-facility=- it logs "started, version …" once it listens.
        for line in self.popen.stdout:
            if "started" in line:
                threading.Thread(target=lambda: [None for _ in self.popen.stdout], daemon=True).start()
                return
        raise RuntimeError(f"dnsmasq exited: {self.popen.wait()}")

    def stop(self):
        self.popen.terminate()
        self.popen.wait(timeout=10)


def metrics_address(process: m.Process) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in list(process.lines):
            if "metrics_listening" in line:
                return line["metrics_listening"]
        time.sleep(0.05)
    raise RuntimeError(f"{process.name} never logged its metrics address")


def handled(process: m.Process, method: str | None = None) -> float:
    """The OK calls a replica has served (from its /metrics): of `method`, or of every
    VoiceShop method (health checks excluded)."""
    with urllib.request.urlopen(f"http://{metrics_address(process)}/metrics", timeout=5) as response:
        text = response.read().decode()
    total = 0.0
    for family in text_string_to_metric_families(text):
        if family.name == "grpc_server_handled":
            total += sum(s.value for s in family.samples
                         if (s.labels.get("grpc_method") == method if method else s.labels.get("grpc_service", "").startswith("voiceshop."))
                         and s.labels.get("grpc_code") == "OK")
    return total


def gateway_retries(gateway_http: str) -> dict:
    with urllib.request.urlopen(f"http://{gateway_http}/metrics", timeout=5) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        if family.name == "gateway_downstream_retries":
            return {s.labels["service"]: s.value for s in family.samples}
    return {}


class Load:
    """Text searches through the gateway from a few threads, until stopped."""

    def __init__(self, host: str, port: int, threads: int = 4):
        self.host, self.port = host, port
        self.sent = 0
        self.failed: list[str] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]
        for thread in self.threads:
            thread.start()

    def _run(self, index: int):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        n = index
        while not self.stopping.is_set():
            body = json.dumps({"text": QUERIES[n % len(QUERIES)]})
            n += 1
            try:
                connection.request("POST", "/v1/search", body=body,
                                   headers={"X-API-Key": m.API_KEY, "Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
                ok = response.status == 200 and json.loads(data)["results"]
                error = None if ok else f"{response.status} {data[:300]!r}"
            except Exception as exc:  # noqa: BLE001 - any failure is a failed request
                error = repr(exc)
                connection.close()
                connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            with self.lock:
                self.sent += 1
                if error:
                    self.failed.append(error)
            time.sleep(0.005)

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def spread_ok(counts: list[float]) -> bool:
    mean = sum(counts) / len(counts)
    return mean > 0 and all(abs(c - mean) <= 0.25 * mean for c in counts)


def test_replicas_share_the_load_survive_kill_restart_and_drain(cluster, tmp_path):
    database = m.pg.new_database(cluster.server)
    load_demo = subprocess.run([m.binary("rec-svc"), "load-demo", "--database-url", database], capture_output=True, text=True,
                               cwd=m.REPO, timeout=300)
    assert load_demo.returncode == 0, load_demo.stdout + load_demo.stderr
    # dnsmasq drops its privileges to "nobody" after start: the file must be readable by it
    # (pytest's tmp_path is private to root).
    shared = Path(tempfile.mkdtemp(prefix="voiceshop-dns-"))
    shared.chmod(0o755)
    hosts = shared / "hosts"
    hosts.write_text("".join(f"{a} nlu.voiceshop.test\n" for a in NLU_ADDRESSES)
                     + "".join(f"{a} rec.voiceshop.test\n" for a in REC_ADDRESSES))
    hosts.chmod(0o644)
    dns = DNS(hosts)
    nlu_port, rec_port = free_port(), free_port()
    rec_target = f"dns://127.0.0.1:{dns.port}/rec.voiceshop.test:{rec_port}"
    nlu_target = f"dns://127.0.0.1:{dns.port}/nlu.voiceshop.test:{nlu_port}"

    def start_rec(address: str) -> m.Process:
        process = m.Process("rec-svc", ["--listen", f"{address}:{rec_port}", "--metrics-listen", f"{address}:0",
                                        "--database-url", database, "--embeddings", "off", "--event-loops", "1",
                                        "--shutdown-grace-seconds", "10"])
        m.wait_serving(process.address)
        return process

    def start_nlu(address: str) -> m.Process:
        process = m.Process("nlu-svc", ["--listen", f"{address}:{nlu_port}", "--metrics-listen", f"{address}:0",
                                        "--rec-addr", rec_target, "--event-loops", "1"])
        m.wait_serving(process.address)
        return process

    recs = [start_rec(a) for a in REC_ADDRESSES]
    nlus = [start_nlu(a) for a in NLU_ADDRESSES]
    gateway = m.Process(
        "gateway", ["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--asr-addr", "127.0.0.1:1",
                    "--nlu-addr", nlu_target, "--rec-addr", rec_target, "--api-keys", f"load={m.API_KEY}:100000:100000",
                    "--request-deadline-ms", "5000"],
        address_field="http_listening")
    host, port = gateway.address.rsplit(":", 1)
    load = None
    try:
        # The name resolves to every replica, through the DNS server.
        load = Load(host, int(port))
        time.sleep(2)  # connections to every replica open

        # 1. Steady load: every replica gets its share.
        nlu_before = [handled(p, "Parse") for p in nlus]
        rec_before = [handled(p) for p in recs]
        time.sleep(6)
        nlu_share = [handled(p, "Parse") - b for p, b in zip(nlus, nlu_before)]
        # A search makes one Search call; the funnel's RecordUtterances batches add a few: round robin spreads calls, not methods.
        rec_share = [handled(p) - b for p, b in zip(recs, rec_before)]
        print(f"\nsteady: nlu-svc Parse per replica {nlu_share}, rec-svc calls per replica {rec_share}; sent {load.sent}, failed {len(load.failed)} {load.failed[:2]}")
        assert spread_ok(nlu_share), nlu_share
        assert spread_ok(rec_share), rec_share
        assert not load.failed, load.failed[:5]

        # 2. SIGKILL one nlu-svc replica mid-load: no client request fails.
        killed = nlus[0]
        killed.popen.send_signal(signal.SIGKILL)
        killed.popen.wait(timeout=10)
        time.sleep(3)
        assert not load.failed, load.failed[:5]
        survivors = [handled(p, "Parse") for p in nlus[1:]]

        # 3. Started again at the same address, it gets traffic within a few seconds.
        restarted_at = time.monotonic()
        nlus[0] = start_nlu(NLU_ADDRESSES[0])
        back_after = None
        while time.monotonic() - restarted_at < 15:
            if handled(nlus[0], "Parse") > 0:
                back_after = time.monotonic() - restarted_at
                break
            time.sleep(0.1)
        print(f"restarted nlu-svc replica served again {back_after:.1f} s after its start" if back_after else "never served")
        assert back_after is not None and back_after < 10, "the restarted replica got no traffic"
        assert all(handled(p, "Parse") > s for p, s in zip(nlus[1:], survivors))

        # 4. SIGTERM one rec-svc replica (pod deletion): it drains, nothing fails.
        draining = recs[1]
        drained_before = handled(draining, "Search")
        draining.popen.send_signal(signal.SIGTERM)
        assert draining.popen.wait(timeout=30) == 0
        time.sleep(3)
        assert any(line.get("msg") == "stopped" for line in list(draining.lines)), "no graceful stop logged"
        assert drained_before > 0
        load.stop()
        retries = gateway_retries(gateway.address)
        print(f"requests sent {load.sent}, failed {len(load.failed)}, downstream attempts retried by the gateway {retries}")
        assert load.sent > 200, load.sent
        assert not load.failed, load.failed[:5]
        assert set(retries) == {"asr-svc", "nlu-svc", "rec-svc"} and sum(retries.values()) <= 3 * load.sent, retries
    finally:
        if load:
            load.stop()
        gateway.stop()
        for process in nlus + recs:
            process.stop()
        dns.stop()
        shutil.rmtree(shared, ignore_errors=True)

