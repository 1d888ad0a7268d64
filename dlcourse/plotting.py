"""The package's one way to draw and save a figure: `new_figure` and `save_figure`.

Every figure the package saves goes through here, so all have the same resolution (`DPI`), a tight
layout, and Korean text (the notes' terms, 학습 곡선) drawn in a real Korean font: NanumGothic,
which `koreanize-matplotlib` ships, behind matplotlib's own font as a fallback for the glyphs it
lacks. On a machine without a display the Agg backend is used, so saving never needs a window;
in a notebook the notebook's backend is left alone.

Example:
    >>> fig, ax = new_figure(title="학습률 스케줄")
    >>> _ = ax.plot([0, 1], [1e-3, 1e-4])
    >>> label_axes(ax, "step", "learning rate")
    >>> save_figure(fig, "figures/schedule.png")
    'figures/schedule.png'
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

DPI = 120  # one resolution for every saved figure
KOREAN_FONT = "NanumGothic"  # the font koreanize-matplotlib ships (SIL Open Font License)
_SET_UP = False


def korean_font_path() -> str | None:
    """The path of koreanize-matplotlib's NanumGothic.ttf, or None when the package is missing.

    Found without importing the package: importing it rewrites matplotlib's settings as a side effect.
    """
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / f"{KOREAN_FONT}.ttf"
    return str(path) if path.is_file() else None


def setup_matplotlib():
    """Set matplotlib up once: Agg when headless, and NanumGothic as the fallback for Korean glyphs.

    Returns:
        The `matplotlib.pyplot` module.
    """
    global _SET_UP
    import matplotlib

    if not _SET_UP:
        headless = sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
        if headless and "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
            matplotlib.use("Agg")
        path = korean_font_path()
        if path is not None:
            from matplotlib import font_manager

            font_manager.fontManager.addfont(path)
            families = [f for f in matplotlib.rcParams["font.family"] if f != KOREAN_FONT]
            matplotlib.rcParams["font.family"] = families + [KOREAN_FONT]
        _SET_UP = True
    import matplotlib.pyplot as plt

    return plt


def new_figure(ncols: int = 1, nrows: int = 1, *, figsize=None, title: str | None = None, squeeze: bool = True):
    """A new figure of ``nrows x ncols`` axes, about 5 x 3.6 inches per axes.

    Args:
        ncols, nrows: the grid of axes.
        figsize: (width, height) in inches; by default from the grid.
        title: the figure's title (Korean is fine).
        squeeze: as `plt.subplots`: one axes comes back alone rather than in an array.

    Returns:
        ``(fig, axes)`` as `matplotlib.pyplot.subplots` returns them.

    Example:
        >>> fig, axes = new_figure(2, title="손실과 정확도")
        >>> len(axes)
        2
    """
    plt = setup_matplotlib()
    figsize = figsize or (5.0 * ncols, 3.6 * nrows)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=squeeze)
    if title:
        fig.suptitle(title)
    return fig, axes


def label_axes(ax, xlabel: str, ylabel: str, title: str | None = None, *, grid: bool = True, legend: bool = False):
    """Name `ax`'s axes (and title), with a light grid and, if asked, the legend."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if grid:
        ax.grid(alpha=0.3)
    if legend:
        ax.legend()


def unlabelled_axes(fig) -> list:
    """The visible axes of `fig` missing an x or y label (the house rule: every axis is named)."""
    return [ax for ax in fig.axes if ax.axison and (not ax.get_xlabel() or not ax.get_ylabel())]


def save_figure(fig, path, *, close: bool = True) -> str:
    """Save `fig` to `path` at `DPI` with a tight layout, creating the folder; close it unless asked not to.

    Args:
        fig: a matplotlib figure.
        path: where to write it (the extension picks the format: .png, .pdf, .svg).
        close: close the figure afterwards, freeing its memory (keep it open to show it in a notebook).

    Returns:
        `path`, as given, as a string.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    if close:
        setup_matplotlib().close(fig)
    return path
