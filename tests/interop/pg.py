"""A private PostgreSQL cluster for the interop tests (initdb and pg_ctl from Debian's
postgresql-15), in a temporary folder, reachable only through a Unix socket there.
POSTGRES_URL, when set, is used instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")


class Cluster:
    def __init__(self) -> None:
        if not (BIN / "initdb").exists():
            raise RuntimeError(f"{BIN}/initdb is missing: install postgresql-15 (make setup does)")
        self.directory = Path(tempfile.mkdtemp(prefix="voiceshop-pg-"))
        if os.getuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.directory / "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self._run(
            "pg_ctl", "-D", str(self.directory / "data"), "-l", str(self.directory / "server.log"), "-w", "-o",
            f"-p 5432 -k {self.directory} -c listen_addresses='' -c fsync=off", "start",
        )

    @property
    def server(self) -> str:
        return f"host={self.directory} port=5432 user=postgres"

    def _run(self, tool: str, *arguments: str) -> None:
        command = [str(BIN / tool), *arguments]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def new_database(server: str) -> str:
    """Creates an empty database and returns its connection string."""
    name = f"interop_{uuid.uuid4().hex[:12]}"
    subprocess.run(
        ["psql", f"{server} dbname=postgres", "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"],
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )
    return f"{server} dbname={name}"
