"""The figure plumbing the tuning and validation plots share: headless axes, then grid, legend and save."""

from __future__ import annotations


def new_axes(figsize=(6, 3.6)):
    """A matplotlib ``(figure, axes)`` that works without a display."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)


def finish(fig, ax, path=None, legend_loc="best"):
    """Grid, legend, tight layout; save to `path` when given. Returns `fig`."""
    ax.grid(alpha=0.3)
    ax.legend(loc=legend_loc)
    fig.tight_layout()
    if path:
        fig.savefig(path, dpi=120)
    return fig
