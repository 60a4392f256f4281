"""Store fixtures: every store test runs on SQLite and on a real PostgreSQL cluster.

The cluster is started once per test session (per xdist worker) in a temp folder on a free port,
as ../shared/toolchain.md describes (initdb refuses root, so as the `postgres` user), and stopped
at the end. Each test gets its own database. Without the server binaries the PostgreSQL cases
skip with a reason; the SQLite ones always run.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dslgen.decode.pipeline import Candidate, GenerateResult
from dslgen.decode.sampler import Sample
from dslgen.records import Error, Report
from tests.conftest import DATA

GOOD_SCRIPT = (DATA / "pdflow" / "spec_example.tcl").read_text()


def _pg_bin() -> Path | None:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as `postgres` when we are root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL (no database) of a throw-away PostgreSQL cluster, stopped after the session."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'dslgen[serve]')")
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as `postgres`")
    base = Path(tempfile.mkdtemp(prefix="dslgen-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    port = _free_port()
    data, log = base / "data", base / "log"
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data)]
    quiet = {"check": True, "capture_output": True, "timeout": 120}
    try:
        subprocess.run(
            _as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust"])
            + ["-U", "dslgen", "--no-sync", "-E", "UTF8"],
            **quiet,
        )
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_server_user([*pg_ctl, "-o", options, "-l", str(log), "-w", "start"]), **quiet
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL cluster: {exc}")
    try:
        yield f"postgresql+psycopg://dslgen@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_server_user([*pg_ctl, "-m", "fast", "-w", "stop"]), **quiet)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database in the session's cluster, dropped after the test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = postgres_server.replace("postgresql+psycopg", "postgresql") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_server}/{name}"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log' / 'interactions.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str):
    from dslgen.store import open_store

    with open_store(store_url) as opened:
        yield opened


def fake_result(script: str = GOOD_SCRIPT, valid: bool = True, k: int = 2) -> GenerateResult:
    """What `generate_script` returns, without a model: k samples, the first one chosen."""
    report = Report(
        valid_syntax=True,
        valid_dsl_blocks=True,
        policy_ok=True,
        semantics_ok=valid,
        errors=[]
        if valid
        else [Error("unknown_net", 6, "net CLK2 is not defined", "nearest: CLK")],
    )
    candidates = [
        Candidate(
            Sample(script if i == 0 else f"# sample {i}\n", 12 + i, -1.5 * (i + 1), 0.25), report, 0
        )
        for i in range(k)
    ]
    return GenerateResult(script, valid, report, candidates, "context", ["doc:a", "doc:b"], 1.25)


def log_one(store, instruction: str = "Route CLK on M3.", domain: str = "pdflow", **kwargs) -> int:
    fields = {"fixture": {"design_nets": {"VDD": "power"}}, "model_id": "tiny", **kwargs}
    result = fields.pop("result", None) or fake_result()
    return store.log_generation(result, instruction=instruction, domain=domain, **fields)
