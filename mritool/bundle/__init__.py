"""A model folder: each stage's weights with the card that says how to use and reproduce them, read
once by ``ModelFolder``; the default bundle that ships in the package."""
