"""Generates the Python grpcio stubs for the interop tests from proto/ and imports them.

The stubs are written to a scratch directory at test time and never committed.

health.proto is compiled with its own directory as the include root, so its module is the top-level
`health_pb2`: with `-Iproto` it would be `grpc.health.v1.health_pb2`, and the installed `grpc`
package would shadow the generated `grpc/` directory. The proto package (and so the wire name
`/grpc.health.v1.Health/...`) does not depend on the include root.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "proto"


def generate(out_dir: Path, proto_root: Path = PROTO_ROOT) -> None:
    """Runs grpc_tools.protoc for testing.proto, rec.proto, asr.proto and health.proto into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    health_dir = proto_root / "grpc" / "health" / "v1"
    jobs = [
        (proto_root, proto_root / "testing" / "v1" / "testing.proto"),
        (proto_root, proto_root / "rec" / "v1" / "rec.proto"),
        (proto_root, proto_root / "nlu" / "v1" / "nlu.proto"),
        (proto_root, proto_root / "asr" / "v1" / "asr.proto"),
        (health_dir, health_dir / "health.proto"),
    ]
    for include, proto in jobs:
        cmd = [
            sys.executable, "-m", "grpc_tools.protoc", f"-I{include}",
            f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", str(proto),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"protoc failed ({' '.join(cmd)}):\n{result.stderr}")


def load(out_dir: Path, proto_root: Path = PROTO_ROOT, generate_first: bool = True) -> SimpleNamespace:
    """Generates (unless `generate_first` is false) and imports the stubs from `out_dir`.

    Returns a namespace with `testing_pb2`, `testing_pb2_grpc`, `rec_pb2`, `rec_pb2_grpc`, `nlu_pb2`,
    `nlu_pb2_grpc`, `asr_pb2`, `asr_pb2_grpc`, `health_pb2`,
    `health_pb2_grpc`.
    """
    if generate_first:
        generate(out_dir, proto_root)
    if str(out_dir) not in sys.path:
        sys.path.insert(0, str(out_dir))
    return SimpleNamespace(
        testing_pb2=importlib.import_module("testing.v1.testing_pb2"),
        testing_pb2_grpc=importlib.import_module("testing.v1.testing_pb2_grpc"),
        rec_pb2=importlib.import_module("rec.v1.rec_pb2"),
        rec_pb2_grpc=importlib.import_module("rec.v1.rec_pb2_grpc"),
        nlu_pb2=importlib.import_module("nlu.v1.nlu_pb2"),
        nlu_pb2_grpc=importlib.import_module("nlu.v1.nlu_pb2_grpc"),
        asr_pb2=importlib.import_module("asr.v1.asr_pb2"),
        asr_pb2_grpc=importlib.import_module("asr.v1.asr_pb2_grpc"),
        health_pb2=importlib.import_module("health_pb2"),
        health_pb2_grpc=importlib.import_module("health_pb2_grpc"),
    )
