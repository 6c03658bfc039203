from mritool.segmenter.losses.focal_tversky import FocalTverskyLoss
from mritool.segmenter.losses.tversky import TverskyLoss, tversky_index

__all__ = ["FocalTverskyLoss", "TverskyLoss", "tversky_index"]
