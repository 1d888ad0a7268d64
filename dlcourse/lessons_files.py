"""The lesson notebooks that ship with the package, and where a lesson saves its plots.

A pip-installed package has no repository checkout: its notebooks are package data
(``dlcourse/lessons/``, the repository's ``lessons/`` folder). ``dlcourse lessons DIR`` copies them
out; a lesson then saves its figures with `lesson_assets`, which works wherever it runs.

Example:
    >>> names = [path.name for path in lesson_notebooks()]
    >>> "01_perceptron_and_mlp.ipynb" in names
    True
    >>> copied = copy_lessons("my_lessons")
    >>> (Path("my_lessons") / "01_perceptron_and_mlp.ipynb").is_file()
    True
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PACKAGE_LESSONS = Path(__file__).resolve().parent / "lessons"


def lessons_folder() -> Path:
    """The folder holding the package's lesson notebooks (the checkout's ``lessons/`` when run from one)."""
    if not PACKAGE_LESSONS.is_dir():
        raise FileNotFoundError(f"{PACKAGE_LESSONS}: the lesson notebooks are missing from this installation; "
                                "reinstall dlcourse (pip install --force-reinstall dlcourse)")
    return PACKAGE_LESSONS


def lesson_notebooks() -> list[Path]:
    """The lesson notebooks, in lesson order."""
    return sorted(lessons_folder().glob("[0-9][0-9]_*.ipynb"))


def copy_lessons(directory=".", *, overwrite: bool = False) -> list[Path]:
    """Copy the lesson notebooks into `directory` (created if missing); returns the files written.

    A notebook already there is kept as it is (your edits and outputs are never overwritten)
    unless `overwrite` is True.

    Args:
        directory: where the notebooks go.
        overwrite: replace notebooks that are already there.
    """
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a path; got {type(directory).__name__}")
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise ValueError(f"directory: {target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook in lesson_notebooks():
        destination = target / notebook.name
        if destination.exists() and not overwrite:
            continue
        partial = destination.with_name(f".{destination.name}.partial")
        shutil.copyfile(notebook, partial)
        os.replace(partial, destination)
        written.append(destination)
    return written


def lesson_assets(start=None) -> Path:
    """The folder a lesson saves its plots in, created if missing.

    Run from the repository's ``lessons/`` folder (beside its ``assets/``) that is ``../assets``,
    where the README's figures live; anywhere else (a copy made by ``dlcourse lessons``, a hosted
    notebook) it is ``assets/`` in the folder the notebook runs in.

    Args:
        start: the folder the notebook runs in (default: the current directory, and the path
            returned is relative to it: ``../assets`` or ``assets``).

    Example:
        >>> lesson_assets().name
        'assets'
    """
    here = Path(start) if start is not None else Path()  # relative: a notebook shows no machine's paths
    resolved = here.resolve()
    in_repository = resolved.name == "lessons" and (resolved.parent / "assets").is_dir()
    assets = (here.parent if start is not None else Path("..")) / "assets" if in_repository else here / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    return assets
