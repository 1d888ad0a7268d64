"""The one plotting helper: Korean text in a real Korean font, one resolution, labelled axes."""

import warnings

import matplotlib
import pytest

from dlcourse import plotting
from dlcourse.plotting import DPI, KOREAN_FONT, label_axes, new_figure, save_figure, unlabelled_axes

KOREAN = "잔차 학습"  # residual learning


def _glyph_warnings(record):
    return [str(w.message) for w in record if "Glyph" in str(w.message) and "missing" in str(w.message)]


def _draw_korean(path):
    fig, ax = new_figure(title=KOREAN)
    ax.plot([-1, 0, 1], [1, 0, 1], label="학습 곡선")
    label_axes(ax, "에폭 (epoch)", "손실 (loss)", KOREAN, legend=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        save_figure(fig, path)
    return record


def test_korean_text_draws_without_missing_glyphs(tmp_path):
    assert plotting.korean_font_path() is not None, "koreanize-matplotlib (setup.cfg) ships the Korean font"
    record = _draw_korean(tmp_path / "ko.png")
    assert _glyph_warnings(record) == []
    assert (tmp_path / "ko.png").stat().st_size > 0
    font = matplotlib.font_manager.findfont(matplotlib.font_manager.FontProperties(family=KOREAN_FONT),
                                            fallback_to_default=False)
    assert font == plotting.korean_font_path()


def test_without_the_korean_font_the_same_figure_warns(tmp_path):
    # The check above can fail: matplotlib's own font alone has no Hangul and says so.
    new_figure()  # set up once, then leave the Korean font out for this figure
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        record = _draw_korean(tmp_path / "ko.png")
    assert _glyph_warnings(record)


def test_save_figure_makes_the_folder_and_uses_one_resolution(tmp_path):
    from PIL import Image

    fig, ax = new_figure(figsize=(4, 3))
    ax.plot([0, 1])
    label_axes(ax, "x", "y")
    path = save_figure(fig, tmp_path / "new" / "deeper" / "f.png")
    assert path == str(tmp_path / "new" / "deeper" / "f.png")
    assert Image.open(path).size == (4 * DPI, 3 * DPI)
    assert not matplotlib.pyplot.fignum_exists(fig.number)  # closed: no figures pile up in long runs


def test_every_figure_the_package_draws_names_its_axes(tmp_path):
    from dlcourse.diagnostics import plot_signals
    from dlcourse.optim import CosineDecay, plot_schedules

    fig, ax = new_figure(2)
    label_axes(ax[0], "x", "y")
    assert unlabelled_axes(fig) == [ax[1]]
    figures = [
        plot_schedules({"cosine": CosineDecay(0.1, 20)}, 20, tmp_path / "s.png"),
        plot_signals({"he": [{"activation_std": 1.0}, {"activation_std": 0.5}]}, path=tmp_path / "g.png"),
    ]
    for figure in figures:
        assert unlabelled_axes(figure) == []
    assert (tmp_path / "s.png").is_file() and (tmp_path / "g.png").is_file()


def test_learning_curves_name_their_axes(tmp_path, monkeypatch):
    from dlcourse.train.plots import plot_learning_curves

    saved = []
    monkeypatch.setattr(plotting, "save_figure", lambda fig, path: saved.append(fig) or str(path))
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7],
               "learning_rate": [1e-3, 1e-4]}
    plot_learning_curves(history, tmp_path / "c.png", title="학습 곡선")
    (fig,) = saved
    assert [a.get_ylabel() for a in fig.axes] == ["loss", "accuracy"]
    assert unlabelled_axes(fig) == []


def test_learning_curves_file_is_written(tmp_path):
    from dlcourse.train.plots import plot_learning_curves

    path = plot_learning_curves({"loss": [1.0, 0.5]}, tmp_path / "runs" / "c.png")
    assert (tmp_path / "runs" / "c.png").is_file() and path == str(tmp_path / "runs" / "c.png")
    with pytest.raises(ValueError, match="no metrics"):
        plot_learning_curves({"learning_rate": [1.0]}, tmp_path / "x.png")
