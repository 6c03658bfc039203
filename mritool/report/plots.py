"""Small inline SVG plots for the report: drawn as text, so the report stays one file with no plotting
library and no per-figure cost. Colours are Okabe-Ito (colour-blind safe), as in the viewer."""

import html

import numpy as np

BLUE, ORANGE, GREY = "#56b4e9", "#e69f00", "#999"


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (f'<svg class="plot" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{html.escape(label)}" xmlns="http://www.w3.org/2000/svg">{body}</svg>')


def score_trace(probabilities, threshold: float | None, truth=None, width: int = 256, height: int = 64) -> str:
    """The screening score (what the threshold applies to) along a patient's slices, the threshold dashed,
    the slices with a true tumor shaded blue, and a cursor (class ``cursor``) the viewer moves."""
    probabilities = np.asarray(probabilities, float)
    count = len(probabilities)
    step = width / max(count, 1)
    x = (np.arange(count) + 0.5) * step
    y = (1 - probabilities) * (height - 4) + 2
    shade = "".join(f'<rect x="{k * step:.1f}" y="0" width="{step:.1f}" height="{height}" fill="{BLUE}" '
                    'fill-opacity="0.25"/>' for k in np.flatnonzero(np.asarray(truth, bool))) if truth is not None else ""
    line = (f'<line x1="0" x2="{width}" y1="{(1 - threshold) * (height - 4) + 2:.1f}" '
            f'y2="{(1 - threshold) * (height - 4) + 2:.1f}" stroke="{GREY}" stroke-dasharray="4 3"/>'
            if threshold is not None else "")
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y))
    body = (f'<rect width="{width}" height="{height}" fill="#fff" stroke="#ddd"/>{shade}{line}'
            f'<polyline points="{points}" fill="none" stroke="{ORANGE}" stroke-width="1.5"/>'
            f'<line class="cursor" x1="{x[0] if count else 0:.1f}" x2="{x[0] if count else 0:.1f}" y1="0" '
            f'y2="{height}" stroke="#222" data-step="{step:.3f}"/>')
    return _svg(width, height, body, "screening score along the slices, threshold dashed")


def volume_scatter(true_volume, predicted_volume, unit: str, size: int = 240) -> str:
    """Per-patient predicted against true volume, with the identity line."""
    true_volume, predicted_volume = np.asarray(true_volume, float), np.asarray(predicted_volume, float)
    top = max(float(np.nanmax(np.concatenate([true_volume, predicted_volume]))), 1.0) * 1.05
    margin = 30
    scale = (size - 2 * margin) / top
    dots = "".join(f'<circle cx="{margin + t * scale:.1f}" cy="{size - margin - p * scale:.1f}" r="3" fill="{ORANGE}"/>'
                   for t, p in zip(true_volume, predicted_volume) if np.isfinite(t) and np.isfinite(p))
    body = (f'<rect width="{size}" height="{size}" fill="#fff" stroke="#ddd"/>'
            f'<line x1="{margin}" y1="{size - margin}" x2="{size - margin}" y2="{margin}" stroke="{GREY}" '
            'stroke-dasharray="4 3"/>'
            f'<line x1="{margin}" y1="{size - margin}" x2="{size - margin}" y2="{size - margin}" stroke="#222"/>'
            f'<line x1="{margin}" y1="{size - margin}" x2="{margin}" y2="{margin}" stroke="#222"/>{dots}'
            f'<text x="{size / 2}" y="{size - 8}" font-size="11" text-anchor="middle">true volume ({html.escape(unit)}), '
            f'max {top / 1.05:.0f}</text>'
            f'<text x="12" y="{size / 2}" font-size="11" text-anchor="middle" '
            f'transform="rotate(-90 12 {size / 2})">predicted volume</text>')
    return _svg(size, size, body, "predicted against true volume per patient")


def dice_strip(dice, width: int = 320, height: int = 80) -> str:
    """Per-patient Dice as dots on a 0-1 axis, the median marked."""
    dice = np.asarray(dice, float)
    dice = dice[np.isfinite(dice)]
    margin = 12
    scale = width - 2 * margin
    jitter = (np.arange(len(dice)) % 5 - 2) * 5
    dots = "".join(f'<circle cx="{margin + d * scale:.1f}" cy="{height / 2 + j:.1f}" r="3" fill="{ORANGE}" '
                   'fill-opacity="0.8"/>' for d, j in zip(dice, jitter))
    median = (f'<line x1="{margin + np.median(dice) * scale:.1f}" x2="{margin + np.median(dice) * scale:.1f}" '
              f'y1="12" y2="{height - 20}" stroke="#222"/>') if len(dice) else ""
    ticks = "".join(f'<text x="{margin + t * scale:.1f}" y="{height - 4}" font-size="10" text-anchor="middle">{t:.1f}</text>'
                    for t in (0, 0.25, 0.5, 0.75, 1.0))
    body = f'<rect width="{width}" height="{height}" fill="#fff" stroke="#ddd"/>{dots}{median}{ticks}'
    return _svg(width, height, body, "per-patient Dice, median marked")
