"""Where the classifier's training time goes: training steps per second of the ResNet50 on tensors
already in memory, with and without XLA and at two batch sizes, beside the rate at which the real input
pipeline (read, resize, normalise, augment) delivers slices on its own.

Configurations are timed in turns, ``--repeats`` times each, so a busy machine slows them alike; the
median is printed. With ``--data``, the input pipeline of ``train classifier`` on those patients too.

    python benchmarks/training_speed.py --data ../shared/data/lgg/kaggle_3m --image-size 128
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from mritool.classifier.model import build_classifier
from mritool.data.preprocessing import PreprocessConfig
from mritool.machine import describe_machine, training_policy
from mritool.training.augment import AugmentConfig
from mritool.training.dataset import classifier_training_dataset, training_data


def model_rate(size: int, batch: int, jit: bool, steps: int) -> float:
    """Slices a second through ``steps`` training steps of a freshly built classifier (after one warm-up fit)."""
    keras.utils.set_random_seed(0)
    model = build_classifier(size)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", jit_compile=jit)
    rng = np.random.default_rng(0)
    images = rng.normal(size=(batch, size, size, 3)).astype(np.float32)
    labels = rng.integers(0, 2, size=(batch, 1)).astype(np.float32)
    data = tf.data.Dataset.from_tensors((images, labels)).repeat()
    model.fit(data, steps_per_epoch=2, epochs=1, verbose=0)  # tracing and compilation
    started = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch / (time.perf_counter() - started)


def pipeline_rate(data_root: Path, size: int, batches: int) -> float:
    """Slices a second the training input pipeline delivers with nothing consuming them but this loop."""
    config = PreprocessConfig(image_size=size)
    with tempfile.TemporaryDirectory() as scratch:  # training_data writes the split it makes
        data = training_data(data_root, Path(scratch), config)
    batches_ds = classifier_training_dataset(data.data, data.train, data.train_stats, config, 16, 0, 0.5, AugmentConfig())
    iterator = iter(batches_ds)
    next(iterator)
    started = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * 16 / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    machine = describe_machine()
    policy = training_policy(machine)[0]  # what `--precision auto` trains under here
    print(f"machine: {machine}")
    keras.config.set_dtype_policy(policy)
    configs = [(batch, jit) for batch in (16, 32) for jit in (False, True)]
    rates = {config: [] for config in configs}
    for _ in range(args.repeats):
        for batch, jit in configs:
            rates[(batch, jit)].append(model_rate(args.image_size, batch, jit, args.steps))
    print(f"ResNet50 classifier at {args.image_size} px, {policy}, {args.steps} steps, median of {args.repeats}")
    print("| batch | XLA | slices/s |\n|---:|---|---:|")
    for (batch, jit), values in rates.items():
        print(f"| {batch} | {'on' if jit else 'off'} | {statistics.median(values):.1f} |")
    if args.data:
        print(f"input pipeline alone: {pipeline_rate(args.data, args.image_size, 60):.1f} slices/s")


if __name__ == "__main__":
    main()
