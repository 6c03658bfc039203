import hashlib
import os

import pytest

from mritool.bundle import checksum


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MRITOOL_CACHE_DIR", str(tmp_path / "cache"))
    checksum._sha256.cache_clear()  # as a new process would start
    return tmp_path / "cache"


def _no_hashing(*args):
    raise AssertionError("hashed although the cache holds this file's digest")


def test_a_second_process_takes_the_digest_from_the_cache(tmp_path, cache_dir, monkeypatch):
    weights = tmp_path / "model.keras"
    weights.write_bytes(b"weights" * 1000)
    assert checksum.file_sha256(weights) == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert (cache_dir / "sha256.json").is_file()
    checksum._sha256.cache_clear()
    monkeypatch.setattr(checksum, "_sha256", _no_hashing)
    assert checksum.file_sha256(weights) == hashlib.sha256(weights.read_bytes()).hexdigest()


def test_a_rewritten_file_is_hashed_again(tmp_path, cache_dir):
    weights = tmp_path / "model.keras"
    weights.write_bytes(b"a" * 100)
    first = checksum.file_sha256(weights)
    weights.write_bytes(b"b" * 100)  # same size
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a coarse clock cannot hide it
    checksum._sha256.cache_clear()
    assert checksum.file_sha256(weights) == hashlib.sha256(b"b" * 100).hexdigest() != first


def test_an_unusable_cache_means_hashing_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("MRITOOL_CACHE_DIR", str(blocker))
    weights = tmp_path / "model.keras"
    weights.write_bytes(b"c" * 10)
    assert checksum.file_sha256(weights) == hashlib.sha256(b"c" * 10).hexdigest()
