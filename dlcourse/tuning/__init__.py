"""Hyperparameter search (하이퍼파라미터 탐색) with keras-tuner: grid, random, Bayesian, Hyperband.

Example:
    >>> from dlcourse.data import load_dataset
    >>> from dlcourse.tuning import search
    >>> result = search("notes_cnn", load_dataset("digits", image_size=8), tuner="random",
    ...                 max_trials=3, epochs=2, directory="runs/tune-demo")
"""

from dlcourse.tuning.config import OBJECTIVES, TUNERS, SearchConfig
from dlcourse.tuning.search import (
    SearchResult, make_tuner, plot_objective_by_trial, read_results, search, write_results,
)
from dlcourse.tuning.spaces import (
    ARCHITECTURES, CourseHyperModel, SearchSpace, check_search_space, get_hypermodel, list_search_spaces,
)

__all__ = [
    "ARCHITECTURES", "CourseHyperModel", "OBJECTIVES", "SearchConfig", "SearchResult", "SearchSpace", "TUNERS",
    "check_search_space", "get_hypermodel", "list_search_spaces", "make_tuner", "plot_objective_by_trial",
    "read_results", "search", "write_results",
]
