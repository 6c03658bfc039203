"""float32, bfloat16 and int8 side by side: screening speed on every patient, accuracy on the validation ones.

Screens the whole ``--data`` root with the model folder at each precision (OpenVINO; int8 needs
``mritool quantize`` first), once untimed to build and compile every graph, then ``--repeats`` timed
rounds in rotating order. Prints slices/s (median), and on the folder's validation patients the
per-patient Dice (mean, median, worst), the classifier's AUC, the sensitivity and specificity of the
slices screening keeps (the classifier at the card's threshold; where the card confirms, the confirmed
slices) and each precision's largest per-patient Dice change against float32.

    python benchmarks/precisions.py --data ../shared/data/lgg/kaggle_3m --models models/ --repeats 2
"""

import json
import statistics
import tempfile
from pathlib import Path

import numpy as np

from _common import arguments, in_turns, start
from mritool.classifier.screening_metrics import roc_auc
from mritool.metrics.confusion import sensitivity_specificity
from mritool.recipes.screen import screen
from mritool.runtimes import runtime_precisions
from mritool.volumes.readers import find_studies

PRECISIONS = tuple(p for p in ("float32", "bfloat16", "int8") if p in runtime_precisions("openvino"))  # this CPU's


def main():
    parser = arguments(__doc__, repeats=2)
    args = start(parser)
    studies = find_studies(args.data)
    validation = set(json.loads((args.models / "split.json").read_text())["validation"])
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for precision in PRECISIONS:
            results[precision] = screen(studies=studies, models_dir=args.models, out_dir=Path(tmp) / f"warm-{precision}",
                                        qa="none", runtime="openvino", precision=precision)
        walls, _ = in_turns(list(PRECISIONS), args.repeats, lambda precision, round_: screen(
            studies=studies, models_dir=args.models, out_dir=Path(tmp) / f"{precision}{round_}", qa="none",
            runtime="openvino", precision=precision))
    slices = int(results["float32"].summary["slices"])
    print(f"{len(studies)} patients, {slices} slices for speed; {len(validation)} validation patients for accuracy; "
          f"medians of {args.repeats} rounds")
    print("| precision | slices/s | Dice mean | median | worst | max change vs float32 | AUC | sensitivity | specificity |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    reference = results["float32"].patients.set_index("patient_id")["dice"]
    for precision in PRECISIONS:
        patients = results[precision].patients
        own = patients[patients["patient_id"].isin(validation)].set_index("patient_id")["dice"]
        rows = results[precision].slices
        rows = rows[rows["patient_id"].isin(validation) & (rows["status"] == "ok")]
        truth = rows["true_tumor"].astype(bool).to_numpy()
        sensitivity, specificity = sensitivity_specificity(truth, rows["confirmed"].astype(bool).to_numpy())
        change = float(np.abs(own - reference[own.index]).max())
        print(f"| {precision} | {slices / statistics.median(walls[precision]):.1f} | {own.mean():.4f} | {own.median():.4f} | "
              f"{own.min():.4f} | {change:.4f} | {roc_auc(truth, rows['tumor_probability'].to_numpy()):.4f} | "
              f"{sensitivity:.3f} | {specificity:.3f} |")


if __name__ == "__main__":
    main()
