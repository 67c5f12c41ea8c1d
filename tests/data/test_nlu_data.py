"""nlu-svc's training and held-out files equal a fresh run of scripts/nlu-data/generate.py
(so the committed data is what the templates and hand-written sources say)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_nlu_data_is_reproducible(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts/nlu-data/generate.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for name in ("train-templates.txt", "train-irregular.txt", "test.txt"):
        committed = (ROOT / "services/nlu-svc/data" / name).read_text(encoding="utf-8")
        assert (tmp_path / name).read_text(encoding="utf-8") == committed, f"{name}: run scripts/nlu-data/generate.py"
