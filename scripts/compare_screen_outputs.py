"""Compare two ``mritool screen`` output folders: tables, masks, figures and report.

Paths inside the tables and the report are compared relative to their own output folder; masks and
figures are compared by decoded pixels, and by bytes. Exits 1 on any difference and says which.

    python scripts/compare_screen_outputs.py BEFORE AFTER
"""

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd


def _table(folder: Path, name: str) -> pd.DataFrame:
    table = pd.read_csv(folder / name)
    for column in table.columns:
        if pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].str.replace(str(folder), "OUT", regex=False)
    return table


def _files(folder: Path, sub: str) -> dict:
    return {p.relative_to(folder / sub).as_posix(): p for p in sorted((folder / sub).rglob("*.png"))}


def compare(before: Path, after: Path) -> list[str]:
    differences = []
    for name in ("slices.csv", "patients.csv"):
        a, b = _table(before, name), _table(after, name)
        if list(a.columns) != list(b.columns):
            differences.append(f"{name}: columns differ: {list(a.columns)} vs {list(b.columns)}")
        elif not a.equals(b):
            unequal = [c for c in a.columns if not a[c].equals(b[c])]
            differences.append(f"{name}: {len(a)} vs {len(b)} rows; columns that differ: {unequal}")
        if (before / name).read_bytes().replace(str(before).encode(), b"OUT") != (after / name).read_bytes().replace(str(after).encode(), b"OUT"):
            differences.append(f"{name}: bytes differ")
    for sub in ("masks", "figures"):
        a, b = _files(before, sub), _files(after, sub)
        if set(a) != set(b):
            differences.append(f"{sub}: {len(set(a) - set(b))} only before, {len(set(b) - set(a))} only after")
        pixels = [k for k in sorted(set(a) & set(b))
                  if not np.array_equal(cv2.imread(str(a[k]), cv2.IMREAD_UNCHANGED), cv2.imread(str(b[k]), cv2.IMREAD_UNCHANGED))]
        if pixels:
            differences.append(f"{sub}: {len(pixels)} files differ in pixels (e.g. {pixels[0]})")
        data = [k for k in sorted(set(a) & set(b)) if a[k].read_bytes() != b[k].read_bytes()]
        if data:
            differences.append(f"{sub}: {len(data)} files differ in bytes (e.g. {data[0]})")
        print(f"{sub}: {len(set(a) & set(b))} files compared")
    report = [(folder / "report.html").read_text().replace(str(folder), "OUT") for folder in (before, after)]
    if report[0] != report[1]:
        differences.append("report.html differs")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    differences = compare(args.before, args.after)
    for line in differences:
        print(f"DIFFERENT {line}")
    print("identical" if not differences else f"{len(differences)} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
