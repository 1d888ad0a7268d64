"""The degradation problem (He et al., CVPR 2016, Fig. 1) and residual learning (잔차 학습).

A deeper *plain* network trains worse than a shallower one: its training loss, not only its test
loss, stays higher, so it is not overfitting. The same deep network with identity shortcuts trains
far better than its plain twin. The networks here are the paper's CIFAR-style family: 6n + 2 layers,
a 3x3 stem, three stages of n blocks of two 3x3 convolutions (16, 32, 64 channels, the second and third
stage starting with stride 2), global average pooling and a softmax.

Example:
    >>> plain_or_residual_net(3, residual=False, input_shape=(8, 8, 1)).name
    'plain-20'
"""

from __future__ import annotations

from dlcourse.checks import check_positive_int

STAGE_FILTERS = (16, 32, 64)


def plain_or_residual_net(blocks_per_stage: int, residual: bool, input_shape=(28, 28, 1), classes: int = 10,
                          name: str | None = None):
    """The paper's CIFAR network with 6 n + 2 layers, plain or with identity shortcuts.

    Args:
        blocks_per_stage: n, blocks of two 3x3 convolutions in each of the three stages.
        residual: each block is `dlcourse.blocks.basic_block` (a shortcut around its two
            convolutions) when True, the same two `conv_bn_act` without the shortcut when False.
        input_shape, classes: the images and the number of classes.
        name: the model's name; default ``plain-20`` / ``resnet-56`` and so on.

    Example:
        >>> plain_or_residual_net(9, residual=True, input_shape=(8, 8, 1)).name
        'resnet-56'
    """
    import keras

    from dlcourse.blocks import basic_block, conv_bn_act

    check_positive_int("blocks_per_stage", blocks_per_stage)
    name = name or f"{'resnet' if residual else 'plain'}-{6 * blocks_per_stage + 2}"
    x = inputs = keras.Input(input_shape)
    x = conv_bn_act(x, STAGE_FILTERS[0], 3, name="stem")
    for stage, filters in enumerate(STAGE_FILTERS):
        for b in range(blocks_per_stage):
            strides = 2 if stage > 0 and b == 0 else 1
            block = f"stage{stage + 1}_block{b + 1}"
            if residual:
                x = basic_block(x, filters, strides=strides, name=block)
            else:
                x = conv_bn_act(x, filters, 3, strides=strides, name=f"{block}_1")
                x = conv_bn_act(x, filters, 3, name=f"{block}_2")
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = keras.layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=name)


def degradation_experiment(data, shallow: int = 3, deep: int = 9, epochs: int = 20, limit: int | None = None,
                           learning_rate: float = 0.05, batch_size: int = 64, seed: int = 0) -> dict:
    """Train plain-(6 shallow + 2), plain-(6 deep + 2) and resnet-(6 deep + 2) the same way.

    SGD with momentum 0.9 at `learning_rate`, `epochs` epochs of `batch_size`, each run from the same
    seed. The lesson's claim, asserted by a test at small size: the deep plain network ends with a
    higher training loss than the shallow one, and the residual one with a far lower loss than its
    plain twin.

    Args:
        data: an `ImageData` (its train and validation splits are used).
        shallow, deep: n for the shallow and the deep networks (``deep > shallow``).
        epochs, learning_rate, batch_size: the training of each run.
        limit: use at most this many training images (quick runs).
        seed: seeds each run's initialisation and shuffling.

    Returns:
        ``{name: history}`` in the order plain-shallow, plain-deep, resnet-deep; each history is Keras'
        ``History.history`` dict (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy`` per epoch).

    Example:
        >>> from dlcourse.data import load_dataset
        >>> runs = degradation_experiment(load_dataset("digits", image_size=8), shallow=1, deep=2, epochs=1, limit=64)
        >>> list(runs)
        ['plain-8', 'plain-14', 'resnet-14']
    """
    for arg, value in (("shallow", shallow), ("deep", deep), ("epochs", epochs)):
        check_positive_int(arg, value)
    if deep <= shallow:
        raise ValueError(f"deep must be larger than shallow; got shallow={shallow}, deep={deep}")
    import keras

    x_train, y_train = data.x_train, data.y_train
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
    histories = {}
    for blocks, residual in ((shallow, False), (deep, False), (deep, True)):
        keras.utils.set_random_seed(seed)
        model = plain_or_residual_net(blocks, residual, input_shape=x_train.shape[1:], classes=data.num_classes)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate, momentum=0.9),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        histories[model.name] = model.fit(x_train, y_train, validation_data=(data.x_val, data.y_val), epochs=epochs,
                                          batch_size=batch_size, verbose=0).history
    return histories
