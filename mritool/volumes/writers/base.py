"""The mask-writer protocol and registry: a writer serves the formats it names, so each study's masks
go back in its own space and format, and reads them back (``mritool qa`` draws from the files). Adding a writer is adding one module to this package that
subclasses ``MaskWriter`` and calls ``register_writer``."""

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from mritool.errors import MritoolError
from mritool.volumes.volume import Volume


class MaskWriter(ABC):
    name: str
    formats: tuple[str, ...]  # the reader names whose volumes it writes back

    @abstractmethod
    def write(self, volume: Volume, masks: dict[int, np.ndarray], out_dir: Path) -> dict[int, str]:
        """Write ``masks`` (slice position -> binary mask at that slice's own shape) under ``out_dir``;
        returns the file each position's mask went to. Raises MritoolError when it cannot write."""

    @abstractmethod
    def read(self, volume: Volume, files: dict[int, str]) -> dict[int, np.ndarray]:
        """The binary masks ``write`` wrote for ``volume`` (``files``: slice position -> its file), each at
        that slice's own shape. Raises MritoolError when a file is missing or not such a mask."""


_WRITERS: dict[str, MaskWriter] = {}


def register_writer(writer: MaskWriter) -> MaskWriter:
    _WRITERS[writer.name] = writer
    return writer


def writer_for(volume_format: str) -> MaskWriter:
    for writer in reversed(_WRITERS.values()):  # the latest registration wins
        if volume_format in writer.formats:
            return writer
    raise MritoolError(f"no mask writer is registered for {volume_format!r} volumes")
