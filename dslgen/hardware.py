"""What the CPU can do, read once from /proc/cpuinfo: it decides the dtype models run in.

Decoding and embedding with a small model on CPU are memory-bound: bfloat16 halves the bytes
read per token and, where the CPU computes bf16 natively (AVX512-BF16 or AMX), runs 30–45 %
faster than float32. Where bf16 is emulated it is slower, so the choice depends on these flags.
"""

from __future__ import annotations

from pathlib import Path

_NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU advertises bf16 arithmetic (x86 flags; False where unknown)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    flags = {
        word for line in text.splitlines() if line.startswith("flags") for word in line.split()
    }
    return bool(flags & _NATIVE_BF16_FLAGS)


def trains_in_bf16(precision: str, device: str) -> bool:
    """Whether training runs under bf16 autocast with a bf16 frozen base: `precision` "bf16" or
    "fp32" as given; "auto" on CUDA and on CPUs that compute bf16 natively (1.3-1.5x the fp32
    tokens/s of bench/train.py there; emulated bf16 is slower)."""
    if precision != "auto":
        return precision == "bf16"
    return device.startswith("cuda") or cpu_has_native_bf16()
