import cv2
import numpy as np
import pandas as pd
import pytest

from mritool.errors import MritoolError

from mritool.report.figures import COLOUR_NAMES, PANEL, PREDICTION_BGR, TRUTH_BGR, contact_sheet, export_figures, overlay, slice_figure, wants_figure


def test_overlay_tints_and_outlines_only_the_mask():
    image = np.full((16, 16, 3), 100, np.uint8)
    mask = np.zeros((16, 16), np.uint8)
    mask[4:12, 4:12] = 1
    out = overlay(image, mask, TRUTH_BGR)
    assert (out[0, 0] == 100).all() and tuple(out[4, 4]) == TRUTH_BGR  # outside untouched, the border outlined
    assert not (out[8, 8] == 100).all()  # inside tinted
    assert (overlay(image, None, TRUTH_BGR) == image).all()


def test_slice_figure_has_five_titled_panels_and_sheets_wrap():
    image = np.zeros((PANEL, PANEL, 3), np.uint8)
    figure = slice_figure(image, None, np.zeros((PANEL, PANEL), np.uint8))
    assert figure.shape == (PANEL + 28, 5 * PANEL + 4 * 4, 3)
    sheet = contact_sheet([(image, f"slice {k}") for k in range(10)], columns=4, tile=32)
    assert sheet.shape == (3 * (32 + 20), 4 * 32, 3)


def test_export_figures_from_a_table_read_back_from_csv(tmp_path):
    image = np.zeros((32, 32, 3), np.uint8)
    image[8:24, 8:24] = (30, 180, 90)  # BGR on disk: the FLAIR (green) channel brightest
    mask = np.zeros((32, 32), np.uint8)
    mask[10:20, 10:20] = 255
    study = tmp_path / "P"
    study.mkdir()
    for name, picture in (("P_1.png", image), ("P_1_mask.png", mask), ("P_2.png", image), ("P_2_mask.png", mask)):
        cv2.imwrite(str(study / name), picture)
    cv2.imwrite(str(tmp_path / "pred.png"), mask)
    rows = pd.DataFrame({"patient_id": ["P", "P"], "slice_index": [1, 2], "status": ["ok", "ok"],
                         "image_path": [str(study / "P_1.png"), str(study / "P_2.png")],
                         "mask_path": [str(study / "P_1_mask.png"), str(study / "P_2_mask.png")],
                         "study_path": [str(study)] * 2, "predicted_mask_path": [str(tmp_path / "pred.png")] * 2,
                         "predicted_tumor": [True, False], "true_tumor": [True, False]})
    rows.to_csv(tmp_path / "slices.csv", index=False)
    table = pd.read_csv(tmp_path / "slices.csv")  # booleans come back as they do for `mritool qa`
    assert [wants_figure(row.predicted_tumor, row.true_tumor, "positives") for row in table.itertuples()] == [True, False]
    figures = export_figures(table, tmp_path / "figures", "positives")
    assert figures["kind"].tolist() == ["slice", "contact_sheet", "viewer_flair", "viewer_truth", "viewer_prediction"]
    written = cv2.imread(figures["figure"].iloc[0])
    assert written.shape == (PANEL + 28, 5 * PANEL + 16, 3)
    flair_panel = written[28:, :PANEL].astype(int)
    assert np.abs(flair_panel - flair_panel[..., :1]).max() <= 8  # grayscale (JPEG's chroma noise aside)
    assert flair_panel[PANEL // 2, PANEL // 2, 0] > 200  # the FLAIR's brightest region, stretched
    predicted_panel = written[28:, 4 * (PANEL + 4):].astype(int)
    assert (np.abs(predicted_panel - PREDICTION_BGR).max(axis=2) <= 40).any()  # the orange outline is drawn
    assert not (np.abs(written[28:, 3 * (PANEL + 4):4 * (PANEL + 4)].astype(int) - PREDICTION_BGR).max(axis=2) <= 40).any()


def test_export_figures_refuses_a_study_that_changed(tmp_path):
    study = tmp_path / "P"
    study.mkdir()
    cv2.imwrite(str(study / "P_1.png"), np.zeros((8, 8, 3), np.uint8))
    rows = pd.DataFrame({"patient_id": ["P"], "slice_index": [1], "status": ["ok"], "study_path": [str(study)],
                         "image_path": [str(study / "P_9.png")], "predicted_mask_path": [None],
                         "predicted_tumor": [False], "true_tumor": [None]})
    with pytest.raises(MritoolError, match="no longer holds the slices"):
        export_figures(rows, tmp_path / "figures", "all")


def test_viewer_strips_hold_a_tile_per_slice_with_each_outline_in_its_own_colour(tmp_path):
    import cv2
    import numpy as np

    from mritool.report.figures import VIEWER_TILE, at_tile_size, viewer_strips

    image = np.full((256, 256, 3), 200, np.uint8)  # a display image: the FLAIR in gray
    square = np.zeros((256, 256), np.uint8)
    square[64:192, 64:192] = 1
    written = viewer_strips("P", [at_tile_size(image, square, None), at_tile_size(image, None, square)], tmp_path)
    strips = {kind: cv2.imread(path, cv2.IMREAD_UNCHANGED) for _, _, path, kind in written}
    assert strips["viewer_flair"].shape == (2 * VIEWER_TILE, VIEWER_TILE)  # grayscale, two tiles
    assert abs(int(strips["viewer_flair"].mean()) - 200) <= 2
    truth, prediction = strips["viewer_truth"], strips["viewer_prediction"]
    assert (truth[:VIEWER_TILE][..., 3] > 0).any() and not (truth[VIEWER_TILE:][..., 3] > 0).any()
    assert (prediction[VIEWER_TILE:][..., 3] > 0).any() and not (prediction[:VIEWER_TILE][..., 3] > 0).any()
    assert tuple(truth[truth[..., 3] > 0][0]) == (*TRUTH_BGR, 255)
    assert tuple(prediction[prediction[..., 3] > 0][0]) == (*PREDICTION_BGR, 255)
    assert not (truth[VIEWER_TILE // 2, VIEWER_TILE // 2, 3])  # an outline, not a filled region


@pytest.mark.parametrize("bgr", [TRUTH_BGR, PREDICTION_BGR])
def test_the_legend_names_each_mask_by_the_hue_it_is_drawn_in(bgr):
    import colorsys

    hue = colorsys.rgb_to_hsv(*(channel / 255 for channel in bgr[::-1]))[0] * 360
    named = next(name for name, (low, high) in {"orange": (20, 45), "sky blue": (185, 215)}.items() if low <= hue <= high)
    assert COLOUR_NAMES[bgr] == named
