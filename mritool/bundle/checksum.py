"""The sha256 of a weights file, remembered between processes while the file's stat is unchanged.

Every ``screen`` checks the weights against their card and keys its runtime caches by their hash; hashing
a ResNet50 (about 100 MB) each time is a large share of a small study's start-up. The digest is kept in
``$MRITOOL_CACHE_DIR/sha256.json`` (default ``~/.cache/mritool``) under the file's resolved path with the
size, mtime and inode it was taken at, the same trust in an unchanged stat as ``make`` or ``rsync``: a file
copied, retrained or rewritten over gets a new mtime and is hashed again. The cache is an optimisation
only: one that cannot be read or written means hashing, never an error.
"""

import functools
import hashlib
import json
import os
from pathlib import Path

from mritool.errors import MritoolError
from mritool.io import write_text_atomic


def user_cache() -> Path:
    """``$MRITOOL_CACHE_DIR``, else ``$XDG_CACHE_HOME/mritool``, else ``~/.cache/mritool``."""
    root = os.environ.get("MRITOOL_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mritool"
    return Path(root)


def cache_name(weights_file: Path, ending: str) -> str:
    """The name a runtime caches a graph of these weights under: their stem and hash, so retrained weights
    never meet a stale graph; ``ending`` tells the graph's kind and format (``-f32.xml``, ``.onnx``)."""
    return f"{weights_file.stem}-{file_sha256(weights_file)[:16]}{ending}"


def _cache_file() -> Path:
    return user_cache() / "sha256.json"


def _read_cache() -> dict:
    try:
        cache = json.loads(_cache_file().read_text())
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def file_sha256(path) -> str:
    """The file's sha256: from the cache when its stat matches, else hashed (once per process) and stored."""
    path = Path(path).resolve()
    stat = path.stat()
    stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
    entry = _read_cache().get(str(path))
    if isinstance(entry, dict) and entry.get("stat") == stamp and isinstance(entry.get("sha256"), str):
        return entry["sha256"]
    digest = _sha256(str(path), *stamp)
    cache = _read_cache()  # re-read: another process may have added entries meanwhile
    cache[str(path)] = {"stat": stamp, "sha256": digest}
    try:
        write_text_atomic(_cache_file(), json.dumps(cache, indent=1) + "\n")
    except (OSError, MritoolError):
        pass
    return digest


@functools.lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int, inode: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
