"""Readers: one module per format, each registering itself on import (see base.py)."""

import importlib
import pkgutil

from mritool.volumes.readers.base import (Study, VolumeReader, find_studies, read_study, register_reader,
                                          registered_readers, slice_files)

__all__ = ["Study", "VolumeReader", "find_studies", "read_study", "register_reader", "registered_readers",
           "slice_files"]

# Every other module of this package is a built-in reader that registers itself on import.
for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
