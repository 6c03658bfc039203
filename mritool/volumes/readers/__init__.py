"""Readers: one module per format, each registering itself on import (see base.py)."""

from mritool.volumes.readers.base import Study, VolumeReader, find_studies, read_study, register_reader, registered_readers

__all__ = ["Study", "VolumeReader", "find_studies", "read_study", "register_reader", "registered_readers"]
