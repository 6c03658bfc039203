from mritool.segmenter.losses.focal_tversky import FocalTverskyLoss
from mritool.segmenter.losses.tversky import tversky_index

__all__ = ["FocalTverskyLoss", "tversky_index"]
