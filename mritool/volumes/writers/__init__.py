"""Writers of predicted masks: one module per format, each registering itself on import (see base.py)."""

from mritool.volumes.writers.base import MaskWriter, register_writer, writer_for

__all__ = ["MaskWriter", "register_writer", "writer_for"]
