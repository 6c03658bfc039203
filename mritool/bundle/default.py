"""The model bundle that ships inside the package (``mritool/models/default``), used wherever a model
folder is asked for and none is given, or ``default`` is.

A bundle folder is an ordinary model folder; ``bundle.json`` beside the cards names it and its version
(written by ``mritool pack``), so provenance can say which shipped model screened.
"""

from pathlib import Path

from mritool.errors import MritoolError
from mritool.io import read_json

DEFAULT = "default"
PACKAGED = Path(__file__).resolve().parents[1] / "models"
BUNDLE_INFO = "bundle.json"


def folder_of(name_or_path=None) -> Path:
    """The folder ``name_or_path`` names: the packaged default for None or ``default``, else the path."""
    return PACKAGED / DEFAULT if name_or_path is None or str(name_or_path) == DEFAULT else Path(name_or_path)


def is_packaged(folder) -> bool:
    """Whether ``folder`` is the default that ships inside this installation."""
    return Path(folder) == PACKAGED / DEFAULT


def model_folder(name_or_path=None) -> Path:
    """``folder_of``, with a clear error where it is the default and this installation has none."""
    folder = folder_of(name_or_path)
    if is_packaged(folder) and not (folder / "classifier.json").is_file():
        raise MritoolError(f"{folder}: this installation has no default model; give a model folder (--models)")
    return folder


def bundle_info(models_dir) -> dict | None:
    """What ``bundle.json`` says of the folder (name, version, how it was made), or None for a plain folder."""
    path = Path(models_dir) / BUNDLE_INFO
    return read_json(path, "bundle description") if path.is_file() else None
