"""The four VoiceShop services as real processes for the gateway's end-to-end tests: a
private PostgreSQL cluster (tests/interop/pg.py) with the demo shop loaded, rec-svc, nlu-svc,
asr-svc and the gateway, each on 127.0.0.1 port 0, from .build/debug."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("VOICESHOP_BIN", REPO / ".build" / "debug"))
sys.path.insert(0, str(REPO / "tests" / "interop"))
import pg  # noqa: E402

API_KEY = "e2e-key-" + secrets.token_hex(8)
SLOW_KEY = "slow-key-" + secrets.token_hex(8)
ADMIN_TOKEN = "admin-" + secrets.token_hex(12)


def binary(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise RuntimeError(f"{path} is missing: `swift build` (make test does it) builds every executable")
    return str(path)


class Process:
    """A service process whose JSON log lines are collected; `address` is what it logged."""

    def __init__(self, name: str, args: list[str], address_field: str = "listening", env: dict | None = None):
        self.name = name
        self.lines: list[dict] = []
        self.popen = subprocess.Popen(
            [binary(name), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})})
        self.address = None
        self.fields: dict = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.popen.stdout.readline()
            if not line:
                raise RuntimeError(f"{name} exited during start-up: {self.log_text()}")
            try:
                record = json.loads(line)
            except ValueError:
                self.lines.append({"raw": line})
                continue
            self.lines.append(record)
            if address_field in record:
                self.address = record[address_field]
                self.fields = record
                break
        if self.address is None:
            raise RuntimeError(f"{name} never logged {address_field}")
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.popen.stdout:
            try:
                self.lines.append(json.loads(line))
            except ValueError:
                self.lines.append({"raw": line})

    def log_text(self) -> str:
        return "\n".join(json.dumps(line) for line in self.lines[-30:])

    def stop(self, sig=signal.SIGTERM, timeout=20) -> int | None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                return self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                return self.popen.wait()
        return self.popen.returncode


def wait_serving(address: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = subprocess.run([binary("voiceshop"), "health", address], capture_output=True, text=True)
        if result.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{address} never became SERVING")


class Mesh:
    """PostgreSQL with the demo shop, the three services and the gateway."""

    def __init__(self, cluster: pg.Cluster | None, gateway_flags: list[str] | None = None, embeddings: str = "off",
                 database: str | None = None, key_rate: str = "1000:1000"):
        """A new database with the demo shop on `cluster`, or `database` (a catalog already loaded and embedded)."""
        if database:
            self.database = database
        else:
            self.database = pg.new_database(cluster.server)
            load = subprocess.run([binary("rec-svc"), "load-demo", "--database-url", self.database], capture_output=True,
                                  text=True, cwd=REPO, timeout=300)
            if load.returncode != 0:
                raise RuntimeError(f"rec-svc load-demo failed: {load.stdout}{load.stderr}")
        if embeddings != "off" and not database:
            subprocess.run([binary("rec-svc"), "embed", "--database-url", self.database], check=True, capture_output=True, cwd=REPO,
                           timeout=900, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        self.embeddings = embeddings
        self.rec = Process("rec-svc", ["--listen", "127.0.0.1:0", "--database-url", self.database, "--embeddings", embeddings])
        # nlu-svc and asr-svc start with rec-svc, as in run-local and on Kubernetes, and take the
        # catalog's vocabulary from it (its Vocabulary RPC) once its catalog is loaded.
        self.nlu = Process("nlu-svc", ["--listen", "127.0.0.1:0", "--rec-addr", self.rec.address])
        self.asr = Process("asr-svc", ["--listen", "127.0.0.1:0", "--rec-addr", self.rec.address])
        wait_serving(self.rec.address)
        wait_serving(self.nlu.address)
        wait_serving(self.asr.address)
        self.gateway_flags = gateway_flags or []
        self.key_rate = key_rate
        self.start_gateway()

    def start_gateway(self):
        self.gateway = Process(
            "gateway",
            ["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--h2c-listen", "127.0.0.1:0",
             "--asr-addr", self.asr.address, "--nlu-addr", self.nlu.address, "--rec-addr", self.rec.address,
             "--api-keys", f"e2e={API_KEY}:{self.key_rate},slow={SLOW_KEY}:0.2:3", "--admin-token", ADMIN_TOKEN, *self.gateway_flags],
            address_field="http_listening")
        self.http = self.gateway.address
        self.h2c = self.gateway.fields.get("h2c_listening")
        self.host, port = self.http.rsplit(":", 1)
        self.port = int(port)

    def restart_rec(self):
        self.rec = Process("rec-svc", ["--listen", self.rec.address, "--database-url", self.database, "--embeddings", self.embeddings])
        wait_serving(self.rec.address)

    def stop(self):
        for process in (self.gateway, self.asr, self.nlu, self.rec):
            process.stop()

    # --- HTTP helpers -------------------------------------------------------------------

    def request(self, method: str, path: str, body=None, headers: dict | None = None, key: str | None = API_KEY,
                timeout: float = 30, connection: http.client.HTTPConnection | None = None):
        """One request; returns (status, headers, parsed JSON or raw bytes)."""
        all_headers = dict(headers or {})
        if key is not None:
            all_headers.setdefault("X-API-Key", key)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        own = connection is None
        conn = connection or http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            try:
                parsed = json.loads(data) if data else None
            except ValueError:
                parsed = data
            return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed
        finally:
            if own:
                conn.close()

    def search(self, text: str, session: str | None = None, user: str | None = None, **kw):
        headers = {}
        if session:
            headers["X-Session-Id"] = session
        if user:
            headers["X-User-Id"] = user
        return self.request("POST", "/v1/search", {"text": text}, headers=headers, **kw)

    def voice(self, wav: bytes, session: str | None = None, user: str | None = None, **kw):
        headers = {"Content-Type": "audio/wav"}
        if session:
            headers["X-Session-Id"] = session
        if user:
            headers["X-User-Id"] = user
        return self.request("POST", "/v1/voice-search", wav, headers=headers, **kw)

    def asr_implemented(self) -> bool:
        """Whether asr-svc answers Recognize (it answers UNIMPLEMENTED until its issue lands)."""
        result = subprocess.run(
            [binary("voiceshop"), "call", self.asr.address, "voiceshop.asr.v1.ASR/Recognize", "{}", "--timeout", "5s"],
            capture_output=True, text=True)
        return "UNIMPLEMENTED" not in (result.stdout + result.stderr)


def flite_wav(text: str, directory: Path) -> bytes:
    """`text` spoken by flite's rms voice (Debian's flite), as WAV bytes (16-bit mono). rms is
    one of the voices asr-svc's accuracy gates measure; flite's default 8 kHz kal voice is not
    (it was heard as "show me red dresses under had kid dollars")."""
    path = directory / (secrets.token_hex(4) + ".wav")
    subprocess.run(["flite", "-voice", "rms", "-t", text, "-o", str(path)], check=True, capture_output=True)
    try:
        return path.read_bytes()
    finally:
        path.unlink()
