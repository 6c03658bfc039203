"""Command-line entry points: each command is a thin wrapper over a library function."""

import functools
import os
import shlex
import sys
import time
from pathlib import Path

import click

from mritool.bundle.card import TARGET_SENSITIVITY
from mritool.bundle.keras_import import VERBOSE, import_keras
from mritool.bundle.fit_config import AUTO, POLICIES, SCHEDULES, FitConfig
from mritool.bundle.runtime_spec import PRECISIONS
from mritool.errors import MritoolError
from mritool.runtimes import registered_runtimes


class ModelFolder(click.ParamType):
    """A model folder, or ``default``: the model inside the package."""

    name = "MODELS|default"

    def convert(self, value, param, ctx):
        from mritool.bundle.default import folder_of

        return folder_of(value)  # checked where it is used, after the inputs are


MODELS = ModelFolder()
MODELS_HELP = "Model folder, or `default` (the model inside the package)."
PRECISION_HELP = ("auto: mixed_bfloat16 where the CPU computes bfloat16 natively (avx512_bf16, amx_bf16) or on a "
                  "GPU with bfloat16 tensor cores, mixed_float16 on older tensor-core GPUs, float32 otherwise.")

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class Registered(click.Choice):
    """A choice among the names a registry holds when the command runs, so a runtime registered after this
    module was imported (a plugin, a test) is accepted as the built-in ones are."""

    def __init__(self, names):
        self._names = names
        super().__init__(())

    @property
    def choices(self):
        return tuple(self._names())

    @choices.setter
    def choices(self, _):  # click's __init__ sets it; the registry is the one source
        pass


class FriendlyGroup(click.Group):
    """Turns expected failures into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MritoolError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:  # a missing file, a full disk: the system's one-line reason is the message
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


def _command_line() -> str:
    return shlex.join(["mritool", *sys.argv[1:]])


MODEL_COMMANDS = {"train", "evaluate", "tune", "demo"}  # the commands that always load TensorFlow


@click.group(cls=FriendlyGroup)
@click.version_option(package_name="mritool")
@click.option("--verbose", is_flag=True, help="Show the libraries' own log lines (TensorFlow, OpenVINO).")
@click.pass_context
def main(ctx, verbose):
    """Brain-MRI tumor pipeline: screen slices with a classifier, outline tumors with a segmenter.

    \b
    Example:
      mritool synth phantoms/ --patients 8
      mritool index phantoms/
      mritool demo --out demo-output/
    """
    if verbose:
        os.environ[VERBOSE] = "1"
    elif ctx.invoked_subcommand in MODEL_COMMANDS:
        import_keras()


@main.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--patients", default=6, show_default=True, type=click.IntRange(1))
@click.option("--slices", default=20, show_default=True, type=click.IntRange(3))
@click.option("--size", default=256, show_default=True, type=click.IntRange(32))
@click.option("--seed", default=0, show_default=True, type=int)
def synth(out, patients, slices, size, seed):
    """Write synthetic phantom patients in the kaggle_3m layout.

    \b
    Example:
      mritool synth phantoms/ --patients 8 --slices 24 --seed 1
    """
    from mritool.data.synthetic import make_phantoms

    make_phantoms(out, patients, slices, size, seed)
    click.echo(f"wrote {patients} patients x {slices} slices ({size}x{size}) to {out}")


@main.command()
@click.argument("root", type=click.Path())
@click.option("--out", type=click.Path(dir_okay=False), help="Write the slice table as CSV.")
def index(root, out):
    """Index a kaggle_3m-layout or unlabelled folder of slices and summarise it.

    \b
    Example:
      mritool index ../shared/data/lgg/kaggle_3m --out index.csv
    """
    from mritool.data.index import index_folder
    from mritool.io import write_csv_atomic

    result = index_folder(root)
    slices = result.slices
    click.echo(f"patients: {slices['patient_id'].nunique()}")
    click.echo(f"slices: {len(slices)}")
    labelled = slices["has_tumor"].notna()
    click.echo(f"slices with a mask: {int(labelled.sum())}")
    click.echo(f"positive slices: {int(slices['has_tumor'].fillna(False).sum())}")
    click.echo(f"unreadable files: {len(result.problems)}")
    for row in result.problems.itertuples():
        click.echo(f"  {row.path}: {row.error}")
    if out:
        write_csv_atomic(out, slices)
        click.echo(f"wrote {out}")


@main.command()
@click.argument("root", type=click.Path())
@click.option("--out", required=True, type=click.Path(), help="Split JSON; with --folds, a folder of fold_K.json.")
@click.option("--validation-fraction", default=0.2, show_default=True, type=float)
@click.option("--folds", type=click.IntRange(2), help="K-fold cross-validation: K splits whose validation sets "
              "partition the patients, written as OUT/fold_0.json ... (--validation-fraction is then unused).")
@click.option("--seed", default=0, show_default=True, type=int)
def split(root, out, validation_fraction, folds, seed):
    """Write a patient-level train/validation split as JSON, or K of them for cross-validation.

    \b
    Examples:
      mritool split ../shared/data/lgg/kaggle_3m --out split.json --seed 0
      mritool split ../shared/data/lgg/kaggle_3m --folds 5 --out folds/
    """
    from mritool.data.split import make_folds, make_split, save_split
    from mritool.training.slices import labelled_slices

    slices = labelled_slices(root)
    if folds is None:
        result = make_split(slices, validation_fraction, seed)
        save_split(result, out)
        click.echo(f"train: {len(result['train'])} patients, validation: {len(result['validation'])} patients -> {out}")
        return
    for fold in make_folds(slices, folds, seed):
        path = Path(out) / f"fold_{fold['fold']}.json"
        save_split(fold, path)
        click.echo(f"fold {fold['fold']}: train {len(fold['train'])}, validation {len(fold['validation'])} -> {path}")


def training_options(function):
    """Options every training command takes."""
    options = [
        click.option("--data", "data_root", required=True, type=click.Path(), help="Labelled kaggle_3m-layout root."),
        click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Model folder."),
        click.option("--split", "split_path", type=click.Path(dir_okay=False), help="Split JSON (default: made from --seed)."),
        click.option("--validation-fraction", default=0.2, show_default=True, type=float),
        click.option("--epochs", default=FitConfig.epochs, show_default=True, type=click.IntRange(1)),
        click.option("--batch-size", default=FitConfig.batch_size, show_default=True, type=click.IntRange(1)),
        click.option("--learning-rate", default=FitConfig.learning_rate, show_default=True, type=float),
        click.option("--steps-per-epoch", type=click.IntRange(1), help="Default: one pass over the training slices."),
        click.option("--patience", default=FitConfig.patience, show_default=True, type=click.IntRange(1), help="Early-stopping patience."),
        click.option("--seed", default=FitConfig.seed, show_default=True, type=int),
        click.option("--precision", default=FitConfig.precision, show_default=True, type=click.Choice((AUTO, *POLICIES)),
                     help=PRECISION_HELP),
        click.option("--time-budget", type=float, help="Minutes; stops cleanly with the best checkpoint."),
        click.option("--image-size", default=256, show_default=True, type=click.IntRange(32)),
        click.option("--normalization", default="volume", show_default=True, type=click.Choice(["volume", "slice"])),
        click.option("--resume", is_flag=True, help="Continue from OUT/checkpoints."),
        click.option("--init", type=MODELS, help="Fine-tune: start from this model folder's (or `default`'s) weights "
                     "for the stage, with its preprocessing, instead of from scratch."),
        click.option("--schedule", default=FitConfig.schedule, show_default=True, type=click.Choice(SCHEDULES),
                     help="plateau: LR halving, early stopping, best epoch kept; cosine: fixed epochs, final weights kept; "
                          "budget: cosine over --time-budget, final weights kept."),
        click.option("--ema", "ema_momentum", type=click.FloatRange(0, 1, min_open=True, max_open=True),
                     help="Average the weights over training with this momentum (e.g. 0.99)."),
    ]
    return functools.reduce(lambda f, option: option(f), reversed(options), function)


def _configs(kwargs):
    from mritool.data.preprocessing import PreprocessConfig

    fit_config = FitConfig(
        epochs=kwargs.pop("epochs"), batch_size=kwargs.pop("batch_size"), learning_rate=kwargs.pop("learning_rate"),
        steps_per_epoch=kwargs.pop("steps_per_epoch"), patience=kwargs.pop("patience"), seed=kwargs.pop("seed"),
        precision=kwargs.pop("precision"), time_budget_min=kwargs.pop("time_budget"),
        schedule=kwargs.pop("schedule"), ema_momentum=kwargs.pop("ema_momentum"),
    )
    preprocessing = PreprocessConfig(image_size=kwargs.pop("image_size"), normalization=kwargs.pop("normalization"),
                                     neighbour_slices=kwargs.pop("neighbour_slices", 0))
    return fit_config, preprocessing


@main.group()
def train():
    """Train a stage (or both) on labelled data."""


@train.command("classifier")
@training_options
@click.option("--target-sensitivity", default=TARGET_SENSITIVITY, show_default=True, type=click.FloatRange(0, 1, min_open=True))
@click.option("--positive-fraction", default=0.5, show_default=True, type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Share of tumor slices in each training batch.")
@click.option("--backbone-weights", type=click.Path(dir_okay=False), help="Local ResNet50 no-top weights file.")
@click.option("--monitor", default="val_loss", show_default=True, type=click.Choice(["val_loss", "val_auc"]),
              help="What the plateau schedule watches and keeps the best epoch by.")
@click.option("--slice-context/--no-slice-context", default=False, show_default=True,
              help="Screen on scores averaged with the neighbouring slices' (kernel 1/4, 1/2, 1/4).")
@click.option("--neighbour-slices", default=0, show_default=True, type=click.IntRange(0, 4),
              help="Feed the FLAIR of this many slices on either side as extra input channels.")
def train_classifier_command(**kwargs):
    """Train the ResNet50 screening classifier and choose its threshold.

    \b
    Example:
      mritool train classifier --data ../shared/data/lgg/kaggle_3m --out models/ --image-size 128
    """
    from mritool.classifier.train import train_classifier

    fit_config, preprocessing = _configs(kwargs)
    card = train_classifier(fit_config=fit_config, preprocessing=preprocessing, command=_command_line(), **kwargs)
    metrics = card.validation_metrics
    click.echo(
        f"validation: AUC {metrics['roc_auc']:.3f} (single slices {metrics['slice_roc_auc']:.3f}), "
        f"sensitivity {metrics['sensitivity']:.3f}, specificity {metrics['specificity']:.3f} "
        f"at threshold {metrics['threshold']:.4f}"
    )
    click.echo(f"model: {kwargs['out_dir']}/classifier.keras (card classifier.json)")


@train.command("segmenter")
@training_options
@click.option("--negative-fraction", default=0.0, show_default=True, type=click.FloatRange(0, 1, max_open=True),
              help="Share of tumor-free slices mixed into training.")
@click.option("--base-filters", default=16, show_default=True, type=click.IntRange(1))
@click.option("--depth", default=4, show_default=True, type=click.IntRange(1, 6))
@click.option("--alpha", default=0.7, show_default=True, type=float, help="Tversky weight of false negatives.")
@click.option("--gamma", default=0.75, show_default=True, type=float, help="Focal-Tversky exponent.")
@click.option("--area-oversampling/--no-area-oversampling", default=False, show_default=True,
              help="Draw tumor slices in proportion to tumor area (plus a 10% floor).")
def train_segmenter_command(**kwargs):
    """Train the ResUNet segmenter (focal-Tversky loss) and tune its post-processing.

    \b
    Example:
      mritool train segmenter --data ../shared/data/lgg/kaggle_3m --out models/
    """
    from mritool.segmenter.train import train_segmenter

    fit_config, preprocessing = _configs(kwargs)
    card = train_segmenter(fit_config=fit_config, preprocessing=preprocessing, command=_command_line(), **kwargs)
    metrics = card.validation_metrics
    click.echo(
        f"validation (no classifier in front): per-patient Dice mean {metrics['patient_dice_mean']:.3f}, "
        f"median {metrics['patient_dice_median']:.3f}"
    )
    click.echo(f"model: {kwargs['out_dir']}/segmenter.keras (card segmenter.json)")


@main.group()
def evaluate():
    """Evaluate a stage, or the two-stage pipeline, on labelled patients of a split."""


def evaluation_options(function):
    options = [
        click.option("--data", "data_root", required=True, type=click.Path(), help="Labelled kaggle_3m-layout root."),
        click.option("--model", "--models", "model_dir", default="default", show_default=True, type=MODELS, help=MODELS_HELP),
        click.option("--split", "split_path", type=click.Path(dir_okay=False), help="Split JSON (default: the model's own)."),
        click.option("--subset", default="validation", show_default=True, type=click.Choice(["validation", "train"])),
        click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Default: MODEL/evaluation."),
    ]
    return functools.reduce(lambda f, option: option(f), reversed(options), function)


def _echo_metrics(metrics: dict) -> None:
    for key, value in metrics.items():
        click.echo(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")


@evaluate.command("classifier")
@evaluation_options
@click.option("--threshold", type=click.FloatRange(0, 1), help="Override the card's threshold.")
def evaluate_classifier_command(**kwargs):
    """Sensitivity, specificity, precision, ROC AUC and confusion matrix; a ROC curve PNG.

    \b
    Example:
      mritool evaluate classifier --data ../shared/data/lgg/kaggle_3m --model models/
    """
    from mritool.classifier.evaluate import evaluate_classifier

    _echo_metrics(evaluate_classifier(**kwargs))


@evaluate.command("segmenter")
@evaluation_options
def evaluate_segmenter_command(**kwargs):
    """Dice/IoU per tumor slice and Dice per patient volume (mean, median), written to CSV.

    \b
    Example:
      mritool evaluate segmenter --data ../shared/data/lgg/kaggle_3m --model models/
    """
    from mritool.segmenter.evaluate import evaluate_segmenter

    _echo_metrics(evaluate_segmenter(**kwargs))


@evaluate.command("pipeline")
@evaluation_options
def evaluate_pipeline_command(**kwargs):
    """Both stages end to end: final-call sensitivity/specificity, per-patient Dice, slices the classifier stopped.

    \b
    Example:
      mritool evaluate pipeline --data ../shared/data/lgg/kaggle_3m --models models/
    """
    from mritool.recipes.evaluate import evaluate_pipeline

    _echo_metrics(evaluate_pipeline(**kwargs))


class _Progress:
    """Patients done, slices per second and time left, on one stderr line rewritten in place."""

    def __init__(self):
        self.started, self.slices, self.done = time.monotonic(), 0, 0

    def __call__(self, done: int, total: int, slices: int) -> None:
        self.slices, self.done = self.slices + slices, done
        elapsed = max(time.monotonic() - self.started, 1e-9)
        left = elapsed / done * (total - done)
        click.echo(f"\rscreening: {done}/{total} patients, {self.slices / elapsed:.1f} slices/s, "
                   f"about {left:.0f} s left ", err=True, nl=done == total)

    def summary(self, resumed: int, errors: int) -> str:
        elapsed = time.monotonic() - self.started
        return (f"screened {self.done} patients ({self.slices} slices) in {elapsed:.0f} s, "
                f"{self.slices / max(elapsed, 1e-9):.1f} slices/s; {resumed} taken from an earlier run; "
                f"{errors} error rows")


@main.command("tune")
@click.option("--data", "data_root", required=True, type=click.Path(), help="Labelled kaggle_3m-layout root.")
@click.option("--models", "--model", "models_dir", required=True, type=MODELS,
              help="Model folder with classifier.keras, its card and split.json (and optionally the segmenter), or "
                   "`default`; its cards are rewritten.")
@click.option("--target-sensitivity", default=TARGET_SENSITIVITY, show_default=True, type=click.FloatRange(0, 1, min_open=True))
@click.option("--slice-context/--no-slice-context", default=False, show_default=True,
              help="Screen on scores averaged with the neighbouring slices' (kernel 1/4, 1/2, 1/4).")
def tune_command(**kwargs):
    """Choose the classifier's threshold again and re-tune the segmenter's post-processing behind it.

    Validation patients of the folder's split only; no retraining; rewrites the cards.

    \b
    Example:
      mritool tune --data ../shared/data/lgg/kaggle_3m --models models/ --target-sensitivity 0.97
    """
    from mritool.recipes.tune import tune_stages

    _echo_metrics(tune_stages(command=_command_line(), **kwargs))


@main.command("ensemble")
@click.argument("members", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--data", "data_root", required=True, type=click.Path(), help="The labelled root the members were trained on.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Model folder to write.")
@click.option("--segmenter", "segmenters", multiple=True, type=click.Path(file_okay=False),
              help="Model folder whose segmenter is copied beside the ensemble and re-tuned behind it; given "
                   "more than once, the mean of those segmenters (same split) is written instead.")
def ensemble_command(**kwargs):
    """Average classifiers trained on one split into one screening classifier and choose its threshold
    (and segmenters into one segmenter, with --segmenter given more than once).

    \b
    Example:
      mritool ensemble runs/cls_s1 runs/cls_s2 runs/cls_s3 --data ../shared/data/lgg/kaggle_3m \\
          --out runs/ensemble --segmenter runs/seg_s1 --segmenter runs/seg_s2
    """
    from mritool.recipes.ensemble import ensemble_classifiers

    metrics = ensemble_classifiers(command=_command_line(), **kwargs).validation_metrics
    click.echo(f"validation: AUC {metrics['roc_auc']:.3f}, sensitivity {metrics['sensitivity']:.3f}, "
               f"specificity {metrics['specificity']:.3f} at threshold {metrics['threshold']:.4f}")


@main.command("crossval")
@click.argument("fold_dirs", metavar="FOLDS...", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--data", "data_root", required=True, type=click.Path(), help="The labelled root the folds were trained on.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for crossval.json, folds.csv and patients.csv.")
@click.option("--target-sensitivity", default=TARGET_SENSITIVITY, show_default=True, type=click.FloatRange(0, 1, min_open=True))
def crossval_command(**kwargs):
    """Pool the folds' held-out predictions: the threshold and post-processing chosen on all of them, and
    each fold scored at the choice made on the other folds (its mean and worst).

    \b
    Example:
      mritool crossval runs/cv/fold_0 runs/cv/fold_1 runs/cv/fold_2 runs/cv/fold_3 runs/cv/fold_4 \\
          --data ../shared/data/lgg/kaggle_3m --out docs/cv
    """
    from mritool.recipes.crossval import cross_validate

    result = cross_validate(**kwargs)
    pooled, nested = result["pooled_choice"], result["nested"]
    click.echo(f"pooled choice: threshold {pooled['threshold']:.4f}, post-processing {pooled['postprocessing']}")
    for name in ("mean", "worst"):
        figures = nested[name]
        click.echo(f"folds at the choice made without them, {name}: sensitivity {figures['sensitivity']:.3f}, "
                   f"specificity {figures['specificity']:.3f}, per-patient Dice mean {figures['dice_mean']:.3f}, "
                   f"median {figures['dice_median']:.3f}, worst patient {figures['dice_worst']:.3f}")
    click.echo(f"tumor patients flagged: {nested['tumor_patients_flagged']}")


@main.command("screen")
@click.argument("scans", type=click.Path())
@click.option("--models", "models_dir", default="default", show_default=True, type=MODELS,
              help="Folder with both stages' models and cards, or `default`: the model inside the package.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Default: SCANS-mritool in the current folder (an existing one is refused unless --overwrite or --resume).")
@click.option("--qa", default="positives", show_default=True, type=click.Choice(["all", "positives", "none"]),
              help="Which slices get a QA figure.")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(1))
@click.option("--voxel-mm3", type=click.FloatRange(0, min_open=True),
              help="Voxel volume for studies without geometry (2D slice folders); NIfTI and DICOM give their own.")
@click.option("--runtime", type=Registered(registered_runtimes),
              help="Default: the runtime the models were tuned on (OpenVINO, compiled once and cached beside the "
                   "weights). onnxruntime runs float32 and needs the onnx extra.")
@click.option("--precision", type=click.Choice(PRECISIONS),
              help="Default: the precision the models were tuned on where this machine computes it natively, "
                   "else float32 (provenance says which ran).")
@click.option("--overwrite", is_flag=True, help="Replace the results of an earlier run in OUT.")
@click.option("--tta", is_flag=True, help="Segment each slice and its mirror image, average them and report how "
              "far they disagree (tta_disagreement; least sure patients first). Costs a second segmenter pass.")
@click.option("--resume", is_flag=True, help="Continue a run in OUT: keep the patients it finished with the same "
              "models and settings, screen the rest (and any whose input changed).")
@click.option("--engine", default="local", show_default=True, type=click.Choice(["local", "ray"]),
              help="local: this machine, the fastest there. ray: an actor pool on Ray Data (the ray extra); OUT must "
                   "be a path every worker can write.")
@click.option("--ray-address", help="Join this Ray cluster (e.g. ray://head:10001 or auto); default: a local Ray.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1),
              help="Ray actors, each loading the models once.")
@click.option("--cpus-per-worker", type=click.IntRange(1),
              help="CPUs each Ray actor reserves and computes on (default: this machine's cores / --workers).")
@click.option("--register", is_flag=True, help="Register every study's other sequences rigidly onto its FLAIR "
              "(for series in another frame of reference or a patient who moved; the register extra, SimpleITK).")
def screen_command(**kwargs):
    """Screen every slice, segment the screened positives, write CSVs, masks, figures and report.html.

    Exits with status 3 when some inputs could not be screened (their rows in slices.csv say why).

    \b
    Example:
      mritool screen scans/ --models models/ --out results/
      mritool screen /shared/registry --models models/ --out /shared/results --engine ray --ray-address auto --workers 16 --resume
    """
    from mritool.recipes.screen import screen

    progress = _Progress()
    result = screen(progress=progress, **kwargs)
    if result.runtime_note:
        click.echo(f"note: {result.runtime_note}", err=True)
    _echo_metrics(result.summary)
    click.echo(f"report: {result.out_dir / 'report.html'}")
    errors = result.summary["error rows"]
    click.echo(progress.summary(result.resumed, errors), err=True)
    if errors:
        click.echo(f"error: {errors} input files could not be screened (status 'error' in slices.csv)", err=True)
        sys.exit(3)


@main.command("quantize")
@click.argument("models_dir", type=MODELS)
@click.option("--data", "data_root", required=True, type=click.Path(), help="The labelled root the models were trained on.")
@click.option("--patients", default=8, show_default=True, type=click.IntRange(1),
              help="Training patients of the folder's split to calibrate on.")
@click.option("--seed", default=0, show_default=True, type=int)
def quantize_command(models_dir, data_root, patients, seed):
    """Quantize both stages to INT8 OpenVINO graphs kept in the model folder (the int8 extra).

    Calibrated on training patients only; screen with `--runtime openvino --precision int8`.

    \b
    Example:
      mritool quantize models/ --data ../shared/data/lgg/kaggle_3m
      mritool screen scans/ --models models/ --out results/ --precision int8
    """
    from mritool.recipes.quantize import quantize_models

    record = quantize_models(models_dir, data_root, patients, seed, _command_line())
    for kind, stage in record["stages"].items():
        click.echo(f"{kind}: int8/{stage['graph']} ({stage['calibration_slices']} calibration slices)")


@main.command("export")
@click.argument("models_dir", type=MODELS)
@click.option("--format", "fmt", required=True, type=click.Choice(["onnx", "savedmodel", "openvino"]))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
def export_command(models_dir, fmt, out_dir):
    """Export both stages' float32 graphs with their cards, to run without mritool's training stack.

    \b
    Example:
      mritool export models/ --format onnx --out exported/
    """
    from mritool.recipes.export import export_models

    for path in export_models(models_dir, out_dir, fmt):
        click.echo(str(path))


@main.command("models")
@click.argument("models_dir", default="default", type=MODELS)
def models_command(models_dir):
    """The model card of a bundle (default: the model inside the package): data, intended use, limitations,
    validation figures, how it was made, citation and licence.

    \b
    Example:
      mritool models
    """
    from mritool.bundle.default import describe_bundle, model_folder

    click.echo(describe_bundle(model_folder(models_dir)))


@main.command("pack")
@click.argument("models_dir", type=MODELS)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Bundle folder to write.")
@click.option("--name", required=True, help="The bundle's name (provenance names it).")
@click.option("--version", "bundle_version", required=True, help="The bundle's version.")
def pack_command(models_dir, out_dir, name, bundle_version):
    """Make a trained model folder a bundle to ship: float16 weights, cards, split and bundle.json.

    \b
    Example:
      mritool pack runs/train_all --out mritool/models/default --name default --version 1
    """
    from mritool.recipes.pack import pack_bundle

    info = pack_bundle(models_dir, out_dir, name, bundle_version, _command_line())
    click.echo(f"{name} {bundle_version}: {info['weights_mb']} MB -> {out_dir}")


@main.command("qa")
@click.argument("slices_csv", type=click.Path())
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--which", default="all", show_default=True, type=click.Choice(["all", "positives"]))
@click.option("--overwrite", is_flag=True, help="Replace the results of an earlier run in OUT.")
def qa_command(slices_csv, out_dir, which, overwrite):
    """Re-export QA figures and the report from an existing slices.csv, without the models.

    \b
    Example:
      mritool qa results/slices.csv --out qa/ --which positives
    """
    from mritool.recipes.screen import reexport_figures

    figures = reexport_figures(slices_csv, out_dir, which, overwrite)
    click.echo(f"wrote {len(figures)} figures and {out_dir}/report.html")


@main.command("demo")
@click.option("--out", "out_dir", default="demo-output", show_default=True, type=click.Path(file_okay=False))
@click.option("--seed", default=0, show_default=True, type=int)
def demo_command(out_dir, seed):
    """Make phantoms, train both stages briefly, screen held-out patients and write the report.

    \b
    Example:
      mritool demo --out demo-output/
    """
    from mritool.recipes.demo import run_demo

    result = run_demo(out_dir, seed, log=lambda line: click.echo(line, err=True))
    _echo_metrics(result.summary)
    click.echo(f"report: {result.out_dir / 'report.html'}")


@train.command("all")
@click.option("--data", "data_root", required=True, type=click.Path(), help="Labelled kaggle_3m-layout root.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Model folder for both stages.")
@click.option("--time-budget", "time_budget_min", default=150, show_default=True, type=click.FloatRange(1),
              help="Minutes for the whole run; each stage stops cleanly with its best checkpoint.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--split", "split_path", type=click.Path(dir_okay=False), help="Split JSON (default: made from --seed).")
@click.option("--precision", default=FitConfig.precision, show_default=True, type=click.Choice((AUTO, *POLICIES)),
              help=PRECISION_HELP)
@click.option("--classifier-members", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Train this many classifiers (seeds SEED, SEED+1, ...) within the classifier's share and screen on their mean.")
@click.option("--segmenter-members", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Train this many segmenters (seeds SEED, SEED+1, ...) within the segmenter's share and segment with their mean.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run in OUT: stages with a card are kept, the "
              "others go on from their last epoch.")
@click.option("--init", type=MODELS, help="Fine-tune: start both stages from this model folder's (or `default`'s) "
              "weights instead of from scratch.")
def train_all_command(**kwargs):
    """Train both stages on one split, tune them together, evaluate the pipeline: one folder for `screen`.

    \b
    Example:
      mritool train all --data ../shared/data/lgg/kaggle_3m --out models/ --time-budget 150
    """
    from mritool.recipes.train_all import train_all

    _echo_metrics(train_all(command=_command_line(), log=lambda line: click.echo(line, err=True), **kwargs))
