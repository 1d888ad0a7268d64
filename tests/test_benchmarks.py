"""The benchmark suite (`python -m benchmarks`): its registry, a quick run's JSON, the README's
generated performance table, and its errors. No timing is asserted: only what the suite writes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import suite

REPO = Path(__file__).resolve().parents[1]


def _python(*args, timeout=120):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=REPO, timeout=timeout,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO)})


def test_the_registry_lists_every_benchmark_and_every_script_runs_through_it():
    suite._load_registry()
    scripts = {p.name for p in (REPO / "benchmarks").glob("bench_*.py")}
    assert {b.script for b in suite.BENCHMARKS.values() if b.script} == scripts
    assert {"zoo", "latency", "flops", "recipes", "startup"} <= set(suite.BENCHMARKS)
    for benchmark in suite.BENCHMARKS.values():
        assert benchmark.title and benchmark.command and set(benchmark.backends) <= set(suite.BACKENDS)
    # the keras-only benchmarks run on JAX as well
    assert all("jax" in suite.BENCHMARKS[name].backends for name in ("zoo", "latency", "flops"))


def test_listing_and_bad_names_import_no_tensorflow_and_give_one_clear_error():
    listing = _python("-c", "import sys\nfrom benchmarks.suite import main\nmain([])\n"
                            "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    assert listing.returncode == 0 and listing.stdout.strip().endswith("[]")
    assert "zoo " in listing.stdout and "python -m benchmarks flops" in listing.stdout
    bad = _python("-m", "benchmarks", "zoo", "nope")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "unknown benchmark 'nope'; choose from: zoo, latency, flops" in bad.stderr
    assert bad.stdout == ""  # nothing ran, not even the valid name before it


@pytest.mark.slow
def test_a_quick_run_writes_json_with_the_machine_and_writes_no_results(tmp_path, capsys):
    out = tmp_path / "out.json"
    assert suite.main(["startup", "--quick", "--json", str(out), "--results", str(tmp_path / "results")]) == 0
    assert not (tmp_path / "results").exists()  # a quick run is a smoke test: not a result
    written = json.loads(out.read_text())
    for document in (written, written["results"][0]["machine"] | {"versions": written["results"][0]["versions"]}):
        machine = document.get("machine", document)
        assert machine["cores"] >= 1 and machine["model"]
        assert set(machine["flags"]) >= {"avx2", "avx512f", "avx512_bf16", "amx_bf16"}
    result = written["results"][0]
    assert result["benchmark"] == "startup" and result["quick"] is True and result["backend"] == suite.keras_backend()
    assert len(result["machine"]["load_start"]) == 3 and len(result["machine"]["load_end"]) == 3
    assert {"python", "numpy", "tensorflow", "keras", "jax"} <= set(result["versions"])
    rows = {row["what"]: row for row in result["rows"]}
    assert set(rows) == {"import dlcourse", "dlcourse --help", "dlcourse models"}
    for row in rows.values():  # the ratio of the unrounded medians, to 2 places; ours and baseline are rounded to 3
        low, high = (row["ours"] - 5e-4) / (row["baseline"] + 5e-4), (row["ours"] + 5e-4) / (row["baseline"] - 5e-4)
        assert low - 5e-3 <= row["ratio"] <= high + 5e-3, row
    assert "ours / baseline" in capsys.readouterr().out  # the ratios are printed side by side


def _result(name, figure, backend="tensorflow"):
    return {"benchmark": name, "title": f"{name} title", "command": f"python -m benchmarks {name}", "quick": False,
            "started": "2026-11-25T17:00:00+00:00", "backend": backend, "figure": figure,
            "machine": {"model": "Some CPU", "usable_cores": 2, "load_start": [1.0, 1, 1], "load_end": [2.0, 1, 1]},
            "versions": {"tensorflow": "2.21.0", "keras": "3.15.1"}}


def test_update_readme_rewrites_only_between_the_markers_and_is_idempotent(tmp_path, capsys):
    results = tmp_path / "results"
    suite.write_json(results / "zoo-tensorflow.json", _result("zoo", "ours 1.0x"))
    suite.write_json(results / "zoo-jax.json", _result("zoo", "ours 0.9x", backend="jax"))
    suite.write_json(results / "recorded.json", {"rows": [
        {"benchmark": "zoo", "title": "old zoo", "figure": "stale", "command": "old", "where": "then"},
        {"benchmark": None, "title": "kept row", "figure": "42 s", "command": "lessons/x.ipynb", "where": "then"}]})
    head, tail = "# Title\n\nbefore | the | table\n", "\nafter the table\n"
    readme = tmp_path / "README.md"
    readme.write_text(f"{head}{suite.START_MARKER}\nanything old\n{suite.END_MARKER}{tail}")
    argv = ["--update-readme", "--readme", str(readme), "--results", str(results)]
    assert suite.main(argv) == 0
    first = readme.read_text()
    assert first.startswith(head + suite.START_MARKER + "\n") and first.endswith(suite.END_MARKER + tail)
    table = first[len(head + suite.START_MARKER):-len(suite.END_MARKER + tail)]
    assert "anything old" not in table and "stale" not in table  # a re-measured benchmark replaces its old row
    assert "| zoo title | ours 1.0x |" in table and "`KERAS_BACKEND=jax python -m benchmarks zoo`" in table
    assert "| kept row | 42 s | then | `lessons/x.ipynb` |" in table
    assert "Some CPU, 2 cores, load 1.0 -> 2.0; tensorflow, TF 2.21.0, Keras 3.15.1; 2026-11-25" in table
    assert suite.main(argv) == 0
    assert readme.read_text() == first and "already up to date" in capsys.readouterr().out


def test_update_readme_without_its_markers_changes_nothing(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers here\n")
    with pytest.raises(SystemExit, match="expected one"):
        suite.update_readme(readme, tmp_path)
    assert readme.read_text() == "# no markers here\n"


def test_the_readme_table_is_what_the_results_folder_gives():
    """Every figure in the README's performance table comes from a JSON file in benchmarks/results/."""
    suite._load_registry()
    text = (REPO / "README.md").read_text()
    block = text.split(suite.START_MARKER)[1].split(suite.END_MARKER)[0]
    assert block.strip() == suite.readme_table(suite.RESULTS).strip()


def test_dlcourse_bench_is_a_lazy_alias():
    out = _python("-c", "import sys, contextlib, io\nfrom dlcourse.cli import build_parser, main\n"
                        "with contextlib.redirect_stdout(io.StringIO()) as help_text, contextlib.suppress(SystemExit):\n"
                        "    build_parser().parse_args(['bench', '--help'])\n"
                        "print('usage: dlcourse bench' in help_text.getvalue())\n"
                        "print(main(['bench', 'nope']))\n"
                        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    assert out.stdout.split("\n")[:3] == ["True", "2", "[]"], out.stderr
    assert "unknown benchmark 'nope'" in out.stderr
