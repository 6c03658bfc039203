"""Visual QA figures, composed with OpenCV (milliseconds each, so every positive slice can have one).

Every picture shows the FLAIR in grayscale (the sequence the abnormality is defined on) with the masks
in two colour-blind-safe colours, Okabe-Ito sky blue for the truth and orange for the prediction, so no
channel of an RGB composite can be mistaken for a mask. Per slice, the layout clinicians know from the
reference notebook: image, true mask, predicted mask, image with each mask. Per patient, a contact
sheet of every slice with both masks, and the three strips of the report's slice viewer: the FLAIR and
each outline on its own transparent layer. Figures are JPEG (several times smaller and faster to encode
than PNG); the masks themselves are written losslessly by the volume writers.
"""

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from mritool.errors import MritoolError
from mritool.io import safe_name, write_bytes_atomic
from mritool.volumes import Volume
from mritool.volumes.image import as_model_input, resize_mask
from mritool.volumes.readers import find_studies, read_study
from mritool.volumes.writers import writer_for

PANEL = 256
TITLE_HEIGHT = 28
TRUTH_BGR = (233, 180, 86)
PREDICTION_BGR = (0, 159, 230)
COLOUR_NAMES = {TRUTH_BGR: "sky blue", PREDICTION_BGR: "orange"}  # what the report's legend calls them
JPEG_OPTIONS = [cv2.IMWRITE_JPEG_QUALITY, 85,  # full-resolution colour: 4:2:0 smears the one-pixel outlines to gray
                cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
VIEWER_TILE = 128
VIEWER_KINDS = ("viewer_flair", "viewer_truth", "viewer_prediction")
QA_CHOICES = ("all", "positives", "none")
FIGURE_COLUMNS = ["patient_id", "slice_index", "figure", "kind"]


def display_window(images: list[np.ndarray]) -> float:
    """The top of a study's gray window: the 99.5th percentile of its FLAIR (sampled at 64 px), one window
    for every slice as a viewer shows a series; a window per slice turns an empty end slice's noise white."""
    if not images:
        return 1.0
    return float(np.percentile(np.stack([as_model_input(p, 64, "a slice")[..., 1] for p in images]), 99.5)) or 1.0


def display_image(pixels: np.ndarray, top: float, size: int = PANEL) -> np.ndarray:
    """A slice's FLAIR as a gray BGR uint8 picture (so masks can be drawn on it in colour), ``top`` (its
    study's ``display_window``) shown white; 8 or 16 bit alike."""
    flair = as_model_input(pixels, size, "a slice")[..., 1]  # channels are (pre-contrast, FLAIR, post-contrast)
    return cv2.cvtColor(np.clip(flair * (255 / top), 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def panel_mask(mask: np.ndarray | None, size: int = PANEL) -> np.ndarray | None:
    return None if mask is None else resize_mask(mask.astype(np.uint8), (size, size))


def overlay(image: np.ndarray, mask: np.ndarray | None, color) -> np.ndarray:
    """``image`` with ``mask`` tinted 45% ``color`` and outlined; only the mask's pixels are blended."""
    out = image.copy()
    if mask is None or not mask.any():
        return out
    inside = mask > 0
    out[inside] = (image[inside] * 0.55 + np.asarray(color) * 0.45 + 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(out, contours, -1, color, 1)
    return out


def _titled(panel: np.ndarray, title: str) -> np.ndarray:
    bar = np.full((TITLE_HEIGHT, panel.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, title, (6, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([bar, panel])


def _mask_panel(mask: np.ndarray | None) -> np.ndarray:
    panel = np.zeros((PANEL, PANEL, 3), np.uint8)
    if mask is None:
        cv2.putText(panel, "no mask", (80, 132), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (160, 160, 160), 1, cv2.LINE_AA)
        return panel
    panel[mask > 0] = 255
    return panel


def slice_figure(image: np.ndarray, truth: np.ndarray | None, predicted: np.ndarray) -> np.ndarray:
    panels = [
        (image, "FLAIR"),
        (_mask_panel(truth), "true mask"),
        (_mask_panel(predicted), "predicted mask"),
        (overlay(image, truth, TRUTH_BGR), "FLAIR + true mask"),
        (overlay(image, predicted, PREDICTION_BGR), "FLAIR + predicted mask"),
    ]
    gap = np.full((PANEL + TITLE_HEIGHT, 4, 3), 255, np.uint8)
    row = []
    for panel, title in panels:
        row += [_titled(panel, title), gap]
    return np.hstack(row[:-1])


def contact_sheet(tiles: list[tuple[np.ndarray, str]], columns: int = 8, tile: int = 128) -> np.ndarray:
    rows = []
    blank = np.full((tile + 20, tile, 3), 255, np.uint8)
    labelled = []
    for picture, label in tiles:
        small = picture if picture.shape[:2] == (tile, tile) else cv2.resize(picture, (tile, tile), interpolation=cv2.INTER_AREA)
        bar = np.full((20, tile, 3), 255, np.uint8)
        cv2.putText(bar, label, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        labelled.append(np.vstack([bar, small]))
    for start in range(0, len(labelled), columns):
        chunk = labelled[start:start + columns]
        rows.append(np.hstack(chunk + [blank] * (columns - len(chunk))))
    return np.vstack(rows)


def _write_picture(path: Path, picture: np.ndarray) -> None:
    """``picture`` encoded as the file ending says (PNG, JPEG), written atomically."""
    encoded, data = cv2.imencode(path.suffix, picture, JPEG_OPTIONS)
    if not encoded:
        raise MritoolError(f"{path}: could not encode figure")
    write_bytes_atomic(path, data.tobytes())


def flag(value) -> bool:
    """True for a true boolean cell, whether fresh from the merge or read back from slices.csv."""
    return not pd.isna(value) and str(value) == "True"


def wants_figure(predicted_tumor, true_tumor, which: str) -> bool:
    return which == "all" or (which == "positives" and (flag(predicted_tumor) or flag(true_tumor)))


def _outline(mask: np.ndarray | None, color) -> np.ndarray:
    """A viewer tile: the (tile-size) mask's outline in ``color`` on a transparent BGRA square."""
    tile = np.zeros((VIEWER_TILE, VIEWER_TILE, 4), np.uint8)
    if mask is not None and mask.any():
        tile[cv2.morphologyEx(mask, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0] = color
    return tile


def viewer_strips(patient: str, layers: list[tuple], out_dir: Path) -> list[tuple]:
    """The slice viewer's three vertical strips (a tile per slice, in slice order) from ``(image, truth,
    predicted)`` at tile size (``at_tile_size``): the FLAIR in grayscale as JPEG, the outlines as transparent PNGs."""
    flair = np.vstack([image[..., 0] for image, _, _ in layers])  # display_image is gray in all three channels
    pictures = {"viewer_flair": (".jpg", flair),
                "viewer_truth": (".png", np.vstack([_outline(truth, (*TRUTH_BGR, 255)) for _, truth, _ in layers])),
                "viewer_prediction": (".png", np.vstack([_outline(p, (*PREDICTION_BGR, 255)) for _, _, p in layers]))}
    written = []
    for kind, (suffix, picture) in pictures.items():
        path = out_dir / safe_name(f"{patient}_{kind}{suffix}")
        _write_picture(path, picture)
        written.append((patient, None, str(path), kind))
    return written


def at_tile_size(image: np.ndarray, truth: np.ndarray | None, predicted: np.ndarray | None) -> tuple:
    """A slice's picture and masks at the size of a contact-sheet tile and a viewer tile."""
    def shrink(mask):
        return None if mask is None else resize_mask(mask, (VIEWER_TILE, VIEWER_TILE))
    return cv2.resize(image, (VIEWER_TILE, VIEWER_TILE), interpolation=cv2.INTER_AREA), shrink(truth), shrink(predicted)


def patient_figures(patient: str, slices, out_dir: Path) -> list[tuple]:
    """A figure per wanted slice, a contact sheet of all and the viewer's strips, from ``(slice_index,
    image, truth, predicted, wanted)`` in slice order (pictures from ``display_image``, masks at panel
    size or None). The sheet and the strips are drawn at tile size, not shrunk from full panels."""
    tiles, layers, written = [], [], []
    for slice_index, image, truth, predicted, wanted in slices:
        small = at_tile_size(image, truth, predicted)
        tiles.append((overlay(overlay(small[0], small[1], TRUTH_BGR), small[2], PREDICTION_BGR), f"slice {slice_index}"))
        layers.append(small)
        if wanted:
            path = out_dir / safe_name(f"{patient}_{slice_index}.jpg")
            _write_picture(path, slice_figure(image, truth, predicted))
            written.append((patient, slice_index, str(path), "slice"))
    if tiles:
        path = out_dir / safe_name(f"{patient}_contact_sheet.jpg")
        _write_picture(path, contact_sheet(tiles, tile=VIEWER_TILE))
        written.append((patient, None, str(path), "contact_sheet"))
        written += viewer_strips(patient, layers, out_dir)
    return written


def _check(which: str) -> None:
    if which not in QA_CHOICES:
        raise MritoolError(f"QA choice must be one of {QA_CHOICES}, not {which!r}")


def figure_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def export_figures(slices: pd.DataFrame, out_dir, which: str = "positives", register: bool = False) -> pd.DataFrame:
    """Figures for the ``ok`` rows of a slices table (``mritool qa``), each study read again through its
    reader (with ``register`` as screened) and its predicted masks through their writer, so every format
    draws as ``screen`` drew it."""
    _check(which)
    written = []
    if which == "none":
        return figure_table(written)
    screened = slices[slices["slice_index"].notna() & slices["study_path"].notna()]
    for patient, rows in screened.groupby("patient_id", sort=False):
        if not (rows["status"] == "ok").any():
            continue
        volume = _read_again(rows, register)
        ok = [position for position, status in enumerate(rows["status"]) if status == "ok"]
        files = {position: rows["predicted_mask_path"].iloc[position] for position in ok
                 if isinstance(rows["predicted_mask_path"].iloc[position], str)}
        masks = writer_for(volume.format).read(volume, files)
        records = rows[["status", "predicted_tumor", "true_tumor"]].to_dict("records")
        written += volume_figures(volume, masks, records, out_dir, which)
    return figure_table(written)


def _read_again(rows: pd.DataFrame, register: bool) -> Volume:
    """The study ``rows`` (one patient's slices, in order) came from; it must still hold those slices."""
    study_path, first = rows["study_path"].iloc[0], Path(rows["image_path"].iloc[0])
    holds = lambda study: first in {*study.files, *(path.parent for path in study.files)}  # a file or a series folder
    study = next((s for s in find_studies(study_path, register) if holds(s)), None)
    volume = read_study(study) if study is not None else None
    if volume is None or [ref.source for ref in volume.refs] != rows["image_path"].tolist():
        raise MritoolError(f"{study_path}: the study no longer holds the slices it was screened with")
    return volume


def volume_figures(volume: Volume, masks: dict[int, np.ndarray], records: list[dict], out_dir, which: str) -> list[tuple]:
    """Figures of one screened volume from the pixels in memory (``screen``): the same pictures as
    ``export_figures`` draws from the files."""
    _check(which)
    if which == "none":
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ok = [position for position, record in enumerate(records) if record["status"] == "ok"]
    top = display_window([volume.images[position] for position in ok])
    tiles = ((volume.refs[position].index, display_image(volume.images[position], top), panel_mask(volume.masks[position]),
              panel_mask(masks.get(position)), wants_figure(records[position]["predicted_tumor"],
                                                            records[position].get("true_tumor"), which))
             for position in ok)
    return patient_figures(volume.patient_id, tiles, out_dir)
