"""Command-line entry points: each command is a thin wrapper over a library function."""

import functools
import os
import shlex
import sys

import click

from mritool.errors import MritoolError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class FriendlyGroup(click.Group):
    """Turns expected failures into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MritoolError as exc:
            raise click.ClickException(str(exc)) from None
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror}".lstrip(": ")) from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


def _command_line() -> str:
    return shlex.join(["mritool", *sys.argv[1:]])


@click.group(cls=FriendlyGroup)
@click.version_option(package_name="mritool")
def main():
    """Brain-MRI tumor pipeline: screen slices with a classifier, outline tumors with a segmenter.

    \b
    Example:
      mritool synth phantoms/ --patients 8
      mritool index phantoms/
      mritool demo --out demo-output/
    """


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
@click.option("--check-images/--no-check-images", default=True, show_default=True, help="Decode every image.")
def index(root, out, check_images):
    """Index a kaggle_3m-layout or unlabelled folder of slices and summarise it.

    \b
    Example:
      mritool index ../shared/data/lgg/kaggle_3m --out index.csv
    """
    from mritool.data.index import index_folder
    from mritool.io import write_csv_atomic

    result = index_folder(root, check_images=check_images)
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
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--validation-fraction", default=0.2, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
def split(root, out, validation_fraction, seed):
    """Write a patient-level train/validation split as JSON.

    \b
    Example:
      mritool split ../shared/data/lgg/kaggle_3m --out split.json --seed 0
    """
    from mritool.data.split import make_split, save_split
    from mritool.training.slices import labelled_slices

    result = make_split(labelled_slices(root), validation_fraction, seed)
    save_split(result, out)
    click.echo(f"train: {len(result['train'])} patients, validation: {len(result['validation'])} patients -> {out}")


def training_options(function):
    """Options every training command takes."""
    options = [
        click.option("--data", "data_root", required=True, type=click.Path(), help="Labelled kaggle_3m-layout root."),
        click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Model folder."),
        click.option("--split", "split_path", type=click.Path(dir_okay=False), help="Split JSON (default: made from --seed)."),
        click.option("--validation-fraction", default=0.2, show_default=True, type=float),
        click.option("--epochs", default=40, show_default=True, type=click.IntRange(1)),
        click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1)),
        click.option("--learning-rate", default=1e-3, show_default=True, type=float),
        click.option("--steps-per-epoch", type=click.IntRange(1), help="Default: one pass over the training slices."),
        click.option("--patience", default=8, show_default=True, type=click.IntRange(1), help="Early-stopping patience."),
        click.option("--seed", default=0, show_default=True, type=int),
        click.option("--precision", default="mixed_bfloat16", show_default=True,
                     type=click.Choice(["float32", "mixed_bfloat16", "mixed_float16"])),
        click.option("--time-budget", type=float, help="Minutes; stops cleanly with the best checkpoint."),
        click.option("--image-size", default=256, show_default=True, type=click.IntRange(32)),
        click.option("--normalization", default="volume", show_default=True, type=click.Choice(["volume", "slice"])),
        click.option("--resume", is_flag=True, help="Continue from OUT/checkpoints."),
    ]
    return functools.reduce(lambda f, option: option(f), reversed(options), function)


def _configs(kwargs):
    from mritool.data.preprocessing import PreprocessConfig
    from mritool.training.fit import FitConfig

    fit_config = FitConfig(
        epochs=kwargs.pop("epochs"), batch_size=kwargs.pop("batch_size"), learning_rate=kwargs.pop("learning_rate"),
        steps_per_epoch=kwargs.pop("steps_per_epoch"), patience=kwargs.pop("patience"), seed=kwargs.pop("seed"),
        precision=kwargs.pop("precision"), time_budget_min=kwargs.pop("time_budget"),
    )
    preprocessing = PreprocessConfig(image_size=kwargs.pop("image_size"), normalization=kwargs.pop("normalization"))
    return fit_config, preprocessing


@main.group()
def train():
    """Train a stage (or both) on labelled data."""


@train.command("classifier")
@training_options
@click.option("--target-sensitivity", default=0.97, show_default=True, type=click.FloatRange(0, 1, min_open=True))
@click.option("--positive-fraction", default=0.5, show_default=True, type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Share of tumor slices in each training batch.")
@click.option("--backbone-weights", type=click.Path(dir_okay=False), help="Local ResNet50 no-top weights file.")
def train_classifier_command(**kwargs):
    """Train the ResNet50 screening classifier and choose its threshold.

    \b
    Example:
      mritool train classifier --data ../shared/data/lgg/kaggle_3m --out models/ --image-size 128
    """
    from mritool.classifier.train import train_classifier

    fit_config, preprocessing = _configs(kwargs)
    card = train_classifier(fit_config=fit_config, preprocessing=preprocessing, command=_command_line(), **kwargs)
    metrics = card["validation_metrics"]
    click.echo(
        f"validation: AUC {metrics['roc_auc']:.3f}, sensitivity {metrics['sensitivity']:.3f}, "
        f"specificity {metrics['specificity']:.3f} at threshold {metrics['threshold']:.4f}"
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
def train_segmenter_command(**kwargs):
    """Train the ResUNet segmenter (focal-Tversky loss) and tune its post-processing.

    \b
    Example:
      mritool train segmenter --data ../shared/data/lgg/kaggle_3m --out models/
    """
    from mritool.segmenter.train import train_segmenter

    fit_config, preprocessing = _configs(kwargs)
    card = train_segmenter(fit_config=fit_config, preprocessing=preprocessing, command=_command_line(), **kwargs)
    metrics = card["validation_metrics"]
    click.echo(
        f"validation (no classifier in front): per-patient Dice mean {metrics['patient_dice_mean']:.3f}, "
        f"median {metrics['patient_dice_median']:.3f}"
    )
    click.echo(f"model: {kwargs['out_dir']}/segmenter.keras (card segmenter.json)")
