import itertools

import numpy as np
import pytest

from mritool.classifier.screening_metrics import choose_threshold, roc_auc, roc_curve, screening_metrics
from mritool.errors import MritoolError


def test_threshold_reaches_the_target_on_known_scores():
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], bool)
    scores = np.array([0.9, 0.8, 0.7, 0.2, 0.6, 0.5, 0.3, 0.1, 0.05, 0.0])
    assert choose_threshold(labels, scores, 0.75) == pytest.approx(0.65)  # halfway from 0.7 to the next score
    assert choose_threshold(labels, scores, 0.97) == pytest.approx(0.15)  # all four positives needed
    metrics = screening_metrics(labels, scores, 0.15)
    assert metrics["sensitivity"] == 1.0
    assert metrics["specificity"] == pytest.approx(3 / 6)
    assert metrics["confusion_matrix"] == {"tp": 4, "fn": 0, "fp": 3, "tn": 3}
    assert metrics["precision"] == pytest.approx(4 / 7)


def test_threshold_is_as_high_as_the_target_allows_with_a_margin_both_sides():
    rng = np.random.default_rng(0)
    labels = rng.random(200) < 0.35
    scores = np.clip(rng.normal(labels * 0.5 + 0.25, 0.2), 0, 1)
    threshold = choose_threshold(labels, scores, 0.9)
    assert screening_metrics(labels, scores, threshold)["sensitivity"] >= 0.9
    next_above = scores[scores > threshold].min()
    assert screening_metrics(labels, scores, np.nextafter(next_above, 2))["sensitivity"] < 0.9
    gap = next_above - scores[scores < threshold].max()
    assert np.min(np.abs(scores - threshold)) == pytest.approx(gap / 2)


def test_auc_equals_pairwise_count_with_ties():
    labels = np.array([1, 0, 1, 0, 1, 0], bool)
    scores = np.array([0.8, 0.8, 0.4, 0.3, 0.9, 0.1])
    pairs = [(p, n) for p, n in itertools.product(scores[labels], scores[~labels])]
    expected = np.mean([1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs])
    assert roc_auc(labels, scores) == pytest.approx(expected)
    fpr, tpr, _ = roc_curve(labels, scores)
    assert np.trapezoid(tpr, fpr) == pytest.approx(expected)


def test_no_positives_is_an_error():
    with pytest.raises(MritoolError):
        choose_threshold(np.zeros(4, bool), np.zeros(4), 0.97)
