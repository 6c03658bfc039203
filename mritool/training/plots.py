"""Small matplotlib figures written next to models and evaluations."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_roc(fpr, tpr, auc: float, operating_point: dict, path: Path) -> None:
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    axis.plot(fpr, tpr, label=f"ROC (AUC {auc:.3f})")
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":")
    axis.scatter(
        [1 - operating_point["specificity"]], [operating_point["sensitivity"]], color="red", zorder=3,
        label=f"threshold {operating_point['threshold']:.3f}",
    )
    axis.set_xlabel("1 - specificity")
    axis.set_ylabel("sensitivity")
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_learning_curve(log, path: Path) -> None:
    """One panel per logged quantity (loss, then metrics), training and validation together."""
    panels = [c for c in log.columns if c not in ("epoch", "learning_rate") and not c.startswith("val_")]
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), squeeze=False)
    for axis, key in zip(axes[0], panels):
        axis.plot(log["epoch"] + 1, log[key], label=f"train {key}")
        if f"val_{key}" in log:
            axis.plot(log["epoch"] + 1, log[f"val_{key}"], label=f"validation {key}")
        axis.set_xlabel("epoch")
        axis.set_title(key)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
