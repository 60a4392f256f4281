"""What every user of llama.cpp (through llama-cpp-python's C API) in dslgen shares: whether it
is installed, its log chatter silenced, and how many threads it runs."""

from __future__ import annotations

import ctypes
import importlib.util
import os
from typing import Any

_LOG_SILENCER: Any = None


def llama_cpp_available() -> bool:
    """Whether llama-cpp-python is installed (the `fast` extra)."""
    return importlib.util.find_spec("llama_cpp") is not None


def load_llama_cpp() -> Any:
    """The `llama_cpp` module with its backend started and its logs silenced (a CLI user sees
    none of llama.cpp's loading chatter on stderr)."""
    global _LOG_SILENCER
    import llama_cpp

    if _LOG_SILENCER is None:
        _LOG_SILENCER = llama_cpp.llama_log_callback(lambda level, text, data: None)
        llama_cpp.llama_log_set(_LOG_SILENCER, ctypes.c_void_p())
        llama_cpp.llama_backend_init()
    return llama_cpp


def default_threads() -> int:
    """Threads for llama.cpp: `$DSLGEN_THREADS`, else the cores this process may use."""
    configured = os.environ.get("DSLGEN_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, len(os.sched_getaffinity(0)))
