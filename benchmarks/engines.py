"""The local engine and the Ray engine on the same studies, side by side in one run.

Each engine screens the whole root as ``mritool screen`` would, model loading included (the Ray run
also starts a local Ray and its actors), into its own temporary folder; the order alternates over
``--repeats`` rounds and medians are printed, with the Ray overhead as a ratio. Then an estimate for a
10,000-patient registry on N workers from the measured per-patient cost: a worker (an actor on 2 cores
like this machine's) screens its share at the Ray run's rate here, start-up included, so the estimate
leans long; the driver's final merge is left out.

    python benchmarks/engines.py --data ../shared/data/lgg/kaggle_3m --models models/ --repeats 3
"""

import statistics
import tempfile
import time
from pathlib import Path

from _common import arguments, in_turns, start
from mritool.recipes.screen import screen
from mritool.volumes.readers import find_studies

REGISTRY = 10_000


def main():
    parser = arguments(__doc__, repeats=3)
    parser.add_argument("--workers", type=int, default=1, help="Ray actors (each loads the models once)")
    parser.add_argument("--qa", default="positives", choices=["all", "positives", "none"])
    args = start(parser)

    import ray

    studies = find_studies(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        def run(engine, round_):
            result = screen(studies=studies, models_dir=args.models, out_dir=Path(tmp) / f"{engine}{round_}",
                            qa=args.qa, engine=engine, workers=args.workers)
            if engine == "ray":
                ray.shutdown()  # each Ray round starts cold, as a new command would
            return int(result.summary["slices"])

        walls, counts = in_turns(["local", "ray"], args.repeats, run)
        slices = counts["local"]
        started = time.monotonic()
        ray.init(include_dashboard=False, log_to_driver=False, logging_level="error")
        ray_start = time.monotonic() - started
        ray.shutdown()

    local, remote = statistics.median(walls["local"]), statistics.median(walls["ray"])
    print(f"\n{len(studies)} patients, {slices} slices, QA {args.qa}, {args.workers} Ray worker(s), "
          f"medians of {args.repeats}")
    print(f"| engine | wall s | slices/s |\n|---|---:|---:|\n| local | {local:.1f} | {slices / local:.1f} |\n"
          f"| ray | {remote:.1f} | {slices / remote:.1f} |")
    print(f"Ray overhead: {remote / local:.2f}x the local wall (ray.init alone {ray_start:.1f} s)")
    per_patient = remote / len(studies)
    print(f"per-patient cost on this machine: {local / len(studies):.2f} s local, {per_patient:.2f} s on a Ray actor")
    for workers in (1, 8, 32, 128):
        hours = (ray_start + REGISTRY * per_patient / workers) / 3600
        print(f"estimate, {REGISTRY} patients on {workers} workers of 2 cores: {hours:.2f} h")


if __name__ == "__main__":
    main()
