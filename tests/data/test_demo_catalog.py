"""The committed demo catalog (services/rec-svc/demo) is valid, consistent and reproducible.

scripts/demo-catalog/check.py does the work; it also regenerates the files into a temporary
folder and compares bytes, so a generator change without regenerated data fails here.
"""
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECK = os.path.join(ROOT, "scripts", "demo-catalog", "check.py")
DEMO = os.path.join(ROOT, "services", "rec-svc", "demo")


def run_check(*args):
    return subprocess.run([sys.executable, CHECK, *args], capture_output=True, text=True, timeout=300)


def test_demo_catalog_passes_check():
    proc = run_check()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "check: ok" in proc.stdout


def test_check_rejects_a_broken_copy(tmp_path):
    # The checker must not be a rubber stamp: a wrong order total and a duplicate sku fail it.
    for name in os.listdir(DEMO):
        if name.endswith(".jsonl"):
            with open(os.path.join(DEMO, name), "rb") as src:
                (tmp_path / name).write_bytes(src.read())
    orders = (tmp_path / "orders.jsonl").read_text(encoding="utf-8").splitlines()
    orders[0] = orders[0].replace('"total":', '"total":1', 1)
    (tmp_path / "orders.jsonl").write_text("\n".join(orders) + "\n", encoding="utf-8")
    products = (tmp_path / "products.jsonl").read_text(encoding="utf-8").splitlines()
    (tmp_path / "products.jsonl").write_text("\n".join(products + products[:1]) + "\n", encoding="utf-8")
    proc = run_check("--dir", str(tmp_path), "--skip-determinism")
    assert proc.returncode == 1
    assert "total" in proc.stderr
    assert "duplicate sku" in proc.stderr
