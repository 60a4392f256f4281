"""The model registry: versioned models per domain (base model + adapter), the regression gate
that promotes them, rollbacks, and comparisons of versions (see docs/registry.md).

Importing this package is cheap: no model, database or eval code loads until it is used.
"""

from dslgen.registry.file import ModelRegistry, registry_path, served_version
from dslgen.registry.records import GateRow, HistoryEvent, ModelVersion, RegistryBook, SuiteScore

__all__ = [
    "GateRow",
    "HistoryEvent",
    "ModelRegistry",
    "ModelVersion",
    "RegistryBook",
    "SuiteScore",
    "registry_path",
    "served_version",
]
