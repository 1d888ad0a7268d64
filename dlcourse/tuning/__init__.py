"""Hyperparameter search (하이퍼파라미터 탐색) with keras-tuner: grid, random, Bayesian, Hyperband.

`dlcourse.tuning.config` (the settings) imports no TensorFlow, so the command line can build its
parser from it; `search` (in `tuners`) and the search spaces (`spaces`) import keras-tuner when
first used.

Example:
    >>> from dlcourse.data import load_dataset
    >>> from dlcourse.tuning import search
    >>> result = search("notes_cnn", load_dataset("digits", image_size=8, limit=200), tuner="random",
    ...                 max_trials=2, epochs=1, directory="runs/tune-demo", report=None)
    >>> len(result.rows)
    2
"""

from dlcourse.lazy import lazy_exports
from dlcourse.tuning.config import OBJECTIVES, TUNERS, SearchConfig

# Each public name and the module that defines it, imported on first use (PEP 562).
_LAZY = {
    **dict.fromkeys(("SearchResult", "make_tuner", "plot_objective_by_trial", "read_results", "search",
                     "write_results"), "tuners"),
    **dict.fromkeys(("ARCHITECTURES", "CourseHyperModel", "SearchSpace", "check_search_space", "get_hypermodel",
                     "list_search_spaces"), "spaces"),
}


__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, eager=["OBJECTIVES", "SearchConfig", "TUNERS"])
