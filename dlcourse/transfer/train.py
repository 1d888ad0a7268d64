"""The two ways of transfer learning as one training recipe, for `dlcourse train --transfer`.

``feature``: the frozen backbone with a new head, trained by `dlcourse.train.fit`. ``finetune``:
the same head first trained for `HEAD_EPOCHS` epochs with the base frozen (a random head would
send large gradients into the pretrained blocks), then the top blocks unfrozen and the whole
trained by `fit` at a tenth of the learning rate.

Example:
    >>> from dlcourse.transfer.train import TRANSFER_MODES
    >>> TRANSFER_MODES
    ('feature', 'finetune')
"""

from __future__ import annotations

import dataclasses

from dlcourse.checks import check_choice

TRANSFER_MODES = ("feature", "finetune")
HEAD_EPOCHS = 5  # finetune: epochs of head-only training before the blocks are unfrozen
FINE_TUNE_RATE_FACTOR = 0.1  # finetune: the unfrozen blocks train at this fraction of the rate


def transfer_model(name: str, data, config, *, weights=None, transfer: str = "feature", blocks: int = 1):
    """The model and `TrainConfig` for training `name` on `data` the `transfer` way.

    Args:
        name: a registered backbone.
        data: an `ImageData`.
        config: the `TrainConfig` of the run (its rate, optimiser and seed).
        weights: None, ``"imagenet"`` (the model then scales [0, 1] images itself) or a base's
            ``.weights.h5`` file.
        transfer: ``"feature"`` or ``"finetune"``.
        blocks: with ``"finetune"``, how many top blocks to unfreeze.

    Returns:
        ``(model, config)``: a `keras.Model` ready for `fit`, and the config to train it with.
    """
    import keras

    from dlcourse.transfer.core import compile_transfer, feature_extractor, fine_tune

    check_choice("transfer", transfer, TRANSFER_MODES)
    keras.utils.set_random_seed(config.seed)
    extra = {}
    if weights == "imagenet" and data.input_shape[-1] == 3:
        extra["include_preprocessing"] = "0-1"  # ImageData holds images in [0, 1]
    model = feature_extractor(name, data.num_classes, weights=weights, input_shape=data.input_shape, **extra)
    if transfer == "feature":
        return model, config
    compile_transfer(model, config.learning_rate)
    model.fit(data.x_train, data.y_train, epochs=HEAD_EPOCHS, batch_size=config.batch_size, verbose=0)
    fine_tune(model, blocks=blocks, learning_rate=config.learning_rate * FINE_TUNE_RATE_FACTOR)
    return model, dataclasses.replace(config, learning_rate=config.learning_rate * FINE_TUNE_RATE_FACTOR)
