"""Evaluation measures in NumPy, one per module, shared by training, tuning, evaluation and reports."""
