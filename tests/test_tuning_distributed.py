"""keras-tuner's distributed mode with our tuners: a chief oracle and two workers on 127.0.0.1."""

import json
import os
import socket
import subprocess
import sys

import pytest

from dlcourse.tuning import read_results

TRIALS = 4


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_chief_and_two_workers_split_the_trials_and_run_none_twice(tmp_path):
    directory = tmp_path / "search"
    command = [sys.executable, "-m", "dlcourse", "tune", "notes_cnn", "--tuner", "random", "--dir", str(directory),
               "--max-trials", str(TRIALS), "--image-size", "8", "--limit", "300", "--epochs", "1", "--patience", "0"]
    base = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERASTUNER_ORACLE_IP": "127.0.0.1",
            "KERASTUNER_ORACLE_PORT": str(_free_port())}
    processes = {}
    try:
        for tuner_id in ("chief", "tuner0", "tuner1"):
            processes[tuner_id] = subprocess.Popen(
                command, cwd=tmp_path, env={**base, "KERASTUNER_TUNER_ID": tuner_id}, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        outputs = {tuner_id: p.communicate(timeout=150)[0] for tuner_id, p in processes.items()}
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    assert all(p.returncode == 0 for p in processes.values()), outputs

    rows = read_results(directory)  # written by the chief, which holds the oracle
    assert sorted(r["trial"] for r in rows) == [str(i) for i in range(TRIALS)]
    ran = {w: {line.split()[2].rstrip(":") for line in outputs[w].splitlines() if line.startswith(f"[{w}] trial ")}
           for w in ("tuner0", "tuner1")}
    assert ran["tuner0"] and ran["tuner1"], outputs          # both workers got trials
    assert not ran["tuner0"] & ran["tuner1"]                  # none went to both
    assert ran["tuner0"] | ran["tuner1"] == {r["trial"] for r in rows}
    assert {r["trial"]: r["worker"] for r in rows} == {t: w for w, ts in ran.items() for t in ts}
    run_times = json.loads((directory / "trials" / "oracle.json").read_text())["run_times"]
    assert set(run_times.values()) == {1}                      # keras-tuner's own count: each ran once
    assert "[chief] trial" not in outputs["chief"]             # the chief hands out trials, trains none
