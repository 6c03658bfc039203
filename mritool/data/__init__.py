"""What both stages share: reading, indexing, preprocessing, splits and synthetic data."""
