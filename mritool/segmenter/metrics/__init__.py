from mritool.segmenter.metrics.dice import DiceCoefficient

__all__ = ["DiceCoefficient"]
