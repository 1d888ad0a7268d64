"""The figure plumbing the tuning and validation plots share, on top of `dlcourse.plotting`.

Going through `dlcourse.plotting` gives these figures its Korean font (편향-분산 renders as text,
not boxes), its headless backend and its resolution.
"""

from __future__ import annotations


def new_axes(figsize=(6, 3.6)):
    """A matplotlib ``(figure, axes)`` with the package's font set up, working without a display."""
    from dlcourse.plotting import new_figure

    return new_figure(figsize=figsize)


def finish(fig, ax, path=None, legend_loc="best"):
    """Grid, legend, tight layout; save to `path` (its folder created) when given. Returns `fig`.

    ``legend_loc="below"`` puts the legend under the axes, where it can cover no data.
    """
    from dlcourse.plotting import save_figure

    ax.grid(alpha=0.3)
    if legend_loc == "below":
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))
    else:
        ax.legend(loc=legend_loc)
    if path:
        save_figure(fig, path, close=False)
    else:
        fig.tight_layout()
    return fig
