"""Figures shared by every experiment (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def figure(width: float = 8, height: float = 4.5):
    """A new (fig, ax) pair with the package's default size."""
    return plt.subplots(figsize=(width, height))


def save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def history_metrics(history) -> list[str]:
    """Metric names in a history table that have a training column (`loss`, `accuracy`, ...)."""
    return [c for c in history.columns if c not in ("epoch", "learning_rate") and not c.startswith("val_")]


def plot_history(history, metric: str, path: Path, title: str = "") -> Path:
    """Training (and validation, if present) `metric` per epoch.

    Args:
        history: DataFrame with columns ``epoch``, ``metric`` and optionally ``val_<metric>``.
    """
    fig, ax = figure()
    epochs = history["epoch"] + 1
    ax.plot(epochs, history[metric], marker="o", label=f"train {metric}")
    if f"val_{metric}" in history:
        ax.plot(epochs, history[f"val_{metric}"], marker="o", label=f"validation {metric}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if metric == "loss" and (history[metric] > 0).all():
        ax.set_yscale("log")
    ax.set_title(title or f"{metric} per epoch")
    ax.legend()
    ax.grid(alpha=0.3)
    return save(fig, path)
