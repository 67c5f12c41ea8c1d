"""The OpenAPI contract: a bounded schemathesis run (PyPI) against the live gateway, with
every response valid against services/gateway/openapi.json and no 5xx."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mesh as m


def test_schemathesis_against_the_live_gateway(mesh, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    examples = os.environ.get("GATEWAY_SCHEMATHESIS_EXAMPLES", "10")
    result = subprocess.run(
        [str(schemathesis), "run", str(m.REPO / "services/gateway/openapi.json"), "--url", f"http://{mesh.http}",
         "-H", f"X-API-Key: {m.API_KEY}", "-H", f"Authorization: Bearer {m.ADMIN_TOKEN}",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
         "--phases", "coverage,fuzzing", "--max-examples", examples, "--workers", "1",
         # The WebSocket has its own tests; the import's streamed text bodies crash schemathesis
         # 4.32's coverage phase (KeyError inside its generator) and are tested in test_search_e2e.
         "--exclude-path", "/v1/voice-stream", "--exclude-path", "/v1/admin/products:import",
         "--request-timeout", "10", "--seed", "7",
         "--suppress-health-check", "all", "--no-color"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        # libwebsockets drops the connection, without a response, on a request line with a NUL
        # byte (%00) in it; every other failure counts.
        sections = output.split("\n_")[1:]
        failures = [section for section in sections if "Reproduce with" in section]
        tolerated = [s for s in failures if "Network Error" in s and "%00" in s and "closed connection without response" in s]
        assert failures and len(tolerated) == len(failures) and "FAILURES" not in output.upper().replace("NETWORK", ""), output[-8000:]
