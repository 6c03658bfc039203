"""Atomic file writes: a reader never sees a half-written CSV, card or report, even after Ctrl-C."""

import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from mritool.errors import MritoolError, OutputError

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: the temporary file's 0600 becomes what a plain open() would have given


def _replace_atomic(path: Path, write) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write into this folder ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None
        raise


def save_atomic(path, save, companions: tuple[str, ...] = ()) -> None:
    """For a library's saver that takes a path (Keras, ONNX, OpenVINO): ``save(partial)`` writes beside
    ``path`` under a temporary name, renamed into place once complete, its ``companions`` (suffixes of the
    files the saver writes beside it, OpenVINO's ``.bin``) first; a failed save leaves no partial file."""
    path = Path(path)
    partial = path.with_name(f".{path.stem}-{os.getpid()}{path.suffix}")
    written = [partial, *(partial.with_suffix(suffix) for suffix in companions)]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save(partial)
        for suffix in companions:
            os.replace(partial.with_suffix(suffix), path.with_suffix(suffix))
        os.replace(partial, path)
    except BaseException:
        for leftover in written:
            leftover.unlink(missing_ok=True)
        raise


def write_text_atomic(path, text: str) -> None:
    _replace_atomic(Path(path), lambda stream: stream.write(text.encode()))


def safe_name(text) -> str:
    """``text`` as one file-name component: anything but letters, digits, ``.``, ``_`` and ``-`` becomes ``_``
    and leading dots go, so a name from the data (a patient id) cannot leave its folder."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", str(text)).lstrip(".") or "_"


def write_bytes_atomic(path, data: bytes) -> None:
    _replace_atomic(Path(path), lambda stream: stream.write(data))


def write_csv_atomic(path, table: pd.DataFrame) -> None:
    _replace_atomic(Path(path), lambda stream: table.to_csv(stream, index=False))


def read_json(path, what: str) -> dict:
    """A JSON object from ``path``; a one-line MritoolError naming ``what`` when it is missing or malformed."""
    path = Path(path)
    if not path.is_file():
        raise MritoolError(f"{path}: no such {what}")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MritoolError(f"{path}: {what} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise MritoolError(f"{path}: {what} is not a JSON object")
    return data
