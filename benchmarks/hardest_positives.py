"""Which validation tumor slices set a classifier's operating point: the lowest-scored ones, per model folder.

For each ``--models`` folder, scores the validation patients of its split on the runtime its card names
(the scores ``tune`` chose the threshold on) and prints the ``--show`` lowest-scored tumor slices with
their tumor area, and the tumor-free slices at or above the card's threshold, per patient.

    python benchmarks/hardest_positives.py --data ../shared/data/lgg/kaggle_3m --models runs/a runs/b --show 6
"""


from _common import arguments, start
from mritool.bundle.model_folder import ModelFolder
from mritool.classifier.operating_point import patient_scores
from mritool.runtimes import load_predictor
from mritool.data.labelled import evaluation_split, labelled_data


def main():
    parser = arguments(__doc__, models='many')
    parser.add_argument("--show", type=int, default=6)
    args = start(parser)
    data = labelled_data(args.data)
    for models in args.models:
        validation = data.subset(evaluation_split(models), "validation").reset_index(drop=True)
        opened = ModelFolder.open(models, needs=("classifier",))
        classify, card = load_predictor(opened, "classifier"), opened.classifier
        _, scores = patient_scores(data, validation, classify, card.preprocessing, card.slice_context)
        scored = validation.assign(score=scores)
        tumor = scored["has_tumor"].astype(bool)
        print(f"{models}: threshold {card.threshold:.4f}")
        print(scored[tumor].sort_values("score").head(args.show)[["patient_id", "slice_index", "tumor_area_px", "score"]]
              .to_string(index=False))
        above = scored[~tumor & card.screened(scored["score"])]["patient_id"].value_counts()
        print(f"tumor-free slices at or above the threshold: {int(above.sum())} "
              f"({', '.join(f'{p} {n}' for p, n in above.items())})\n")


if __name__ == "__main__":
    main()
