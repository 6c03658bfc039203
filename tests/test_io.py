import os
import stat

import pandas as pd
import pytest

from mritool.io import write_bytes_atomic, write_csv_atomic, write_text_atomic


def test_atomic_writes_land_whole_with_the_umask_mode(tmp_path):
    write_text_atomic(tmp_path / "a" / "report.html", "<html>")
    write_csv_atomic(tmp_path / "table.csv", pd.DataFrame({"x": [1, 2]}))
    write_bytes_atomic(tmp_path / "mask.png", b"\x89PNG")
    assert (tmp_path / "a" / "report.html").read_text() == "<html>"
    assert pd.read_csv(tmp_path / "table.csv")["x"].tolist() == [1, 2]
    umask = os.umask(0)
    os.umask(umask)
    for path in (tmp_path / "a" / "report.html", tmp_path / "table.csv", tmp_path / "mask.png"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not the temporary file's 0600
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "slices.csv"
    target.write_text("old")

    class Broken(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_csv_atomic(target, Broken({"x": [1]}))
    assert target.read_text() == "old" and not list(tmp_path.glob(".*.tmp"))
