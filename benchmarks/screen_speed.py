"""Screening speed: slices/s, per-stage time, GFLOP/s against a measured matmul peak, peak RSS,
and the speed-up over a slice-by-slice loop like the public notebook's, all in one run, for each
runtime/precision pair asked for.

    python benchmarks/screen_speed.py --models runs/models                 # synthetic phantoms
    python benchmarks/screen_speed.py --models runs/models --data ../shared/data/lgg/kaggle_3m --memory
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

from mritool.bundle.model_folder import ModelFolder  # noqa: E402
from mritool.data.preprocessing import intensity_stats, preprocess  # noqa: E402
from mritool.data.synthetic import make_phantoms  # noqa: E402
from mritool.engine.stages import Stages  # noqa: E402
from mritool.engine.timings import StageTimings  # noqa: E402
from mritool.machine import describe_machine  # noqa: E402
from mritool.recipes.screen import screen  # noqa: E402
from mritool.volumes.image import as_model_input  # noqa: E402
from mritool.volumes.readers import find_studies, read_study  # noqa: E402


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM, not getrusage: ru_maxrss survives exec, so a child
    started from a large parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def reference_loop(data, models, count: int) -> float:
    """The notebook's way: per slice, predict one image, then predict its mask (pixels already read, volume
    statistics precomputed). Returns slices/s."""
    stages = Stages.open(models).load()
    classifier, segmenter = stages.folder.keras_model("classifier"), stages.folder.keras_model("segmenter")
    volume = read_study(find_studies(data)[0])
    images = [image for image in volume.images if image is not None][:count]
    configs = stages.folder.classifier.preprocessing, stages.folder.segmenter.preprocessing
    stats = [intensity_stats([as_model_input(i, c.image_size, "") for i in images]) for c in configs]
    started = time.perf_counter()
    for image in images:
        x = preprocess(as_model_input(image, configs[0].image_size, ""), stats[0], configs[0])
        if classifier.predict(x[None], verbose=0)[0, 0] >= stages.folder.classifier.threshold:
            x = preprocess(as_model_input(image, configs[1].image_size, ""), stats[1], configs[1])
            segmenter.predict(x[None], verbose=0)
    return len(images) / (time.perf_counter() - started)


def run_pipeline(data, models, batch_size, runtime="keras", precision="bfloat16"):
    """One timed screening run in this process; returns the figures as a dict."""
    stages = Stages.open(models, runtime, precision).load()
    classifier_flops = forward_flops(ModelFolder.open(models, needs=("classifier",)).keras_model("classifier"))
    segmenter_flops = forward_flops(ModelFolder.open(models, needs=("segmenter",)).keras_model("segmenter"))
    studies = find_studies(data)
    with tempfile.TemporaryDirectory() as out:
        screen(models_dir=models, out_dir=out, studies=studies[:2], qa="none", stages=stages)  # warm-up
        timings = StageTimings()
        started = time.perf_counter()
        result = screen(models_dir=models, out_dir=out, studies=studies, qa="none", batch_size=batch_size, stages=stages,
                        timings=timings)
        wall = time.perf_counter() - started
    slices = len(result.slices)
    screened = int(result.slices["screened_positive"].fillna(False).sum())
    flops = classifier_flops * slices + segmenter_flops * screened
    stage_seconds = dict(timings.seconds)
    # reading, post-processing of masks and writing run in worker threads beside the models
    stage_seconds["csv+report and the rest"] = wall - sum(stage_seconds.values())
    return {
        "slices": slices, "screened_positive": screened, "wall_s": wall, "slices_per_s": slices / wall,
        "achieved_gflops": flops / wall / 1e9, "stage_seconds": stage_seconds,
        "peak_rss_mib": peak_rss_mib(),
        "classifier_gflop_per_slice": classifier_flops / 1e9,
        "segmenter_gflop_per_slice": segmenter_flops / 1e9,
        "masks": result.slices["predicted_area_px"].to_numpy(),
    }


def child_rss(data, models, batch_size, runtime, precision) -> float:
    output = subprocess.run(
        [sys.executable, __file__, "--models", str(models), "--data", str(data), "--batch-size", str(batch_size),
         "--configs", f"{runtime}:{precision}", "--child"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])["peak_rss_mib"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", required=True, help="model folder with both stages")
    parser.add_argument("--data", help="folder to screen (default: synthetic phantoms at the segmenter's size)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--configs", default="keras:float32,keras:bfloat16,openvino:bfloat16",
                        help="runtime:precision pairs to time, side by side")
    parser.add_argument("--reference-slices", type=int, default=48)
    parser.add_argument("--memory", action="store_true", help="also compare peak RSS at 1x and 10x the slices")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    configs = [tuple(pair.split(":")) for pair in args.configs.split(",")]
    if args.child:
        figures = run_pipeline(args.data, args.models, args.batch_size, *configs[0])
        print(json.dumps({"peak_rss_mib": figures["peak_rss_mib"]}))
        return
    with tempfile.TemporaryDirectory() as scratch:
        size = ModelFolder.open(args.models).segmenter.preprocessing.image_size
        data = args.data or make_phantoms(Path(scratch) / "phantoms", patients=8, slices=32, size=size, seed=0)
        peaks = {dtype: matmul_peak_gflops(dtype) for dtype in ("float32", "bfloat16")}
        runs = {config: run_pipeline(data, args.models, args.batch_size, *config) for config in configs}
        reference = reference_loop(data, args.models, args.reference_slices)
        first = next(iter(runs.values()))
        positive_share = first["screened_positive"] / first["slices"]
        per_slice = first["classifier_gflop_per_slice"] + positive_share * first["segmenter_gflop_per_slice"]
        limit = peaks["bfloat16"] / per_slice
        print(f"data: {data} ({first['slices']} slices, {first['screened_positive']} screened positive)")
        print(f"matmul peak: float32 {peaks['float32']:.0f} GFLOP/s, bfloat16 {peaks['bfloat16']:.0f} GFLOP/s")
        print(f"model cost: classifier {first['classifier_gflop_per_slice']:.2f} GFLOP/slice, "
              f"segmenter {first['segmenter_gflop_per_slice']:.2f} GFLOP/slice; "
              f"bfloat16 compute limit at this positive share: {limit:.1f} slices/s")
        print(f"reference slice-by-slice loop (model.predict per image): {reference:.1f} slices/s")
        print()
        print("| runtime | precision | slices/s | x reference | % of bf16 limit | GFLOP/s | peak RSS MiB | stage seconds |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for (runtime, precision), figures in runs.items():
            stages = ", ".join(f"{k} {v:.1f}" for k, v in sorted(figures["stage_seconds"].items(), key=lambda kv: -kv[1]))
            print(f"| {runtime} | {precision} | {figures['slices_per_s']:.1f} | {figures['slices_per_s'] / reference:.1f} | "
                  f"{figures['slices_per_s'] / limit:.0%} | {figures['achieved_gflops']:.0f} | {figures['peak_rss_mib']:.0f} | {stages} |")
        if args.memory:
            runtime, precision = configs[-1]
            one = make_phantoms(Path(scratch) / "phantoms1x", patients=8, slices=32, size=size, seed=1)
            ten = make_phantoms(Path(scratch) / "phantoms10x", patients=80, slices=32, size=size, seed=1)
            one_x = child_rss(one, args.models, args.batch_size, runtime, precision)
            ten_x = child_rss(ten, args.models, args.batch_size, runtime, precision)
            print(f"\npeak RSS ({runtime} {precision}, phantoms): 1x (256 slices) {one_x:.0f} MiB, "
                  f"10x (2560 slices) {ten_x:.0f} MiB, ratio {ten_x / one_x:.3f}")


if __name__ == "__main__":
    main()
