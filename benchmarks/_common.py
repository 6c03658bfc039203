"""What the benchmarks share: their common arguments, the machine line every report starts with, and
cases timed in turns."""

import argparse
import time
from pathlib import Path

from mritool.machine import describe_machine
from mritool.segmenter.scoring import patient_dice


def arguments(doc: str, data: bool = True, models: str | None = "one", repeats: int | None = None) -> argparse.ArgumentParser:
    """A parser with ``--data`` (required), ``--models`` (``one`` folder or ``many``, required) and ``--repeats``
    (rounds, with this default) where asked for; the benchmark adds its own arguments."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if data:
        parser.add_argument("--data", type=Path, required=True)
    if models:
        parser.add_argument("--models", type=Path, required=True, nargs="+" if models == "many" else None)
    if repeats:
        parser.add_argument("--repeats", type=int, default=repeats)
    return parser


def start(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The arguments, after printing the machine the figures are measured on."""
    args = parser.parse_args()
    print(f"machine: {describe_machine()}", flush=True)
    return args


def in_turns(cases: list, repeats: int, run) -> tuple[dict, dict]:
    """``run(case, round)`` for every case in each of ``repeats`` rounds, the order rotating from round to
    round so that a machine slowing down slows every case alike. Returns the wall seconds of each case's
    runs and what its last run returned."""
    walls, results = {case: [] for case in cases}, {}
    for round_ in range(repeats):
        for case in cases[round_ % len(cases):] + cases[:round_ % len(cases)]:
            started = time.perf_counter()
            results[case] = run(case, round_)
            walls[case].append(time.perf_counter() - started)
    return walls, results


def fold_dice_table(slices, truth, cases: dict, title: str) -> dict:
    """Per-patient Dice (patient_id -> Dice) of each case's masks over out-of-fold ``slices`` (with their
    ``fold``), printed as a table: each fold's mean / median, all patients', the worst patient."""
    fold_of = slices.groupby("patient_id")["fold"].first()
    dice = {name: patient_dice(slices, truth, masks).set_index("patient_id")["dice"] for name, masks in cases.items()}
    print(title)
    print("| fold | " + " | ".join(cases) + " |\n|---:|" + "---:|" * len(cases))
    for fold in sorted(fold_of.unique()):
        cells = [f"{d[fold_of == fold].mean():.3f} / {d[fold_of == fold].median():.3f}" for d in dice.values()]
        print(f"| {fold} | " + " | ".join(cells) + " |")
    print(f"| all {len(fold_of)} | " + " | ".join(f"{d.mean():.3f} / {d.median():.3f}" for d in dice.values()) + " |")
    print("| worst patient | " + " | ".join(f"{d.min():.3f}" for d in dice.values()) + " |")
    return dice
