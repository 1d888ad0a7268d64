"""The lessons travel with the package: shipped as package data, copied out, plots saved beside them."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from dlcourse.cli import main
from dlcourse.lessons_files import copy_lessons, lesson_assets, lesson_notebooks

ROOT = Path(__file__).resolve().parents[1]
REPO_LESSONS = sorted((ROOT / "lessons").glob("*.ipynb"))


def test_the_package_holds_every_lesson_of_the_repository():
    assert [p.name for p in lesson_notebooks()] == [p.name for p in REPO_LESSONS]


def test_copy_keeps_what_is_there_unless_told(tmp_path):
    written = copy_lessons(tmp_path / "course")
    assert [p.name for p in written] == [p.name for p in REPO_LESSONS]
    edited = written[0]
    edited.write_text("my notes")
    assert copy_lessons(tmp_path / "course") == []
    assert edited.read_text() == "my notes"
    assert edited in copy_lessons(tmp_path / "course", overwrite=True)
    assert edited.read_bytes() == REPO_LESSONS[0].read_bytes()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="directory"):
        copy_lessons(tmp_path / "file")


def test_the_command_copies_the_lessons(tmp_path, capsys):
    assert main(["lessons", str(tmp_path / "out")]) == 0
    assert "copied" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "out").glob("*.ipynb")) == [p.name for p in REPO_LESSONS]


def test_plots_go_beside_the_repository_lessons_or_into_a_new_assets_folder(tmp_path):
    (tmp_path / "repo" / "lessons").mkdir(parents=True)
    (tmp_path / "repo" / "assets").mkdir()
    assert lesson_assets(tmp_path / "repo" / "lessons") == tmp_path / "repo" / "assets"
    elsewhere = tmp_path / "copied"
    elsewhere.mkdir()
    assert lesson_assets(elsewhere) == elsewhere / "assets" and (elsewhere / "assets").is_dir()


@pytest.mark.parametrize("path", REPO_LESSONS, ids=[p.stem for p in REPO_LESSONS])
def test_each_lesson_installs_the_package_first_and_finds_its_assets_one_way(path):
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    assert 'importlib.util.find_spec("dlcourse") is None' in cells[0].source
    imported = False
    for cell in cells:
        for line in cell.source.splitlines():
            imported = imported or line.startswith("from dlcourse.lessons_files import lesson_assets")
            if re.match(r"\s*ASSETS\s*=", line):
                assert "lesson_assets()" in line, line
                assert imported, "lesson_assets is used before it is imported"


@pytest.mark.slow
def test_a_built_wheel_contains_the_lessons(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "lessons", source / "lessons")
    shutil.copytree(ROOT / "dlcourse", source / "dlcourse", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"dlcourse/lessons/{p.name}" for p in REPO_LESSONS} <= set(names)
