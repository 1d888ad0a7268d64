"""Learning curves (학습 곡선) from a Keras history, saved as PNG with matplotlib.

Example:
    >>> plot_learning_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, "curves.png")
    'curves.png'
"""

from __future__ import annotations


def plot_learning_curves(history: dict, path, title: str | None = None):
    """Plot each metric of `history` (train and ``val_`` side by side) and save to `path`.

    Args:
        history: ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}`` as from
            ``model.fit(...).history``.
        path: where to write the PNG.
        title: an optional figure title.

    Returns:
        `path`.
    """
    from matplotlib.ticker import MaxNLocator

    from dlcourse.plotting import label_axes, new_figure, save_figure

    metrics = [k for k in history if not k.startswith("val_") and k not in ("learning_rate", "lr")]
    if not metrics:
        raise ValueError(f"history has no metrics to plot; keys: {sorted(history)}")
    fig, axes = new_figure(len(metrics), title=title, squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        epochs = range(1, len(history[metric]) + 1)
        ax.plot(epochs, history[metric], "o-", label="train")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        label_axes(ax, "epoch", metric, legend=True)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return save_figure(fig, path)
