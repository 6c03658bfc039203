"""Writers of predicted masks: one module per format, each registering itself on import (see base.py)."""

import importlib
import pkgutil

from mritool.volumes.writers.base import MaskWriter, register_writer, writer_for

__all__ = ["MaskWriter", "register_writer", "writer_for"]

# Every other module of this package is a built-in writer that registers itself on import.
for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
