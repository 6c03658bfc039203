"""Screening speed: slices/s, per-stage time, GFLOP/s against a measured matmul peak, peak RSS,
and the speed-up over a slice-by-slice loop like the public notebook's, all in one run.

    python benchmarks/screen_speed.py --models runs/models                 # synthetic phantoms
    python benchmarks/screen_speed.py --models runs/models --data ../shared/data/lgg/kaggle_3m
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from flops import forward_flops  # noqa: E402

from mritool.data.index import index_folder  # noqa: E402
from mritool.data.preprocessing import preprocess  # noqa: E402
from mritool.data.reader import read_image  # noqa: E402
from mritool.data.synthetic import make_phantoms  # noqa: E402
from mritool.pipeline.models import load_stages  # noqa: E402
from mritool.pipeline.run import screen  # noqa: E402
from mritool.pipeline.timings import StageTimings  # noqa: E402
from mritool.training.dataset import intensity_stats_per_slice  # noqa: E402


def matmul_peak_gflops(dtype: str, n: int = 4096, repeats: int = 5) -> float:
    import tensorflow as tf

    a = tf.random.normal((n, n), dtype=tf.float32)
    a = tf.cast(a, dtype)
    product = tf.function(lambda x: tf.linalg.matmul(x, x))
    product(a).numpy()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        product(a).numpy()
        times.append(time.perf_counter() - started)
    return 2 * n**3 / float(np.median(times)) / 1e9


def reference_loop(slices, stages, count: int) -> float:
    """The notebook's way: per slice, read, predict one image, read again, predict the mask. Returns slices/s."""
    subset = slices.head(count)
    classifier_config, segmenter_config = stages.classifier_preprocessing, stages.segmenter_preprocessing
    classifier_stats = intensity_stats_per_slice(subset, classifier_config)
    segmenter_stats = intensity_stats_per_slice(subset, segmenter_config)
    started = time.perf_counter()
    for i, path in enumerate(subset["image_path"]):
        x = preprocess(read_image(path, classifier_config.image_size), classifier_stats[i], classifier_config)
        if stages.classifier.predict(x[None], verbose=0)[0, 0] >= stages.threshold:
            x = preprocess(read_image(path, segmenter_config.image_size), segmenter_stats[i], segmenter_config)
            stages.segmenter.predict(x[None], verbose=0)
    return count / (time.perf_counter() - started)


def run_pipeline(data, models, batch_size):
    """One timed screening run in this process; returns the figures as a dict."""
    stages = load_stages(models)
    index = index_folder(data)
    slices = index.slices
    with tempfile.TemporaryDirectory() as out:
        screen(models_dir=models, out_dir=out, slices=slices.head(min(len(slices), 64)), qa="none", stages=stages)  # warm-up
        timings = StageTimings()
        started = time.perf_counter()
        result = screen(models_dir=models, out_dir=out, slices=slices, qa="none", batch_size=batch_size, stages=stages,
                        timings=timings)
        wall = time.perf_counter() - started
    screened = int(result.slices["screened_positive"].fillna(False).sum())
    flops = forward_flops(stages.classifier) * len(slices) + forward_flops(stages.segmenter) * screened
    stage_seconds = dict(timings.seconds)
    stage_seconds["csv+report"] = wall - sum(stage_seconds.values())
    return {
        "slices": len(slices), "screened_positive": screened, "wall_s": wall, "slices_per_s": len(slices) / wall,
        "achieved_gflops": flops / wall / 1e9, "stage_seconds": stage_seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "classifier_gflop_per_slice": forward_flops(stages.classifier) / 1e9,
        "segmenter_gflop_per_slice": forward_flops(stages.segmenter) / 1e9,
    }


def child_rss(data, models, batch_size) -> float:
    output = subprocess.run(
        [sys.executable, __file__, "--models", str(models), "--data", str(data), "--batch-size", str(batch_size), "--child"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])["peak_rss_mib"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", required=True, help="model folder with both stages")
    parser.add_argument("--data", help="folder to screen (default: synthetic phantoms at the segmenter's size)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--reference-slices", type=int, default=48)
    parser.add_argument("--memory", action="store_true", help="also compare peak RSS at 1x and 10x the slices")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_pipeline(args.data, args.models, args.batch_size)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        size = load_stages(args.models).segmenter_preprocessing.image_size
        data = args.data or make_phantoms(Path(scratch) / "phantoms", patients=8, slices=32, size=size, seed=0)
        peaks = {dtype: matmul_peak_gflops(dtype) for dtype in ("float32", "bfloat16")}
        figures = run_pipeline(data, args.models, args.batch_size)
        stages = load_stages(args.models)
        reference = reference_loop(index_folder(data).slices, stages, args.reference_slices)
        positive_share = figures["screened_positive"] / figures["slices"]
        limit = peaks["bfloat16"] * 1e9 / ((figures["classifier_gflop_per_slice"] + positive_share * figures["segmenter_gflop_per_slice"]) * 1e9)
        print(f"data: {data} ({figures['slices']} slices, {figures['screened_positive']} screened positive)")
        print(f"matmul peak: float32 {peaks['float32']:.0f} GFLOP/s, bfloat16 {peaks['bfloat16']:.0f} GFLOP/s")
        print(f"model cost: classifier {figures['classifier_gflop_per_slice']:.2f} GFLOP/slice, "
              f"segmenter {figures['segmenter_gflop_per_slice']:.2f} GFLOP/slice")
        print(f"pipeline: {figures['slices_per_s']:.1f} slices/s, {figures['achieved_gflops']:.0f} GFLOP/s "
              f"({figures['achieved_gflops'] / peaks['bfloat16']:.0%} of the bfloat16 matmul peak)")
        print(f"compute limit at this positive share: {limit:.1f} slices/s; pipeline reaches {figures['slices_per_s'] / limit:.0%}")
        for stage, seconds in sorted(figures["stage_seconds"].items(), key=lambda item: -item[1]):
            print(f"  {stage:16s} {seconds:7.2f} s  {seconds / figures['wall_s']:5.1%}")
        print(f"reference slice-by-slice loop: {reference:.1f} slices/s; speed-up {figures['slices_per_s'] / reference:.1f}x")
        print(f"peak RSS: {figures['peak_rss_mib']:.0f} MiB")
        if args.memory:
            ten = make_phantoms(Path(scratch) / "phantoms10", patients=80, slices=32, size=size, seed=0)
            one_x, ten_x = child_rss(data, args.models, args.batch_size), child_rss(ten, args.models, args.batch_size)
            print(f"peak RSS 1x: {one_x:.0f} MiB, 10x: {ten_x:.0f} MiB, ratio {ten_x / one_x:.3f}")


if __name__ == "__main__":
    main()
