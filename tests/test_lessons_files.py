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


# --- stored outputs: what a student sees without running anything ---------------------------------

NOISE = re.compile(r"Warning|warn\(|Traceback|Skipping variable loading|retracing|Glyph \d+ .*missing")
SAVED_PATH = re.compile(r"PosixPath\(|\.(png|svg|pdf|keras|json)'$")


def stored_noise(path) -> list:
    """(cell index, what) for each warning, traceback or error a lesson's stored outputs show."""
    found = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            kind = output.get("output_type")
            if kind == "error":
                found.append((index, f"error {output.get('ename')}"))
            elif kind == "stream" and output.get("name") == "stderr":
                found.append((index, "stderr: " + output.get("text", "")[:120]))
            text = output.get("text", "") if kind == "stream" else output.get("data", {}).get("text/plain", "")
            text = text if isinstance(text, str) else "".join(text)
            match = NOISE.search(text)
            if match:
                found.append((index, f"{match.group(0)!r} in {text[:120]!r}"))
            elif kind == "execute_result" and SAVED_PATH.search(text):   # a save call's return value, not a result
                found.append((index, f"a saved file's path: {text[:120]!r}"))
    return found


@pytest.mark.parametrize("path", REPO_LESSONS, ids=[p.stem for p in REPO_LESSONS])
def test_stored_outputs_show_no_warning_or_traceback(path):
    assert stored_noise(path) == []


def test_the_noise_check_finds_what_it_looks_for(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("1", outputs=[output]) for output in (
        nbformat.v4.new_output("stream", name="stdout", text="ok\n"),
        nbformat.v4.new_output("stream", name="stderr", text="anything on stderr\n"),
        nbformat.v4.new_output("stream", name="stdout", text="WARNING:tensorflow:5 out of the last 6 calls "
                               "triggered tf.function retracing\n"),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[]),
        nbformat.v4.new_output("execute_result", data={"text/plain": "UserWarning: Glyph 44592 missing"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "'../assets/13_patches.png'"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "{'accuracy': 0.98}"}),
    )]
    nbformat.write(notebook, tmp_path / "noisy.ipynb")
    assert [index for index, _ in stored_noise(tmp_path / "noisy.ipynb")] == [1, 2, 3, 4, 5]
