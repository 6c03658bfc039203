"""The command line: it parses arguments and calls one library function per command. Choice lists come
from the library's registries and constants, read when a command runs; options shared by several
commands are declared once."""

import dataclasses
import functools
import importlib
import os
import shlex
import sys
from pathlib import Path

import click

from mritool.bundle.card import TARGET_SENSITIVITY
from mritool.bundle.fit_config import AUTO, POLICIES, SCHEDULES, FitConfig
from mritool.bundle.keras_import import VERBOSE, import_keras
from mritool.errors import MritoolError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
LABELLED_DATA = "../shared/data/lgg/kaggle_3m"  # what the examples train and evaluate on


def _library(target: str, keras: bool = False):
    """``module:function`` imported when its command runs (Keras first and quietly where it needs it), so
    `--help`, and a bad argument, never wait for TensorFlow."""
    if keras and not os.environ.get(VERBOSE):
        import_keras()
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


def _constant(target: str):
    return lambda: _library(target)


class Choices(click.Choice):
    """A choice among the names the library holds when the command runs (a registry, a constant), so a
    runtime registered after this module was imported (a plugin, a test) is accepted as the built-in ones."""

    def __init__(self, names):
        self._names = names
        super().__init__(())

    @property
    def choices(self):
        return tuple(self._names())

    @choices.setter
    def choices(self, _):  # click's __init__ sets it; the library is the one source
        pass


class ModelFolderType(click.ParamType):
    """A model folder, or ``default``: the model inside the package (checked where it is used, after the inputs)."""

    name = "MODELS|default"

    def convert(self, value, param, ctx):
        return _library("mritool.bundle.default:folder_of")(value)


class Folder(click.ParamType):
    """A folder that must exist: checked while parsing, before any library loads."""

    name = "FOLDER"

    def convert(self, value, param, ctx):
        if not Path(value).is_dir():
            raise MritoolError(f"{value}: no such folder")
        return value


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


def _options(*decorators):
    return lambda function: functools.reduce(lambda f, option: option(f), reversed(decorators), function)


def _command_line() -> str:
    return shlex.join(["mritool", *sys.argv[1:]])


def _echo_metrics(metrics: dict) -> None:
    for key, value in metrics.items():
        click.echo(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")


def _echo_lines(lines, err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


def _take(config_type, kwargs: dict):
    """A config dataclass made of the options named as its fields (removed from ``kwargs``)."""
    return config_type(**{f.name: kwargs.pop(f.name) for f in dataclasses.fields(config_type) if f.name in kwargs})


MODELS = ModelFolderType()
MODELS_OPTION = click.option("--models", "--model", "models_dir", default="default", show_default=True, type=MODELS,
                             help="Folder with both stages' models and cards, or `default`: the model inside the package.")
TARGET = click.option("--target-sensitivity", default=TARGET_SENSITIVITY, show_default=True,
                      type=click.FloatRange(0, 1, min_open=True), help="Validation slice sensitivity the threshold must reach.")
DATA = click.option("--data", "data_root", required=True, type=Folder(), help="Labelled kaggle_3m-layout root.")
SEED = click.option("--seed", default=0, show_default=True, type=int)
SPLIT = click.option("--split", "split_path", type=click.Path(dir_okay=False), help="Split JSON (default: made from --seed).")
VALIDATION_FRACTION = click.option("--validation-fraction", default=0.2, show_default=True, type=float)
MODEL_OUT = click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Model folder to write.")
TRAIN_PRECISION = click.option(
    "--precision", default=AUTO, show_default=True, type=click.Choice((AUTO, *POLICIES)),
    help="auto: mixed_bfloat16 where the CPU trains faster in it (amx_bf16, or avx512_bf16 on an AMD CPU) or on a "
         "GPU with bfloat16 tensor cores, mixed_float16 on older tensor-core GPUs, float32 otherwise.")
RESUME_TRAINING = click.option("--resume", is_flag=True, help="Continue an interrupted run in OUT from its last epoch.")
INIT = click.option("--init", type=MODELS, help="Fine-tune: start from this model folder's (or `default`'s) weights, "
                    "with its preprocessing, instead of from scratch.")


@click.group(cls=FriendlyGroup)
@click.version_option(package_name="mritool")
@click.option("--verbose", is_flag=True, help="Show the libraries' own log lines (TensorFlow, OpenVINO).")
def main(verbose):
    """Brain-MRI tumor pipeline: screen slices with a classifier, outline tumors with a segmenter.

    \b
    Example:
      mritool screen scans/
      mritool synth phantoms/ --patients 8
      mritool demo --out demo-output/
    """
    if verbose:
        os.environ[VERBOSE] = "1"


# data ---------------------------------------------------------------------------------------------------

@main.command()
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--patients", default=6, show_default=True, type=click.IntRange(1))
@click.option("--slices", default=20, show_default=True, type=click.IntRange(3))
@click.option("--size", default=256, show_default=True, type=click.IntRange(32))
@SEED
def synth(out, patients, slices, size, seed):
    """Write synthetic phantom patients in the kaggle_3m layout.

    \b
    Example:
      mritool synth phantoms/ --patients 8 --slices 24 --seed 1
    """
    _library("mritool.data.synthetic:make_phantoms")(out, patients, slices, size, seed)
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
    result = _library("mritool.data.index:index_folder")(root)
    _echo_lines(result.summary_lines())
    if out:
        _library("mritool.io:write_csv_atomic")(out, result.slices)
        click.echo(f"wrote {out}")


@main.command()
@click.argument("root", type=Folder())
@click.option("--out", required=True, type=click.Path(), help="Split JSON; with --folds, a folder of fold_K.json.")
@VALIDATION_FRACTION
@click.option("--folds", type=click.IntRange(2), help="K-fold cross-validation: K splits whose validation sets "
              "partition the patients, written as OUT/fold_0.json ... (--validation-fraction is then unused).")
@SEED
def split(root, out, validation_fraction, folds, seed):
    """Write a patient-level train/validation split as JSON, or K of them for cross-validation.

    \b
    Examples:
      mritool split ../shared/data/lgg/kaggle_3m --out split.json --seed 0
      mritool split ../shared/data/lgg/kaggle_3m --folds 5 --out folds/
    """
    slices = _library("mritool.data.labelled:labelled_slices")(root)
    _echo_lines(_library("mritool.data.split:write_splits")(slices, out, validation_fraction, folds, seed))


# training -----------------------------------------------------------------------------------------------

@main.group()
def train():
    """Train a stage (or both) on labelled data."""


def _stage_options(function):
    """Options of `train classifier` and `train segmenter`: FitConfig's, PreprocessConfig's and AugmentConfig's fields."""
    return _options(
        DATA, MODEL_OUT, SPLIT, VALIDATION_FRACTION,
        click.option("--epochs", default=FitConfig.epochs, show_default=True, type=click.IntRange(1)),
        click.option("--batch-size", default=FitConfig.batch_size, show_default=True, type=click.IntRange(1)),
        click.option("--learning-rate", default=FitConfig.learning_rate, show_default=True, type=float),
        click.option("--steps-per-epoch", type=click.IntRange(1), help="Default: one pass over the training slices."),
        click.option("--patience", default=FitConfig.patience, show_default=True, type=click.IntRange(1), help="Early-stopping patience."),
        SEED, TRAIN_PRECISION,
        click.option("--time-budget", "time_budget_min", type=float, help="Minutes; stops cleanly with the best checkpoint."),
        click.option("--image-size", default=256, show_default=True, type=click.IntRange(32)),
        click.option("--normalization", default="volume", show_default=True,
                     type=Choices(_constant("mritool.data.preprocessing:NORMALIZATIONS"))),
        click.option("--neighbour-slices", default=0, show_default=True, type=click.IntRange(0, 4),
                     help="Feed the FLAIR of this many slices on either side as extra input channels."),
        RESUME_TRAINING, INIT,
        click.option("--schedule", default=FitConfig.schedule, show_default=True, type=click.Choice(SCHEDULES),
                     help="plateau: LR halving, early stopping, best epoch kept; cosine: fixed epochs, final weights kept; "
                          "budget: cosine over --time-budget, final weights kept."),
        click.option("--ema", "ema_momentum", type=click.FloatRange(0, 1, min_open=True, max_open=True),
                     help="Average the weights over training with this momentum (e.g. 0.99)."),
        click.option("--missing-sequences", default=0.0, show_default=True, type=click.FloatRange(0, 1),
                     help="Share of training slices shown as if a contrast sequence were missing (its channel "
                          "replaced by FLAIR, as the LGG set stores such patients)."),
    )(function)


def _train_stage(target: str, kwargs: dict):
    from mritool.data.preprocessing import PreprocessConfig

    fit_config, preprocessing = _take(FitConfig, kwargs), _take(PreprocessConfig, kwargs)
    augment = _take(_library("mritool.training.augment:AugmentConfig", keras=True), kwargs)
    card = _library(target, keras=True)(fit_config=fit_config, preprocessing=preprocessing, augment=augment,
                                        command=_command_line(), **kwargs)
    _echo_metrics({key: value for key, value in card.validation_metrics.items() if not isinstance(value, dict)})
    click.echo(f"model: {Path(kwargs['out_dir']) / card.kind}.keras (card {card.kind}.json)")


@train.command("classifier")
@_stage_options
@TARGET
@click.option("--positive-fraction", default=0.5, show_default=True, type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Share of tumor slices in each training batch.")
@click.option("--backbone-weights", type=click.Path(dir_okay=False), help="Local ResNet50 no-top weights file.")
@click.option("--monitor", default="val_loss", show_default=True, type=click.Choice(["val_loss", "val_auc"]),
              help="What the plateau schedule watches and keeps the best epoch by.")
@click.option("--slice-context/--no-slice-context", default=False, show_default=True,
              help="Screen on scores averaged with the neighbouring slices' (kernel 1/4, 1/2, 1/4).")
def train_classifier_command(**kwargs):
    """Train the ResNet50 screening classifier and choose its threshold.

    \b
    Example:
      mritool train classifier --data ../shared/data/lgg/kaggle_3m --out models/ --image-size 128
    """
    _train_stage("mritool.classifier.train:train_classifier", kwargs)


@train.command("segmenter")
@_stage_options
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
    _train_stage("mritool.segmenter.train:train_segmenter", kwargs)


@train.command("all")
@_options(DATA, MODEL_OUT)
@click.option("--time-budget", "time_budget_min", default=150, show_default=True, type=click.FloatRange(1),
              help="Minutes for the whole run; each stage stops cleanly with its best checkpoint.")
@_options(SEED, SPLIT, TRAIN_PRECISION)
@click.option("--classifier-members", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Train this many classifiers (seeds SEED, SEED+1, ...) within the classifier's share and screen on their mean.")
@click.option("--segmenter-members", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Train this many segmenters (seeds SEED, SEED+1, ...) within the segmenter's share and segment with their mean.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run in OUT: stages with a card are kept, the "
              "others go on from their last epoch.")
@INIT
@click.option("--learning-rate", default=1e-3, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Both stages' starting learning rate; 1e-4 to fine-tune with --init.")
@click.option("--missing-sequences", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Both stages' share of training slices shown as if a contrast sequence were missing.")
def train_all_command(**kwargs):
    """Train both stages on one split, tune them together, evaluate the pipeline: one folder for `screen`.

    \b
    Example:
      mritool train all --data ../shared/data/lgg/kaggle_3m --out models/ --time-budget 150
    """
    log = functools.partial(click.echo, err=True)
    _echo_metrics(_library("mritool.recipes.train_all:train_all", keras=True)(command=_command_line(), log=log, **kwargs))


@main.command("tune")
@DATA
@click.option("--models", "--model", "models_dir", required=True, type=MODELS,
              help="Model folder with classifier.keras, its card and split.json (and optionally the segmenter), or "
                   "`default`; its cards are rewritten.")
@click.option("--target-sensitivity", type=click.FloatRange(0, 1, min_open=True),
              help="Validation slice sensitivity the threshold must reach (default: the card's).")
@click.option("--slice-context/--no-slice-context", default=None, help="Screen on scores averaged with the "
              "neighbouring slices' (kernel 1/4, 1/2, 1/4); default: as the card has it.")
@click.option("--confirm/--no-confirm", default=None, help="The classifier passes slices at sensitivity 0.995 and the "
              "segmenter confirms them, at the target sensitivity, by the mean of the screening score and its highest "
              "probability on the slice; default: as the segmenter card has it.")
@click.option("--confirm-threshold", type=click.FloatRange(0, 1, max_open=True),
              help="Confirm at this threshold (e.g. `crossval --confirm`'s pooled choice) instead of choosing one on "
                   "the folder's validation patients; implies --confirm.")
def tune_command(**kwargs):
    """Choose the classifier's threshold again and re-tune the segmenter's post-processing behind it.

    Validation patients of the folder's split only; no retraining; rewrites the cards.

    \b
    Example:
      mritool tune --data ../shared/data/lgg/kaggle_3m --models models/ --target-sensitivity 0.97
    """
    _echo_metrics(_library("mritool.recipes.tune:tune_stages", keras=True)(command=_command_line(), **kwargs))


@main.command("ensemble")
@click.argument("members", nargs=-1, type=click.Path(file_okay=False))
@_options(DATA, MODEL_OUT)
@click.option("--segmenter", "segmenters", multiple=True, type=click.Path(file_okay=False),
              help="Model folder whose segmenter is copied beside the ensemble and re-tuned behind it; given "
                   "more than once, the mean of those segmenters (same split) is written instead.")
def ensemble_command(**kwargs):
    """Average classifiers trained on one split into one screening classifier and choose its threshold
    (and segmenters into one segmenter, with --segmenter given more than once; one classifier with two or
    more --segmenter is kept as it is, the segmenters' mean put behind it; no classifier, the segmenters'
    mean alone). Members may be shown different neighbour slices: each reads its own channels of the
    widest member's input.

    \b
    Example:
      mritool ensemble runs/cls_s1 runs/cls_s2 runs/cls_s3 --data ../shared/data/lgg/kaggle_3m \\
          --out runs/ensemble --segmenter runs/seg_s1 --segmenter runs/seg_s2
    """
    card = _library("mritool.recipes.ensemble:ensemble", keras=True)(command=_command_line(), **kwargs)
    _echo_metrics({key: value for key, value in card.validation_metrics.items() if not isinstance(value, dict)})


@main.command("crossval")
@click.argument("fold_dirs", metavar="FOLDS...", nargs=-1, required=True, type=click.Path(file_okay=False))
@DATA
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for crossval.json, folds.csv and patients.csv.")
@TARGET
@click.option("--classifier-scores", type=click.Path(exists=True, dir_okay=False),
              help="slices.csv of an earlier crossval with the same folds: its classifier scores stand in for the "
                   "folders' classifiers, which they then need not hold (a new segmenter recipe, the same screening).")
@click.option("--confirm", is_flag=True, help="Choose a classifier gate at sensitivity 0.995 and the segmenter's "
              "confirmation at the target sensitivity (as `tune --confirm` does); sensitivity and specificity are then "
              "the confirmed slices'.")
def crossval_command(**kwargs):
    """Pool the folds' held-out predictions: the threshold and post-processing chosen on all of them, and
    each fold scored at the choice made on the other folds (its mean and worst).

    \b
    Examples:
      mritool crossval runs/cv/fold_0 runs/cv/fold_1 runs/cv/fold_2 runs/cv/fold_3 runs/cv/fold_4 \\
          --data ../shared/data/lgg/kaggle_3m --out docs/cv
      mritool crossval runs/cv/fold_*_seg --classifier-scores docs/cv/pooled/slices.csv \\
          --data ../shared/data/lgg/kaggle_3m --out runs/cv/pooled_seg
    """
    result = _library("mritool.recipes.crossval:cross_validate", keras=True)(**kwargs)
    _echo_lines(_library("mritool.recipes.crossval:summary_lines")(result))


# evaluation ---------------------------------------------------------------------------------------------

@main.group()
def evaluate():
    """Evaluate a stage, or the two-stage pipeline, on labelled patients of a split."""


EVALUATIONS = {  # command: (library function, what it measures, options of its own)
    "classifier": ("mritool.classifier.evaluate:evaluate_classifier",
                   "Sensitivity, specificity, precision, ROC AUC and confusion matrix; a ROC curve PNG.",
                   [click.option("--threshold", type=click.FloatRange(0, 1), help="Override the card's threshold.")]),
    "segmenter": ("mritool.segmenter.evaluate:evaluate_segmenter",
                  "Dice/IoU per tumor slice and Dice per patient volume (mean, median), written to CSV.", []),
    "pipeline": ("mritool.recipes.evaluate:evaluate_pipeline",
                 "Both stages end to end: final-call sensitivity/specificity, per-patient Dice, slices the classifier stopped.", []),
}


def _evaluation_command(name: str, target: str, doc: str, own_options: list):
    def command(**kwargs):
        _echo_metrics(_library(target, keras=True)(**kwargs))

    command.__doc__ = f"{doc}\n\n\b\nExample:\n  mritool evaluate {name} --data {LABELLED_DATA} --models models/\n"
    options = _options(
        DATA,
        MODELS_OPTION,
        click.option("--split", "split_path", type=click.Path(dir_okay=False), help="Split JSON (default: the model's own)."),
        click.option("--subset", default="validation", show_default=True, type=Choices(_constant("mritool.data.split:SUBSETS"))),
        click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Default: MODELS/evaluation."),
        *own_options,
    )
    evaluate.command(name)(options(command))


for _name, (_target, _doc, _own) in EVALUATIONS.items():
    _evaluation_command(_name, _target, _doc, _own)


# screening ----------------------------------------------------------------------------------------------

@main.command("screen")
@click.argument("scans", type=click.Path())
@MODELS_OPTION
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Default: SCANS-mritool in the current folder (an existing one is refused unless --overwrite or --resume).")
@click.option("--qa", default="positives", show_default=True, type=Choices(_constant("mritool.report.figures:QA_CHOICES")),
              help="Which slices get a QA figure.")
@click.option("--batch-size", default=32, show_default=True, type=click.IntRange(1))
@click.option("--voxel-mm3", type=click.FloatRange(0, min_open=True),
              help="Voxel volume for studies without geometry (2D slice folders); NIfTI and DICOM give their own.")
@click.option("--runtime", type=Choices(lambda: _library("mritool.runtimes:registered_runtimes")()),
              help="Default: the runtime the models were tuned on (OpenVINO, compiled once and cached beside the "
                   "weights). onnxruntime runs float32 and needs the onnx extra.")
@click.option("--precision", type=Choices(_constant("mritool.bundle.runtime_spec:PRECISIONS")),
              help="Default: the precision the models were tuned on where this machine computes it natively, "
                   "else float32 (provenance says which ran).")
@click.option("--overwrite", is_flag=True, help="Replace the results of an earlier run in OUT.")
@click.option("--tta", is_flag=True, help="Segment each slice and its mirror image, average them and report how "
              "far they disagree (tta_disagreement; least sure patients first). Costs a second segmenter pass.")
@click.option("--resume", is_flag=True, help="Continue a run in OUT: keep the patients it finished with the same "
              "models and settings, screen the rest (and any whose input changed).")
@click.option("--engine", default="local", show_default=True, type=Choices(_constant("mritool.recipes.screen:ENGINES")),
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
      mritool screen scans/
      mritool screen /shared/registry --models models/ --out /shared/results --engine ray --ray-address auto --workers 16 --resume
    """
    progress = _library("mritool.report.progress:Progress")()
    result = _library("mritool.recipes.screen:screen")(progress=progress, **kwargs)
    _echo_metrics(result.summary)
    click.echo(f"report: {result.out_dir / 'report.html'}")
    _echo_lines([progress.summary(result.resumed, result.summary["error rows"]), *result.notes()], err=True)
    sys.exit(result.exit_status)


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
    figures = _library("mritool.recipes.screen:reexport_figures")(slices_csv, out_dir, which, overwrite)
    click.echo(f"wrote {len(figures)} figures and {out_dir}/report.html")


@main.command("demo")
@click.option("--out", "out_dir", default="demo-output", show_default=True, type=click.Path(file_okay=False))
@SEED
def demo_command(out_dir, seed):
    """Make phantoms, train both stages briefly, screen held-out patients and write the report.

    \b
    Example:
      mritool demo --out demo-output/
    """
    result = _library("mritool.recipes.demo:run_demo", keras=True)(out_dir, seed, log=functools.partial(click.echo, err=True))
    _echo_metrics(result.summary)
    click.echo(f"report: {result.out_dir / 'report.html'}")


# model folders ------------------------------------------------------------------------------------------

@main.command("models")
@click.argument("models_dir", default="default", type=MODELS)
def models_command(models_dir):
    """The model card of a bundle (default: the model inside the package): data, intended use, limitations,
    validation figures, how it was made, citation and licence.

    \b
    Example:
      mritool models
    """
    folder = _library("mritool.bundle.model_folder:ModelFolder").open(models_dir)
    click.echo(_library("mritool.bundle.description:describe_bundle")(folder))


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
    info = _library("mritool.recipes.pack:pack_bundle", keras=True)(models_dir, out_dir, name, bundle_version, _command_line())
    click.echo(f"{name} {bundle_version}: {info['weights_mb']} MB -> {out_dir}")


@main.command("quantize")
@click.argument("models_dir", type=MODELS)
@DATA
@click.option("--patients", default=8, show_default=True, type=click.IntRange(1),
              help="Training patients of the folder's split to calibrate on.")
@SEED
def quantize_command(models_dir, data_root, patients, seed):
    """Quantize both stages to INT8 OpenVINO graphs kept in the model folder (the int8 extra).

    Calibrated on training patients only; screen with `--runtime openvino --precision int8`.

    \b
    Example:
      mritool quantize models/ --data ../shared/data/lgg/kaggle_3m
      mritool screen scans/ --models models/ --out results/ --precision int8
    """
    record = _library("mritool.recipes.quantize:quantize_models")(models_dir, data_root, patients, seed, _command_line())
    _echo_lines(f"{kind}: int8/{stage['graph']} ({stage['calibration_slices']} calibration slices)"
                for kind, stage in record["stages"].items())


@main.command("export")
@click.argument("models_dir", type=MODELS)
@click.option("--format", "fmt", required=True, type=Choices(_constant("mritool.recipes.export:FORMATS")))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
def export_command(models_dir, fmt, out_dir):
    """Export both stages' float32 graphs with their cards, to run without mritool's training stack.

    \b
    Example:
      mritool export models/ --format onnx --out exported/
    """
    _echo_lines(str(path) for path in _library("mritool.recipes.export:export_models", keras=True)(models_dir, out_dir, fmt))
