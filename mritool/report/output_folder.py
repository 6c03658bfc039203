"""The output folder of a run: exclusive while it runs, never mixed with another run's results, and
marked complete only by the last file a run writes.

A folder that holds results (``RESULTS``) is refused unless the run may overwrite, and then only those
results are removed, never other files; or unless it resumes, and then they are kept (the engine
decides which patients' results still hold) and only the completion marker goes. ``run.json`` is written last, so a run killed half-way leaves
masks and figures but no marker and no tables: nothing that looks complete.
"""

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from mritool.errors import MritoolError
from mritool.io import write_text_atomic

PROVENANCE = "provenance.json"
RESULTS = ("slices.csv", "patients.csv", PROVENANCE, "report.html", "run.json", "masks", "figures", "parts")
MARKER = "run.json"
LOCK = ".mritool.lock"


def default_out_dir(scans) -> Path:
    """``SCANS-mritool`` in the current folder, named after the input (``screen`` without ``--out``)."""
    return Path.cwd() / f"{Path(scans).resolve().name or 'scans'}-mritool"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_lock(out_dir: Path) -> Path:
    lock = out_dir / LOCK
    for _ in range(2):
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            text = lock.read_text().strip() if lock.is_file() else ""
            if text.isdigit() and _pid_alive(int(text)):
                raise MritoolError(f"{out_dir}: another mritool run (process {text}) is writing into this folder") from None
            lock.unlink(missing_ok=True)  # left by a run that was killed
            continue
        with os.fdopen(descriptor, "w") as stream:
            stream.write(str(os.getpid()))
        return lock
    raise MritoolError(f"{out_dir}: could not lock the output folder")


@contextmanager
def output_folder(out_dir, overwrite: bool = False, resume: bool = False):
    """The folder, created, locked for this run and cleared of earlier results (when ``overwrite``)."""
    if overwrite and resume:
        raise MritoolError("--overwrite discards earlier results and --resume keeps them: choose one")
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MritoolError(f"{out_dir}: cannot create output folder ({exc.strerror})") from None
    if not os.access(out_dir, os.W_OK):
        raise MritoolError(f"{out_dir}: output folder is not writable")
    lock = _take_lock(out_dir)
    try:
        earlier = [name for name in RESULTS if (out_dir / name).exists()]
        if resume:
            earlier = [MARKER] if MARKER in earlier else []
            for leftover in out_dir.rglob(".*.tmp"):  # atomic writes a killed run left half-done
                leftover.unlink(missing_ok=True)
        elif earlier and not overwrite:
            raise MritoolError(f"{out_dir}: holds another run's results ({', '.join(earlier)}); "
                               "choose another output folder, pass --overwrite, or --resume to continue it")
        for name in earlier:
            target = out_dir / name
            shutil.rmtree(target) if target.is_dir() and not target.is_symlink() else target.unlink()
        yield out_dir
    finally:
        lock.unlink(missing_ok=True)


def mark_complete(out_dir: Path, summary: dict) -> None:
    write_text_atomic(out_dir / MARKER, json.dumps({"status": "complete", **summary}, indent=2, default=str) + "\n")
