"""Training on several machines: ``TF_CONFIG`` read and checked, and which worker writes the run.

`MultiWorkerMirroredStrategy` (``strategy="multiworker"``) learns the cluster from the environment
variable ``TF_CONFIG``, the same JSON on every machine except for its own ``task``::

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'

Every worker runs the same command on the same data; each step's batch is split across the
workers and their gradients are summed, so all of them hold the same weights. The chief (the
``chief`` task, or worker 0 when there is none) writes the run directory; the other workers write
theirs to a temporary folder, deleted at the end (they must still save, as TensorFlow's guide says,
because saving a distributed model takes part in collective operations).

Example:
    >>> read_tf_config('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}')
    {'cluster': {'worker': ['a:1', 'b:2']}, 'task': {'type': 'worker', 'index': 1}}
    >>> is_chief(_)
    False
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile

TF_CONFIG_EXAMPLE = ('{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                     '"task": {"type": "worker", "index": 0}}')
TASK_TYPES = ("chief", "worker", "evaluator", "ps")


def _bad(reason: str):
    return ValueError(f"TF_CONFIG: {reason}; strategy 'multiworker' needs TF_CONFIG set to JSON with "
                      f"'cluster' (task type -> list of 'host:port') and this machine's 'task' "
                      f"(type one of {TASK_TYPES}, index), e.g. TF_CONFIG='{TF_CONFIG_EXAMPLE}'")


def read_tf_config(text: str | None = None) -> dict:
    """``TF_CONFIG`` (the environment's when `text` is None) parsed and checked: one ValueError that
    names TF_CONFIG and what it needs, before TensorFlow is asked to connect anywhere."""
    text = os.environ.get("TF_CONFIG") if text is None else text
    if not text or not text.strip():
        raise _bad("the environment variable is not set")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise _bad(f"not JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) or not config["cluster"]:
        raise _bad("no 'cluster' object")
    for kind, addresses in config["cluster"].items():
        if kind not in TASK_TYPES:
            raise _bad(f"unknown task type {kind!r} in 'cluster'")
        if (not isinstance(addresses, list) or not addresses
                or not all(isinstance(a, str) and a.rpartition(":")[2].isdigit() for a in addresses)):
            raise _bad(f"cluster {kind!r} must be a non-empty list of 'host:port' strings; got {addresses!r}")
    task = config.get("task")
    if not isinstance(task, dict) or task.get("type") not in config["cluster"]:
        raise _bad(f"'task' must name one of the cluster's task types {sorted(config['cluster'])}; got {task!r}")
    index = task.get("index", 0)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(config["cluster"][task["type"]]):
        raise _bad(f"task index {index!r} is not one of the {len(config['cluster'][task['type']])} "
                   f"{task['type']!r} addresses")
    if "ps" in config["cluster"]:
        raise _bad("a 'ps' (parameter server) cluster is ParameterServerStrategy's, which Keras 3's fit does "
                   "not support; use 'chief' and 'worker' tasks")
    return config


def is_chief(config: dict | None = None) -> bool:
    """Whether this process writes the run: the ``chief`` task, or worker 0 in a cluster without one."""
    config = read_tf_config() if config is None else config
    task = config["task"]
    if task["type"] == "chief":
        return True
    return task["type"] == "worker" and task.get("index", 0) == 0 and "chief" not in config["cluster"]


@contextlib.contextmanager
def this_workers_run_dir(run_dir, strategy: str, overwrite: bool = False):
    """The run directory this process writes: `run_dir` itself, except for a non-chief worker under
    ``strategy="multiworker"``, which gets a temporary copy (so it resumes from the same epoch as the
    chief where the run directory is shared or on the same machine), deleted afterwards."""
    if strategy != "multiworker" or is_chief():
        yield run_dir
        return
    scratch = tempfile.mkdtemp(prefix="dlcourse-worker-")
    own = os.path.join(scratch, "run")
    try:
        if os.path.isdir(run_dir) and not overwrite:
            shutil.copytree(run_dir, own, ignore=shutil.ignore_patterns("replaced", "logs"))
        yield own
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
