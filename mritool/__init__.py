"""mritool: a two-stage brain-MRI tumor pipeline (screen with a classifier, outline with a segmenter)."""

__version__ = "0.1.0"
