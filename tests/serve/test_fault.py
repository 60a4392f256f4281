"""The fault test of bench/serve.py: SIGKILL the real server mid-load, restart it on the same
database, and every acknowledged interaction is still there with an intact database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "serve.py"


def test_a_server_killed_mid_load_loses_no_acknowledged_interaction(eager_tiny_model, tmp_path):
    command = [sys.executable, str(BENCH), "--model", str(eager_tiny_model), "--no-retrieval"]
    command += ["--clients", "6", "--requests", "6", "--kill-after", "6", "--k", "1"]
    command += ["--max-tokens", "48", "--queue", "8"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    killed = re.search(r"SIGKILL .* after (\d+) acknowledged requests \((\d+) cut off", done.stdout)
    assert killed and int(killed[1]) >= 6 and int(killed[2]) >= 1, done.stdout
    assert f"0 of {killed[1]} acknowledged interactions lost" in done.stdout
    assert "integrity_check: ok" in done.stdout and "a new request: 200" in done.stdout
    assert "fault test: OK" in done.stdout
