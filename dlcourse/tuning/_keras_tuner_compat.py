"""Everything dlcourse takes from keras-tuner outside its public API, in one place.

keras-tuner 1.4 exports no function for these, so they come from ``keras_tuner.src``, which may
change in any release: setup.cfg bounds keras-tuner below 1.5, and a new release is checked here.

Example:
    >>> import keras_tuner as kt
    >>> hp = kt.HyperParameters()
    >>> _ = hp.Fixed("depth", 2)
    >>> all_fixed(hp)
    True
"""

from __future__ import annotations

from keras_tuner.src.distribute import utils as _distribute
from keras_tuner.src.engine import tuner_utils as _tuner_utils
from keras_tuner.src.engine.hypermodel import get_hypermodel as _get_hypermodel
from keras_tuner.src.engine.hyperparameters import Fixed as _Fixed


def hypermodel_from_function(build):
    """keras-tuner's own `HyperModel` wrapper of a build function ``hp -> keras.Model``."""
    return _get_hypermodel(build)


def metrics_dict(histories, objective) -> dict:
    """The metrics a trial reports, from the Keras `History` objects of its executions."""
    return dict(_tuner_utils.convert_to_metrics_dict(histories, objective))


def is_worker() -> bool:
    """Whether this process is a keras-tuner distributed worker (it holds no oracle)."""
    return _distribute.has_chief_oracle() and not _distribute.is_chief_oracle()


def all_fixed(hp) -> bool:
    """True when `hp` declares no hyperparameter that can take more than one value."""
    return all(isinstance(p, _Fixed) for p in hp.space)
