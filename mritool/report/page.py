"""A self-contained HTML report: inline CSS and JS, figures embedded as data URIs, nothing from the
network or from beside the file, so ``report.html`` alone can be passed on."""

import base64
import html
import json
from pathlib import Path

import pandas as pd

from mritool.io import write_text_atomic
from mritool.report.figures import COLOUR_NAMES, PREDICTION_BGR, TRUTH_BGR, VIEWER_KINDS, flag
from mritool.report.plots import dice_strip, score_trace, volume_scatter

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f0f0f0; cursor: pointer; user-select: none; }
th.sorted-asc::after { content: " \\25B2"; } th.sorted-desc::after { content: " \\25BC"; }
td:first-child, th:first-child { text-align: left; }
#patients td:first-child, #patients th:first-child { position: sticky; left: 0; background: #fff; }
#patients th:first-child { background: #f0f0f0; }
section { margin-top: 2em; border-top: 1px solid #ddd; }
.note { color: #666; font-size: 0.9em; }
.warning { background: #fff3cd; border: 1px solid #d4a017; padding: 0.5em; }
.scroll { overflow-x: auto; }
.viewer { display: inline-block; outline: none; margin: 0.5em 0; }
.viewer:focus .stage { box-shadow: 0 0 0 3px #56b4e9; }
.stage { position: relative; width: 256px; height: 256px; background: #000; }
.layer { position: absolute; inset: 0; background-repeat: no-repeat; background-size: 256px auto;
         image-rendering: pixelated; }
.layer.flair { background-image: var(--flair); }
.layer.truth { background-image: var(--truth); }
.layer.prediction { background-image: var(--prediction); }
.patient-view { display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }
.sheet { display: flex; flex-wrap: wrap; gap: 2px; flex: 1; min-width: 300px; }
.tile { position: relative; width: 64px; height: 64px; cursor: pointer; background-repeat: no-repeat;
        background-image: var(--prediction), var(--truth), var(--flair); background-size: 64px auto; }
.tile span { position: absolute; left: 2px; top: 0; color: #fff; font-size: 10px; text-shadow: 0 0 2px #000; }
.tile.current { outline: 2px solid #56b4e9; }
.viewer input[type=range].slider { width: 256px; display: block; }
.viewer .info { font-variant-numeric: tabular-nums; }
svg.plot { display: block; margin: 0.3em 0; }
.plots { display: flex; gap: 2em; flex-wrap: wrap; }
"""

SORT_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (header, column) {
  header.addEventListener("click", function () {
    var table = header.closest("table"), body = table.tBodies[0];
    var ascending = !header.classList.contains("sorted-asc");
    table.querySelectorAll("th").forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
    header.classList.add(ascending ? "sorted-asc" : "sorted-desc");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
      var nx = parseFloat(x), ny = parseFloat(y);
      var order = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""

VIEWER_SCRIPT = """
document.querySelectorAll(".viewer").forEach(function (viewer) {
  var slices = JSON.parse(viewer.dataset.slices), current = 0;
  var layers = viewer.querySelectorAll(".layer"), slider = viewer.querySelector(".slider");
  var info = viewer.querySelector(".info"), tiles = viewer.parentNode.querySelectorAll(".sheet .tile");
  function show(k) {
    current = Math.max(0, Math.min(slices.length - 1, k));
    tiles.forEach(function (tile, t) { tile.classList.toggle("current", t === current); });
    layers.forEach(function (layer) { layer.style.backgroundPosition = "0 " + (-256 * current) + "px"; });
    slider.value = current;
    var cursor = viewer.querySelector(".cursor");
    if (cursor) {
      var x = (current + 0.5) * parseFloat(cursor.dataset.step);
      cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
    }
    var s = slices[current];
    info.textContent = "slice " + s[0] + " (" + (current + 1) + " of " + slices.length + "), probability " +
      s[1].toFixed(3) + ", " + (s[2] ? "screened positive" : "screened negative") + ", " +
      (s[3] ? "tumor predicted" : "no tumor predicted");
  }
  viewer.addEventListener("keydown", function (event) {
    var step = {ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1}[event.key];
    if (step) { show(current + step); event.preventDefault(); }
  });
  viewer.querySelector(".stage").addEventListener("wheel", function (event) {
    show(current + (event.deltaY > 0 ? 1 : -1)); event.preventDefault();
  }, {passive: false});
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  tiles.forEach(function (tile, t) { tile.addEventListener("click", function () { show(t); viewer.focus(); }); });
  viewer.querySelectorAll("input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () {
      viewer.querySelector(".layer." + box.value).style.display = box.checked ? "" : "none";
    });
  });
  viewer.querySelector(".opacity").addEventListener("input", function (event) {
    viewer.querySelectorAll(".layer.outline").forEach(function (layer) { layer.style.opacity = event.target.value / 100; });
  });
  show(0);
});
"""


def _cell(value) -> str:
    if pd.isna(value):
        return '<td data-value="">&ndash;</td>'
    shown = f"{value:.3f}" if isinstance(value, float) else str(value)
    return f'<td data-value="{html.escape(str(value))}">{html.escape(shown)}</td>'


def _table(frame: pd.DataFrame, table_id: str) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "\n".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
    return f'<table id="{table_id}" class="sortable"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


def _embedded(path: str) -> str | None:
    """A figure's own bytes as a data URI (JPEG pictures, transparent PNG outline layers), or None where
    the file cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    kind = "png" if Path(path).suffix == ".png" else "jpeg"
    return f"data:image/{kind};base64," + base64.b64encode(data).decode()


PROVENANCE_FIELDS = (("bundle fingerprint", "bundle_fingerprint"), ("models", "models"), ("model bundle", "bundle"),
                     ("threshold", "threshold"), ("validation operating point", "validation_operating_point"),
                     ("confirmed slices, validation", "validation_confirmed"), ("post-processing", "postprocessing"),
                     ("runtime", "runtime"),
                     ("tuned on", "runtime_tuned_on"), ("runtime note", "runtime_note"), ("machine", "machine"),
                     ("mritool", "mritool"), ("input", "input"), ("started", "started"), ("duration (s)", "duration_s"),
                     ("counts", "counts"))


def _provenance(origin: dict | None) -> str:
    if not origin:
        return '<p class="note">No provenance: this report was made from a table without its provenance.json.</p>'
    rows = "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(_plain(origin.get(key)))}</td></tr>"
                   for label, key in PROVENANCE_FIELDS if origin.get(key) is not None)  # no note, no row
    return f'<h2>Provenance</h2><table class="provenance">{rows}</table>'


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
    return "" if value is None else str(value)


def _cohort_plots(slices: pd.DataFrame | None, patients: pd.DataFrame) -> str:
    """Predicted against true volume and the Dice distribution, where every screened slice has a truth."""
    if slices is None:
        return ""
    ok = slices[slices["status"] == "ok"]
    if not len(ok) or ok["true_area_px"].isna().any():
        return ""
    volumes = ok.groupby("patient_id", sort=False)[["true_area_px", "predicted_area_px"]].sum()
    return ("<h2>Plots</h2><div class=\"plots\">"
            f"<figure>{volume_scatter(volumes['true_area_px'], volumes['predicted_area_px'], 'pixels')}"
            "<figcaption>Predicted against true volume, one dot per patient (dashed: equal).</figcaption></figure>"
            f"<figure>{dice_strip(patients['dice'])}"
            "<figcaption>Per-patient Dice, the median marked.</figcaption></figure></div>")


SHEET_TILE = 64  # px of a slice in the overview (the .tile rule)


def _viewer(patient: str, own: pd.DataFrame, slices: pd.DataFrame | None, threshold: float | None) -> str:
    """A patient's slice viewer and its overview of every slice, both drawn from its three strips and its
    ``ok`` rows (in the strips' order), or ''. The strips are embedded once, as CSS variables that the
    viewer's layers and the overview's tiles share: the overview costs no bytes of its own."""
    strips = {kind: _embedded(f) for f, kind in zip(own["figure"], own["kind"]) if kind in VIEWER_KINDS}
    if slices is None or len(strips) < len(VIEWER_KINDS) or None in strips.values():
        return ""
    rows = slices[(slices["patient_id"] == patient) & (slices["status"] == "ok")]
    data = [[int(r.slice_index), float(r.tumor_probability), flag(r.screened_positive), flag(r.predicted_tumor)]
            for r in rows.itertuples()]
    names = ("flair", "truth", "prediction")
    variables = "; ".join(f"--{name}: url({strips[kind]})" for kind, name in zip(VIEWER_KINDS, names))
    layers = "".join(f'<div class="layer {name}{"" if name == "flair" else " outline"}"></div>' for name in names)
    truth = rows["true_tumor"].map(flag) if rows["true_tumor"].notna().all() else None
    trace = score_trace(rows["screening_score"].astype(float), threshold, truth)
    tiles = "".join(f'<div class="tile" title="slice {number}" style="background-position: 0 {-k * SHEET_TILE}px">'
                    f'<span>{number}</span></div>' for k, (number, *_) in enumerate(data))
    return (f'<div class="patient-view" style="{variables}">'
            f'<div class="viewer" tabindex="0" data-slices="{html.escape(json.dumps(data))}">'
            f'<div class="stage">{layers}</div>{trace}'
            f'<input type="range" class="slider" min="0" max="{len(data) - 1}" value="0" aria-label="slice">'
            '<label><input type="checkbox" value="prediction" checked> prediction (orange)</label> '
            '<label><input type="checkbox" value="truth" checked> truth (blue)</label> '
            '<label>opacity <input type="range" class="opacity" min="0" max="100" value="100"></label>'
            '<div class="info"></div></div>'
            f'<div class="sheet" aria-label="every slice">{tiles}</div></div>'
            '<p class="note">Click the image, then arrow keys or the mouse wheel step through the slices; '
            'click a slice of the overview to show it.</p>')


def write_report(path, summary: dict, patients: pd.DataFrame, figures: pd.DataFrame, origin: dict | None = None,
                 slices: pd.DataFrame | None = None) -> Path:
    """``slices`` (the slices table) gives the viewer each slice's number, probability and calls."""
    path = Path(path)
    items = "".join(f"<li>{html.escape(k)}: {html.escape(f'{v:.3f}' if isinstance(v, float) else str(v))}</li>"
                    for k, v in summary.items())
    flagged = patients[patients["input_flags"].notna()] if "input_flags" in patients else patients.iloc[:0]
    warning = (f'<p class="warning">{len(flagged)} of {len(patients)} patients hold slices unlike the data the models '
               f'were trained on ({html.escape("; ".join(dict.fromkeys("; ".join(flagged["input_flags"]).split("; "))))}): '
               "their predictions are shown, but trust them less; the input_flags columns say which.</p>"
               if len(flagged) else "")
    lacking = patients[patients["missing_sequences"].notna()] if "missing_sequences" in patients else patients.iloc[:0]
    if len(lacking):
        warning += (f'<p class="warning">{len(lacking)} of {len(patients)} patients lack a sequence, screened with the '
                    f'FLAIR in its place ({html.escape(", ".join(lacking["patient_id"]))}): a model trained on complete '
                    "studies only outlines such patients worse; the missing_sequences column says which.</p>")
    sections = []
    for patient in patients["patient_id"]:
        own = figures[figures["patient_id"] == patient]
        # the contact sheet and per-slice figures stay files in figures/: the viewer and its overview show every slice
        view = _viewer(patient, own, slices, (origin or {}).get("threshold")) or '<p class="note">no figures for this patient</p>'
        sections.append(f'<section id="{html.escape(patient)}"><h2>{html.escape(patient)}</h2>{view}</section>')
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mritool screening report</title>
<style>{STYLE}</style></head>
<body>
<h1>mritool screening report</h1>
<p class="note">Research use only; not a medical device. Figures: {COLOUR_NAMES[TRUTH_BGR]}, true mask;
{COLOUR_NAMES[PREDICTION_BGR]}, predicted mask. Viewer: the FLAIR in grayscale, {COLOUR_NAMES[TRUTH_BGR]} the true outline,
{COLOUR_NAMES[PREDICTION_BGR]} the predicted outline.</p>
{warning}
{_provenance(origin)}
<h2>Summary</h2><ul>{items}</ul>
{_cohort_plots(slices, patients)}
<h2>Patients</h2><p class="note">Click a column header to sort.</p>
<div class="scroll">{_table(patients, "patients")}</div>
{''.join(sections)}
<script>{SORT_SCRIPT}{VIEWER_SCRIPT}</script>
</body></html>
"""
    write_text_atomic(path, page)
    return path
