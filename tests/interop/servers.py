"""Starts and stops the gRPC servers under test as child processes.

Which server the suite tests is chosen by environment variables:
  INTEROP_TARGET=HOST:PORT   use a server that is already running (nothing is started or stopped)
  INTEROP_SERVER=swift       (default) start .build/debug/voiceshop-testserver --listen 127.0.0.1:0
  INTEROP_SERVER=python      start tests/interop/py_server.py --port 0 (checks the tests themselves)
  VOICESHOP_TESTSERVER=PATH  the Swift test server binary to start instead of the debug build
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PY_SERVER = Path(__file__).resolve().parent / "py_server.py"
STARTUP_TIMEOUT_S = 30.0
_LISTENING = re.compile(r'"listening"\s*:\s*"([^"]+)"')


def server_kind() -> str:
    """"external", "swift" or "python"."""
    if os.environ.get("INTEROP_TARGET"):
        return "external"
    kind = os.environ.get("INTEROP_SERVER", "swift")
    if kind not in ("swift", "python"):
        raise ValueError(f"INTEROP_SERVER must be 'swift' or 'python', not {kind!r}")
    return kind


def swift_testserver() -> Path:
    return Path(os.environ.get("VOICESHOP_TESTSERVER", REPO_ROOT / ".build" / "debug" / "voiceshop-testserver"))


def server_command(kind: str, check: bool = True) -> list[str]:
    """The command line that starts a `kind` server; with `check`, fails if the binary is missing."""
    if kind == "swift":
        binary = swift_testserver()
        if check and not os.access(binary, os.X_OK):
            raise FileNotFoundError(
                f"{binary} not found: build it first (`swift build --product voiceshop-testserver`, or `make test`)"
            )
        return [str(binary), "--listen", "127.0.0.1:0"]
    if kind == "python":
        return [sys.executable, str(PY_SERVER), "--port", "0"]
    raise ValueError(kind)


@dataclass
class ServerProcess:
    """A server child process whose stdout and stderr go to files in `log_dir`."""

    kind: str
    process: subprocess.Popen
    stdout_path: Path
    stderr_path: Path
    address: str = ""
    _files: list = field(default_factory=list)

    def logs(self, limit: int = 4000) -> str:
        parts = []
        for path in (self.stdout_path, self.stderr_path):
            text = path.read_text(errors="replace") if path.exists() else ""
            parts.append(f"--- {path.name} ---\n{text[-limit:]}")
        return "\n".join(parts)

    def stop(self, timeout: float = 15.0) -> int | None:
        """Sends SIGTERM and waits up to `timeout` seconds; returns the exit code, or None if it
        had to be killed."""
        code: int | None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                code = None
        else:
            code = self.process.returncode
        for f in self._files:
            f.close()
        return code


def start_server(kind: str, log_dir: Path) -> ServerProcess:
    """Starts a server of `kind` ("swift" or "python") on 127.0.0.1:0 and waits until it prints
    the JSON line with `"listening":"HOST:PORT"` on stdout."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = log_dir / f"{kind}-server.stdout", log_dir / f"{kind}-server.stderr"
    out, err = open(stdout_path, "wb"), open(stderr_path, "wb")
    process = subprocess.Popen(server_command(kind), stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=REPO_ROOT)
    server = ServerProcess(kind, process, stdout_path, stderr_path, _files=[out, err])
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        address = _listening_address(stdout_path.read_text(errors="replace"))
        if address:
            server.address = address
            return server
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"{kind} server exited with {process.returncode} before listening\n{server.logs()}")
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{kind} server did not report its address within {STARTUP_TIMEOUT_S} s\n{server.logs()}")


def _listening_address(stdout: str) -> str | None:
    for line in stdout.splitlines():
        if "listening" not in line:
            continue
        try:
            value = json.loads(line).get("listening")
            if isinstance(value, str) and value:
                return value
        except (ValueError, AttributeError):
            pass
        match = _LISTENING.search(line)
        if match:
            return match.group(1)
    return None
