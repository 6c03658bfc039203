"""A model folder: each stage's weights with the card that says how to use and reproduce them."""
