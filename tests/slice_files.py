"""One slice file read straight to a model's input size, without a study around it: for tests that train
or check on single slices."""

from pathlib import Path

import numpy as np

from mritool.volumes.image import as_model_input, binary_mask, decode, resize_mask


def read_image(path, size: int) -> np.ndarray:
    """A slice as float32 (size, size, 3) in its source intensity scale."""
    return as_model_input(decode(Path(path)), size, path)


def read_mask(path, size: int) -> np.ndarray:
    """A binary uint8 (size, size) mask, resized nearest-neighbour."""
    return resize_mask(binary_mask(decode(Path(path)), path), (size, size))
