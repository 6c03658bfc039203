from mritool.segmenter.metrics.dice import DiceCoefficient, dice_score
from mritool.segmenter.metrics.iou import iou_score

__all__ = ["DiceCoefficient", "dice_score", "iou_score"]
