"""Training speed of both stages under each dtype policy, side by side, with the machine they ran on:
the measurement behind ``--precision auto``.

Each (stage, policy) pair trains a freshly built model for ``--steps`` steps on tensors already in
memory (after a warm-up fit that traces the graph), as ``train all`` builds and compiles it: the
classifier at 128 px, the segmenter at 256 px, batch 16. Pairs are timed in turns, ``--repeats``
times each, so a busy machine slows them alike; the median is printed, with the policy ``auto`` picks.

    python benchmarks/training_precisions.py --steps 10 --repeats 3
"""

import argparse
import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from mritool.classifier.model import build_classifier
from mritool.machine import describe_machine, training_policy
from mritool.segmenter.losses import FocalTverskyLoss
from mritool.segmenter.model import build_resunet

STAGES = {  # stage: (image size, build and compile a model, label shape)
    "classifier": (128, lambda: _compiled(build_classifier(128), "binary_crossentropy"), (1,)),
    "segmenter": (256, lambda: _compiled(build_resunet(256), FocalTverskyLoss()), (256, 256, 1)),
}


def _compiled(model, loss):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
    return model


def rate(stage: str, policy: str, steps: int, batch: int = 16) -> float:
    """Slices a second through ``steps`` training steps of ``stage`` built under ``policy``."""
    size, build, label_shape = STAGES[stage]
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy(policy)
    try:
        model = build()
    finally:
        keras.config.set_dtype_policy("float32")
    rng = np.random.default_rng(0)
    images = rng.normal(size=(batch, size, size, 3)).astype(np.float32)
    labels = (rng.random((batch, *label_shape)) > 0.7).astype(np.float32)
    data = tf.data.Dataset.from_tensors((images, labels)).repeat()
    model.fit(data, steps_per_epoch=2, epochs=1, verbose=0)  # tracing
    started = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stages", default="classifier,segmenter")
    args = parser.parse_args()
    machine = describe_machine()
    chosen, reason = training_policy(machine)
    print(f"machine: {machine}")
    print(f"auto chooses {chosen}: {reason}")
    policies = ["float32", "mixed_bfloat16"] + (["mixed_float16"] if machine.gpus else [])
    pairs = [(stage, policy) for stage in args.stages.split(",") for policy in policies]
    rates = {pair: [] for pair in pairs}
    for round_ in range(args.repeats):
        for pair in pairs if round_ % 2 == 0 else pairs[::-1]:
            rates[pair].append(rate(*pair, args.steps))
    print(f"{args.steps} steps of batch 16, median of {args.repeats}")
    print("| stage | policy | slices/s | vs float32 |\n|---|---|---:|---:|")
    for stage, policy in pairs:
        median = statistics.median(rates[(stage, policy)])
        print(f"| {stage} | {policy}{' (auto)' if policy == chosen else ''} | {median:.1f} | "
              f"{median / statistics.median(rates[(stage, 'float32')]):.2f} |")


if __name__ == "__main__":
    main()
